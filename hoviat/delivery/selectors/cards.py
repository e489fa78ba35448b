"""Delivery reads: a card as its holder, an office or the national admin may see it, and
whether a card's earlier biometrics may be reused for its next card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from hoviat.applications.models import ApplicationKind, ApplicationStatus
from hoviat.applications.services import fee_for
from hoviat.core.errors import AccessDenied, DomainError
from hoviat.core.national_code import InvalidNationalCode, parse_national_code
from hoviat.core.permissions import is_national_admin, is_office_operator
from hoviat.delivery.conf import conf
from hoviat.delivery.models import LossReport
from hoviat.delivery.selectors.policy import card_valid_until
from hoviat.production.models import (
    LIVE_CARD_STATUSES,
    REISSUABLE_CARD_STATUSES,
    Card,
    CardStatus,
)

__all__ = [
    "CardNotYours",
    "CardView",
    "access_card_for_citizen",
    "access_card_for_office",
    "access_policy_for",
    "biometrics_reusable",
    "card_view",
    "cards_of_mobile",
    "earlier_losses_of",
    "open_loss_report",
    "replacement_fee_for",
]


class CardNotYours(DomainError):
    code = "CARD_NOT_YOURS"
    # 404, not 403: a refusal would say the serial exists.
    status = 404
    title = "Not found"
    # One answer for a serial that does not exist and for someone else's card: no probing.
    default_detail = (
        "کارتی با این شماره سریال به نام شما ثبت نشده است. فقط کارت خودتان را می‌توانید "
        "گزارش کنید؛ شماره سریال را از پشت کارت یا پیامک تحویل دوباره بخوانید."
    )


def _cards() -> QuerySet[Card]:
    return Card.objects.select_related("application__citizen", "office")


def _csn(raw: str) -> str:
    return (raw or "").strip().upper()[:16]


def access_card_for_citizen(*, mobile: str, csn: str) -> Card:
    """The card, if the signed-in mobile is its holder's (the application's or the registry's)."""
    card = (
        _cards()
        .filter(csn=_csn(csn))
        .filter(Q(application__mobile=mobile) | Q(application__citizen__mobile=mobile))
        .first()
    )
    if card is None:
        raise CardNotYours()
    return card


def access_card_for_office(*, user, csn: str, national_code: str) -> Card:
    """The card, for an office operator who has checked its holder's national code."""
    if not is_office_operator(user):
        raise AccessDenied("این کار فقط از کارگزار دفتر ساخته است.")
    try:
        code = parse_national_code(national_code)
    except InvalidNationalCode:
        code = ""
    card = _cards().filter(csn=_csn(csn), application__citizen__national_code=code).first()
    if card is None:
        raise CardNotYours(
            "کارتی با این شماره سریال برای این کد ملی ثبت نشده است. شماره سریال و کد ملی را "
            "با کارت شناسایی مراجعه‌کننده دوباره تطبیق دهید."
        )
    return card


def access_policy_for(user) -> None:
    """Validity policy is recorded by the national admin only."""
    if not is_national_admin(user):
        raise AccessDenied("ثبت سیاست اعتبار کارت فقط از مدیر ملی ساخته است.")


def cards_of_mobile(*, mobile: str) -> QuerySet[Card]:
    """The cards of the people this mobile applied for, newest first (spoiled ones left out)."""
    return (
        _cards()
        .filter(Q(application__mobile=mobile) | Q(application__citizen__mobile=mobile))
        .exclude(status=CardStatus.QC_FAILED)
        .order_by("-issued_on", "-pk")
    )


def open_loss_report(*, card: Card) -> LossReport | None:
    return LossReport.objects.filter(card=card, found_at__isnull=True).first()


def earlier_losses_of(*, citizen_id: int, excluding: int | None = None) -> int:
    """How many of this person's cards were reported lost or stolen and never found."""
    reports = LossReport.objects.filter(
        card__application__citizen_id=citizen_id, found_at__isnull=True
    )
    if excluding is not None:
        reports = reports.exclude(pk=excluding)
    return reports.count()


def replacement_fee_for(*, card: Card) -> int:
    """What the replacement of this card would cost if it were reported lost or stolen now
    (the fee card_report_loss charges; it grows with the holder's earlier losses)."""
    return fee_for(
        kind=ApplicationKind.REPLACEMENT,
        earlier_losses=earlier_losses_of(citizen_id=card.application.citizen_id),
    )


def biometrics_reusable(*, card: Card, on: dt.date | None = None):
    """The enrolment whose face and fingers made this card, if still within retention."""
    enrolment = getattr(card.application, "enrolment", None)
    if enrolment is None or enrolment.completed_at is None or not enrolment.face_sha256:
        return None
    on = on or timezone.localdate()
    # A reused row points at the visit that captured the biometrics: age is counted from it.
    source = enrolment.reused_from if enrolment.reused_from_id else enrolment
    captured = timezone.localdate(source.completed_at)
    if (on - captured).days > conf("DELIVERY_BIOMETRIC_RETENTION_DAYS"):
        return None
    return source


@dataclass(frozen=True)
class CardView:
    card: Card
    valid_until: dt.date
    loss: LossReport | None
    can_report: bool
    can_reissue: bool


def card_view(*, card: Card, on: dt.date | None = None) -> CardView:
    """What the pages show of a card: validity under the policy in force, and what may be done."""
    on = on or timezone.localdate()
    return CardView(
        card=card,
        valid_until=card_valid_until(expires_on=card.expires_on, on=on),
        loss=open_loss_report(card=card),
        can_report=card.status in LIVE_CARD_STATUSES,
        can_reissue=card.status in REISSUABLE_CARD_STATUSES
        and card.application.status == ApplicationStatus.VOIDED,
    )
