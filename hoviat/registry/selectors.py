"""Reads of the population registry: one citizen, and who may apply for a card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from hoviat.core.errors import NotFound
from hoviat.core.jalali import age_on
from hoviat.core.national_code import parse_national_code
from hoviat.places.models import Province
from hoviat.registry.models import Citizen, MobileOwnership
from hoviat.registry.ownership import ownership_backend

DECEASED = "DECEASED"
UNDER_AGE = "UNDER_AGE"
NO_PHOTO_SHENASNAMEH = "NO_PHOTO_SHENASNAMEH"

REASONS_FA = {
    DECEASED: "بنا بر ثبت احوال، این شخص در قید حیات نیست.",
    UNDER_AGE: "کارت ملی هوشمند برای کسانی است که دست‌کم {age} سال دارند.",
    NO_PHOTO_SHENASNAMEH: "شناسنامهٔ این شخص عکس‌دار نیست؛ نخست شناسنامهٔ عکس‌دار بگیرید.",
}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)

    def reasons_fa(self) -> list[str]:
        return [REASONS_FA[code].format(age=settings.CARD_MINIMUM_AGE) for code in self.reasons]


def citizen_get(*, national_code: str) -> Citizen:
    """The citizen with this code (any spelling parse_national_code accepts), or NotFound."""
    code = parse_national_code(national_code)
    citizen = (
        Citizen.objects.select_related("issuing_county", "residence_province", "residence_city")
        .filter(national_code=code)
        .first()
    )
    if citizen is None:
        raise NotFound(f"شهروندی با کد ملی {code} در ثبت احوال نیست.", code="CITIZEN_NOT_FOUND")
    return citizen


def citizen_eligibility(*, citizen: Citizen, on: dt.date) -> Eligibility:
    """May this citizen apply for a smart card on that date? If not, every reason why."""
    reasons = []
    if not citizen.is_alive:
        reasons.append(DECEASED)
    if age_on(citizen.birth_date, on) < settings.CARD_MINIMUM_AGE:
        reasons.append(UNDER_AGE)
    if not citizen.has_photo_shenasnameh:
        reasons.append(NO_PHOTO_SHENASNAMEH)
    return Eligibility(eligible=not reasons, reasons=reasons)


def latest_birth_date_for_age(*, age: int, on: dt.date) -> dt.date:
    """The last birth date of someone who is at least `age` on `on` (as age_on counts)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year - age, day=28)


def eligible_citizens(*, on: dt.date, province: Province | str | None = None) -> QuerySet[Citizen]:
    """Everyone who may apply on that date: alive, old enough, with a photo shenasnameh."""
    queryset = Citizen.objects.filter(
        is_alive=True,
        has_photo_shenasnameh=True,
        birth_date__lte=latest_birth_date_for_age(age=settings.CARD_MINIMUM_AGE, on=on),
    )
    if isinstance(province, Province):
        queryset = queryset.filter(residence_province=province)
    elif province:
        queryset = queryset.filter(residence_province__code=province.upper())
    return queryset


def mobile_owns(*, mobile: str, national_code: str) -> bool:
    """Does this mobile line belong to this national code? (Shahkar-like; the http backend
    raises MobileOwnershipUnavailable rather than guess.)"""
    return ownership_backend().owns(mobile=mobile, national_code=national_code)


def national_codes_owned_by(*, mobile: str) -> list[str]:
    """The national codes this mobile is known to belong to, each confirmed by the backend
    (with the simulator the table is the answer; with http a recorded yes is asked again)."""
    codes = list(
        MobileOwnership.objects.filter(mobile=mobile)
        .order_by("national_code")
        .values_list("national_code", flat=True)
    )
    if settings.MOBILE_OWNERSHIP_BACKEND == "simulator":
        return codes
    backend = ownership_backend()
    return [code for code in codes if backend.owns(mobile=mobile, national_code=code)]
