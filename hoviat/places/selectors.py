from django.db.models import QuerySet

from hoviat.core.errors import NotFound
from hoviat.places.models import City, County, Province


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("code")


def province_get(*, code: str) -> Province:
    province = Province.objects.filter(code=code.upper()).first()
    if province is None:
        raise NotFound(f"استانی با کد «{code}» وجود ندارد.", code="PROVINCE_NOT_FOUND")
    return province


def county_list(*, province: Province) -> QuerySet[County]:
    return County.objects.filter(province=province).prefetch_related("prefixes")


def city_list(*, province: Province) -> QuerySet[City]:
    return City.objects.filter(province=province).select_related("county")
