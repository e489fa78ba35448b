"""Registry demo data: synthetic citizens in five provinces, Sara, and three edge cases.

Runs after the places demo (provinces, counties with their national-code prefixes, cities).
Each of IR-06, IR-07, IR-04, IR-32 and IR-14 gets `citizens` synthetic people if it has
none yet (a province without code prefixes is skipped). Then the named people, whatever
the synthetic ones hold (they win over a synthetic person with the same code):

| national code | who | shows |
| --- | --- | --- |
| 0499370899 | سارا محمدی, born 1370/05/14, serial ۲۰/الف ۱۲۳۴۵۶ | eligible (the demo journey) |
| 0491000146 | آرتین رضایی, 14½ years old (kept 14 on later runs) | UNDER_AGE |
| 0491000278 | حسن دشتی, born 1320/03/10 | DECEASED |
| 0491000359 | زهرا کریمی, born 1385/02/20 | NO_PHOTO_SHENASNAMEH |

Sara also has an old paper card: number 5012345678, issued 1388/02/10.

All live in Bushehr's capital; their issuing county is the county of prefix 049 if there is
one, else that city's county. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from hoviat.core.jalali import age_on, today_local
from hoviat.places.models import City, NationalCodePrefix, Province
from hoviat.registry.models import Citizen, Gender, OldCard
from hoviat.registry.services import mobile_ownerships_fill, population_generate

DEMO_PROVINCES = ("IR-06", "IR-07", "IR-04", "IR-32", "IR-14")

SARA = {
    "national_code": "0499370899",
    "first_name": "سارا",
    "last_name": "محمدی",
    "father_name": "علی",
    "mother_name": "مریم",
    "gender": Gender.FEMALE,
    "birth_date": dt.date(1991, 8, 5),  # 1370/05/14
    "shenasnameh_number": "0499370899",
    "shenasnameh_series": 20,
    "shenasnameh_letter": "الف",
    "shenasnameh_serial": "123456",
    "mobile": "09171234567",
    "is_alive": True,
    "has_photo_shenasnameh": True,
}
UNDER_AGE_CODE = "0491000146"
SARA_OLD_CARD = {"card_number": "5012345678", "issued_on": dt.date(2009, 4, 30)}  # 1388/02/10


def _edge_cases(today: dt.date) -> list[dict]:
    base = {
        "father_name": "محمود",
        "mother_name": "فاطمه",
        "shenasnameh_series": 12,
        "shenasnameh_letter": "ب",
        "is_alive": True,
        "has_photo_shenasnameh": True,
    }
    try:
        fifteen_years_ago = today.replace(year=today.year - 15)
    except ValueError:  # 29 February
        fifteen_years_ago = today.replace(year=today.year - 15, day=28)
    return [
        {
            **base,
            "national_code": UNDER_AGE_CODE,
            "first_name": "آرتین",
            "last_name": "رضایی",
            "gender": Gender.MALE,
            "birth_date": fifteen_years_ago + dt.timedelta(days=183),
            "shenasnameh_number": "0491000146",
            "shenasnameh_serial": "654321",
            "mobile": "",
        },
        {
            **base,
            "national_code": "0491000278",
            "first_name": "حسن",
            "last_name": "دشتی",
            "gender": Gender.MALE,
            "birth_date": dt.date(1941, 5, 31),
            "shenasnameh_number": "1432",
            "shenasnameh_serial": "208117",
            "mobile": "",
            "is_alive": False,
        },
        {
            **base,
            "national_code": "0491000359",
            "first_name": "زهرا",
            "last_name": "کریمی",
            "gender": Gender.FEMALE,
            "birth_date": dt.date(2006, 5, 10),
            "shenasnameh_number": "0491000359",
            "shenasnameh_serial": "771204",
            "mobile": "09177654321",
            "has_photo_shenasnameh": False,
        },
    ]


def _person_ensure(fields: dict, *, today: dt.date) -> tuple[Citizen, bool]:
    """Create the person, or bring an existing row with that code to these fields.

    The 14-year-old's birth date is relative to today: it is left alone while it still
    makes them 14, so running the demo again changes nothing.
    """
    citizen = Citizen.objects.filter(national_code=fields["national_code"]).first()
    if citizen is None:
        return Citizen.objects.create(**fields), True
    keep = ()
    if fields["national_code"] == UNDER_AGE_CODE and age_on(citizen.birth_date, today) == 14:
        keep = ("birth_date",)
    changed = [
        name
        for name, value in fields.items()
        if name not in keep and getattr(citizen, name) != value
    ]
    for name in changed:
        setattr(citizen, name, fields[name])
    if changed:
        citizen.save(update_fields=[*changed, "updated_at"])
    return citizen, bool(changed)


def build(*, citizens: int, seed: int) -> str:
    notes = []
    for code in DEMO_PROVINCES:
        province = Province.objects.filter(code=code).first()
        if province is None:
            notes.append(f"{code} missing")
        elif Citizen.objects.filter(residence_province=province).exists():
            notes.append(f"{code} already populated")
        elif not NationalCodePrefix.objects.filter(county__province=province).exists():
            notes.append(f"{code} has no code prefixes")
        else:
            result = population_generate(province=province, size=citizens, seed=seed)
            notes.append(f"{code} +{result.created}")

    capital = (
        City.objects.filter(province__code="IR-06")
        .order_by("-is_provincial_capital", "pk")
        .select_related("county", "province")
        .first()
    )
    if capital is None:
        return "; ".join([*notes, "no city in Bushehr (IR-06): Sara not created"])
    prefix = NationalCodePrefix.objects.filter(prefix="049").select_related("county").first()
    county = prefix.county if prefix else capital.county
    places = {
        "issuing_county": county,
        "residence_province": capital.province,
        "residence_city": capital,
    }

    today = today_local()
    sara, _ = _person_ensure({**SARA, **places}, today=today)
    OldCard.objects.get_or_create(
        citizen=sara,
        card_number=SARA_OLD_CARD["card_number"],
        defaults={"issued_on": SARA_OLD_CARD["issued_on"]},
    )
    for person in _edge_cases(today):
        _person_ensure({**person, **places}, today=today)
    notes.append("Sara 0499370899 and 3 edge cases (0491000146, 0491000278, 0491000359)")
    # Sign-in is bound to the mobile that owns the national code: the simulator's owners are
    # the registry's mobiles (Sara's 09171234567 among them).
    notes.append(f"mobile owners +{mobile_ownerships_fill(province=capital.province)}")
    return "; ".join(notes)
