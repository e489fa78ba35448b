import datetime as dt

import factory
from django.utils import timezone

from hoviat.core.national_code import make_national_code
from hoviat.places.tests.factories import CityFactory, CountyFactory
from hoviat.registry.models import Citizen, Gender, MobileOwnership, OwnershipSource


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen
        django_get_or_create = ("national_code",)
        skip_postgeneration_save = True

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

    @factory.post_generation
    def owns_mobile(obj, create, extracted, **kwargs):
        """The registry's mobile is the person's own line (as the demo and generate-population
        fill the simulator); CitizenFactory(owns_mobile=False) for someone whose is not."""
        if create and obj.mobile and extracted is not False:
            MobileOwnership.objects.get_or_create(
                mobile=obj.mobile,
                national_code=obj.national_code,
                defaults={"source": OwnershipSource.REGISTRY, "verified_at": timezone.now()},
            )
