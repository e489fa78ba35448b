import factory

from hoviat.offices.models import Office, OfficeKind
from hoviat.places.tests.factories import CityFactory


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    kind = OfficeKind.POST
    name = factory.Sequence(lambda n: f"اداره پست شماره {n}")
    code = factory.Sequence(lambda n: f"OF{n:05d}")
    city = factory.SubFactory(CityFactory)
    address = "خیابان اصلی"
    capacity_per_slot = 2
