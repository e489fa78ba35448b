from ninja import Router, Schema

from hoviat.places import selectors

router = Router(tags=["places"])


class ProvinceOut(Schema):
    code: str
    name_fa: str
    name_en: str
    population_1395: int


class CountyOut(Schema):
    id: int
    name_fa: str
    name_en: str
    national_code_prefixes: list[str]


class CityOut(Schema):
    id: int
    name_fa: str
    name_en: str
    county_id: int
    is_provincial_capital: bool


@router.get("/provinces", response=list[ProvinceOut])
def provinces(request):
    return list(selectors.province_list())


@router.get("/provinces/{code}/counties", response=list[CountyOut])
def counties(request, code: str):
    province = selectors.province_get(code=code)
    return [
        {
            "id": c.id,
            "name_fa": c.name_fa,
            "name_en": c.name_en,
            "national_code_prefixes": [p.prefix for p in c.prefixes.all()],
        }
        for c in selectors.county_list(province=province)
    ]


@router.get("/provinces/{code}/cities", response=list[CityOut])
def cities(request, code: str):
    return list(selectors.city_list(province=selectors.province_get(code=code)))
