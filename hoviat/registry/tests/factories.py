import datetime as dt

import factory

from hoviat.core.national_code import make_national_code
from hoviat.places.tests.factories import CityFactory, CountyFactory
from hoviat.registry.models import Citizen, Gender


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen
        django_get_or_create = ("national_code",)

    national_code = factory.Sequence(lambda n: make_national_code("299", 100000 + n))
    first_name = "سارا"
    last_name = "محمدی"
    father_name = "علی"
    mother_name = "مریم"
    gender = Gender.FEMALE
    birth_date = dt.date(1991, 8, 5)
    shenasnameh_number = factory.SelfAttribute("national_code")
    shenasnameh_series = 20
    shenasnameh_letter = "الف"
    shenasnameh_serial = factory.Sequence(lambda n: f"{123456 + n:06d}")
    issuing_county = factory.SubFactory(CountyFactory)
    residence_city = factory.SubFactory(
        CityFactory, county=factory.SelfAttribute("..issuing_county")
    )
    residence_province = factory.SelfAttribute("residence_city.province")
    mobile = factory.Sequence(lambda n: f"0917{1000000 + n:07d}")
