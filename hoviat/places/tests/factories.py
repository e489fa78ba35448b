import factory

from hoviat.places.models import City, County, NationalCodePrefix, Province


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "IR-06"
    name_fa = "بوشهر"
    name_en = "Bushehr"
    population_1395 = 1163400


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("province", "name_en")

    province = factory.SubFactory(ProvinceFactory)
    name_fa = "بوشهر"
    name_en = "Bushehr"


class NationalCodePrefixFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NationalCodePrefix
        django_get_or_create = ("prefix",)

    prefix = factory.Sequence(lambda n: f"{900 + n % 100:03d}")
    county = factory.SubFactory(CountyFactory)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("county", "name_en")

    county = factory.SubFactory(CountyFactory)
    province = factory.SelfAttribute("county.province")
    name_fa = "بوشهر"
    name_en = "Bushehr"
    is_provincial_capital = True
