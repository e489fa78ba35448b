from django.db.models import QuerySet

from hoviat.core.errors import NotFound
from hoviat.core.text import normalize_code
from hoviat.places.models import City, County, NationalCodePrefix, Province


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


def county_for_national_code(*, national_code: str) -> County | None:
    """The county that issued a national code, by its first three digits; None if unknown.

    The check digit is not verified here: callers that need a valid code parse it first
    (hoviat.core.national_code), and a mistyped code still names the county it was meant for.
    """
    code = normalize_code(national_code or "")
    if len(code) in (8, 9):
        # Spreadsheets drop leading zeros, and Tehran's prefixes all start with 0.
        code = code.zfill(10)
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return None
    prefix = (
        NationalCodePrefix.objects.filter(prefix=code[:3])
        .select_related("county__province")
        .first()
    )
    return prefix.county if prefix else None


def prefixes_of_province(*, province: Province | str) -> list[str]:
    """The national-code prefixes issued in a province (a Province or its ISO code), sorted."""
    if isinstance(province, Province):
        rows = NationalCodePrefix.objects.filter(county__province=province)
    else:
        rows = NationalCodePrefix.objects.filter(county__province__code=province.upper())
    return list(rows.order_by("prefix").values_list("prefix", flat=True))
