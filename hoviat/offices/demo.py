"""Demo offices in five provincial capitals, the official holidays, and one user per role.

Beside them, one office that exists only for the demo: Bushehr's round-the-clock demo office
(`ALWAYS_OPEN_CODE`, `always_open`), with slots every quarter hour of every day, holidays
too, and its own operator (Nima), so README's journey for Sara, from pre-registration to
hand-over, can be walked whatever the hour `make run` starts at.

Runs after the places demo (provinces, counties, cities). Idempotent: offices are found by
code and users by username, and nothing that exists is changed, so a demo user who changed
their password keeps it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import transaction

from hoviat.core.models import Role, User
from hoviat.offices.models import Office, OfficeKind
from hoviat.offices.services import holidays_load
from hoviat.places.models import City, Province

DEMO_PASSWORD = "hoviat-demo-1405"  # noqa: S105 (published demo accounts, never production)


@dataclass(frozen=True)
class DemoProvince:
    code: str
    area_code: str  # telephone prefix of the capital
    streets: tuple[str, str, str, str, str]  # one per office, in OFFICES order
    districts: tuple[str, str]  # where the second counter and the branch post office are


# The capital city itself comes from the places data (City.is_provincial_capital).
PROVINCES = (
    DemoProvince(
        "IR-06",
        "077",
        streets=(
            "خیابان امام خمینی، جنب فرمانداری",
            "خیابان لیان، نبش کوچه سروش",
            "بهمنی، بلوار ولیعصر، روبه‌روی پارک ساحلی",
            "خیابان سنگی، ساختمان مرکزی پست",
            "بلوار عاشوری، نبش کوچه یاس",
        ),
        districts=("بهمنی", "عاشوری"),
    ),
    DemoProvince(
        "IR-07",
        "021",
        streets=(
            "خیابان بهشت، نبش خیابان ولیعصر",
            "خیابان شریعتی، بالاتر از پل رومی",
            "میدان ونک، خیابان ملاصدرا",
            "میدان امام خمینی، ساختمان پست مرکزی",
            "تهرانپارس، خیابان جشنواره",
        ),
        districts=("ونک", "تهرانپارس"),
    ),
    DemoProvince(
        "IR-04",
        "031",
        streets=(
            "خیابان شیخ صدوق شمالی، نبش کوچه ۱۲",
            "خیابان نیکبخت، ساختمان نگین",
            "جلفا، خیابان حکیم نظامی",
            "خیابان چهارباغ عباسی، ساختمان مرکزی پست",
            "سپاهان‌شهر، بلوار غدیر",
        ),
        districts=("جلفا", "سپاهان‌شهر"),
    ),
    DemoProvince(
        "IR-32",
        "026",
        streets=(
            "میدان آزادگان، بلوار جمهوری",
            "عظیمیه، میدان مهران",
            "گوهردشت، بلوار موذن",
            "بلوار جمهوری اسلامی، ساختمان مرکزی پست",
            "مهرشهر، بلوار ارم",
        ),
        districts=("گوهردشت", "مهرشهر"),
    ),
    DemoProvince(
        "IR-14",
        "071",
        streets=(
            "خیابان زند، روبه‌روی بیمارستان نمازی",
            "بلوار چمران، نبش کوچه ۲۰",
            "معالی‌آباد، مجتمع ستاره فارس",
            "خیابان زند، ساختمان مرکزی پست",
            "قصردشت، خیابان ابیوردی",
        ),
        districts=("معالی‌آباد", "قصردشت"),
    ),
)


@dataclass(frozen=True)
class DemoOffice:
    kind: str
    code: str  # with {n}, the province's two digits
    name: str  # with {city} and {district}
    hands_over_cards: bool
    capacity_per_slot: int
    district: int | None = None


# Post branches and one counter per city only enrol: cards are collected elsewhere. The
# central post office hands cards over so operator Reza can run the whole demo at his desk.
OFFICES = (
    DemoOffice(OfficeKind.REGISTRATION, "REG-{n}01", "اداره ثبت احوال شهرستان {city}", True, 3),
    DemoOffice(OfficeKind.COUNTER, "CNT-{n}01", "دفتر پیشخوان دولت مرکزی {city}", True, 2),
    DemoOffice(
        OfficeKind.COUNTER, "CNT-{n}02", "دفتر پیشخوان دولت {district} {city}", False, 2, district=0
    ),
    DemoOffice(OfficeKind.POST, "POST-{n}01", "اداره پست مرکزی {city}", True, 4),
    DemoOffice(OfficeKind.POST, "POST-{n}02", "دفتر پست {district} {city}", False, 2, district=1),
)


# The demo's round-the-clock office, in Bushehr (Sara's province), marked as a demo in its name.
ALWAYS_OPEN_PROVINCE = "IR-06"
ALWAYS_OPEN_CODE = "DEMO-0601"
ALWAYS_OPEN_NAME = "دفتر نمایشی شبانه‌روزی {city} (آزمایشی، همیشه باز)"
ALWAYS_OPEN_ADDRESS = "{city}، دفتر نمایشی برای آزمودن سامانه؛ نشانی واقعی ندارد"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    province_code: str | None = None
    office_code: str | None = None
    is_superuser: bool = False


USERS = (
    DemoUser("admin", "نسرین", "رحیمی", Role.NATIONAL_ADMIN, is_superuser=True),
    DemoUser("maryam", "مریم", "کاظمی", Role.PROVINCIAL_DIRECTOR, province_code="IR-06"),
    DemoUser("reza", "رضا", "احمدی", Role.OFFICE_OPERATOR, office_code="POST-0601"),
    DemoUser("nima", "نیما", "صالحی", Role.OFFICE_OPERATOR, office_code=ALWAYS_OPEN_CODE),
    DemoUser("kaveh", "کاوه", "نوری", Role.PRODUCTION_OPERATOR),
)


def _capitals() -> dict[str, City]:
    codes = [p.code for p in PROVINCES]
    provinces = {p.code: p for p in Province.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in provinces]
    if missing:
        raise CommandError(
            f"Offices demo: provinces {', '.join(missing)} are missing; load the places data first."
        )
    capitals: dict[str, City] = {}
    found = City.objects.filter(province__code__in=codes, is_provincial_capital=True)
    for city in found.select_related("province").order_by("pk"):
        capitals.setdefault(city.province.code, city)
    for code in codes:
        if code not in capitals:
            province = provinces[code]
            raise CommandError(
                f"Offices demo: province {province.name_en} ({code}) has no "
                "city marked as its provincial capital."
            )
    return capitals


def _offices(capitals: dict[str, City], rng: random.Random) -> tuple[int, int]:
    total = created = 0
    for province in PROVINCES:
        city = capitals[province.code]
        digits = province.code.removeprefix("IR-")
        for index, spec in enumerate(OFFICES):
            district = province.districts[spec.district] if spec.district is not None else ""
            # Drawn even for offices that exist, so every office's number stays the same.
            phone = f"{province.area_code}-3{rng.randrange(10**6, 10**7)}"
            _, is_new = Office.objects.get_or_create(
                code=spec.code.format(n=digits),
                defaults={
                    "kind": spec.kind,
                    "name": spec.name.format(city=city.name_fa, district=district),
                    "city": city,
                    "address": f"{city.name_fa}، {province.streets[index]}",
                    "phone": phone,
                    "hands_over_cards": spec.hands_over_cards,
                    "capacity_per_slot": spec.capacity_per_slot,
                },
            )
            total += 1
            created += is_new
    return total, created


def _always_open_office(capitals: dict[str, City]) -> bool:
    """The demo's round-the-clock office (made once, left alone after); True if made now."""
    city = capitals[ALWAYS_OPEN_PROVINCE]
    _, is_new = Office.objects.get_or_create(
        code=ALWAYS_OPEN_CODE,
        defaults={
            "kind": OfficeKind.COUNTER,
            "name": ALWAYS_OPEN_NAME.format(city=city.name_fa),
            "city": city,
            "address": ALWAYS_OPEN_ADDRESS.format(city=city.name_fa),
            "hands_over_cards": True,
            "capacity_per_slot": 5,
            "always_open": True,
        },
    )
    return is_new


def _users(capitals: dict[str, City]) -> int:
    created = 0
    for spec in USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        User.objects.create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            first_name=spec.first_name,
            last_name=spec.last_name,
            role=spec.role,
            province=capitals[spec.province_code].province if spec.province_code else None,
            office=Office.objects.get(code=spec.office_code) if spec.office_code else None,
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        created += 1
    return created


def build(*, citizens: int, seed: int) -> str:
    """Load holidays, demo offices and demo users; `citizens` is for other apps' demos."""
    rng = random.Random(seed)
    with transaction.atomic():
        holidays = holidays_load()
        capitals = _capitals()
        offices, new_offices = _offices(capitals, rng)
        new_offices += _always_open_office(capitals)
        new_users = _users(capitals)
    return (
        f"{holidays.total} holidays ({holidays.created} new), "
        f"{offices + 1} offices in {len(PROVINCES)} provinces ({new_offices} new; "
        f"{ALWAYS_OPEN_CODE} open around the clock for the demo), "
        f"{len(USERS)} users ({new_users} new; password {DEMO_PASSWORD})"
    )
