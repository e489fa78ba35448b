"""Lost and stolen cards, and found ones. Certificates follow the card at once (OCSP reads
the rows; the CRL is signed again after commit): lost → certificateHold, found → off hold,
stolen → keyCompromise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.applications.models import (
    BEFORE_PRODUCTION_STATUSES,
    CARD_UNDER_WAY_STATUSES,
    SIDE_EXIT_STATUSES,
    Application,
    ApplicationKind,
    ApplicationStatus,
)
from hoviat.applications.services import application_status_change, fee_for
from hoviat.booking.services import booking_release_for_application
from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, ValidationFailed
from hoviat.delivery.conf import conf
from hoviat.delivery.models import LossChannel, LossKind, LossReport
from hoviat.delivery.selectors.cards import (
    CardNotYours,
    access_card_for_citizen,
    access_card_for_office,
    earlier_losses_of,
)
from hoviat.delivery.services._shared import citizen_actor, refused
from hoviat.delivery.services.replacements import open_next_card
from hoviat.enrolment.models import Enrolment
from hoviat.notifications.services import sms_queue
from hoviat.pki import services as pki
from hoviat.production.models import Card, CardStatus
from hoviat.production.services import card_status_change

__all__ = [
    "CardNotReportable",
    "FoundWindowPassed",
    "LossOutcome",
    "NotRestorable",
    "ReplacementAlreadyProduced",
    "card_report_loss",
    "card_restore_found",
]


class CardNotReportable(Conflict):
    code = "CARD_NOT_REPORTABLE"
    default_detail = "فقط کارت فعال را می‌توان مفقود یا سرقت‌شده اعلام کرد."


class NotRestorable(Conflict):
    code = "CARD_NOT_RESTORABLE"
    default_detail = "این کارت مفقود اعلام نشده است و نیازی به بازگرداندن ندارد."


class FoundWindowPassed(Conflict):
    code = "FOUND_WINDOW_PASSED"
    default_detail = "مهلت بازگرداندن کارت پیداشده گذشته است؛ کارت جایگزین صادر می‌شود."


class ReplacementAlreadyProduced(Conflict):
    code = "REPLACEMENT_ALREADY_PRODUCED"
    default_detail = (
        "کارت جایگزین این کارت تولید شده است؛ کارت پیداشده را نمی‌توان دوباره فعال کرد. "
        "کارت پیداشده را برای امحا تحویل بگیرید."
    )


@dataclass(frozen=True)
class LossOutcome:
    report: LossReport
    card: Card
    replacement: Application | None
    biometrics_current: bool
    certificates: int  # put on hold (lost) or revoked (stolen)


def card_report_loss(
    *,
    csn: str,
    kind: str,
    actor: Any,
    channel: str,
    mobile: str = "",
    national_code: str = "",
) -> LossOutcome:
    """Report a card lost (suspended) or stolen (revoked with its certificates) and open its
    replacement, whose fee grows with the holder's earlier losses."""
    if kind not in LossKind.values:
        raise ValidationFailed("نوع گزارش باید «مفقود» یا «سرقت» باشد.", code="LOSS_KIND_INVALID")
    if channel not in LossChannel.values:
        raise ValidationFailed("مسیر گزارش نامعتبر است.", code="LOSS_CHANNEL_INVALID")
    who = citizen_actor(mobile) if channel == LossChannel.CITIZEN else actor
    try:
        if channel == LossChannel.CITIZEN:
            card = access_card_for_citizen(mobile=mobile, csn=csn)
        else:
            card = access_card_for_office(user=actor, csn=csn, national_code=national_code)
    except CardNotYours:
        refused(
            actor=who,
            action="card.loss_report_refused",
            csn=csn,
            reason="not_the_holder",
            data={"channel": channel, "kind": kind},
            subject=mobile if channel == LossChannel.CITIZEN else f"user:{actor.pk}",
        )
        raise
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        report = (
            LossReport.objects.select_for_update()
            .filter(card=locked, found_at__isnull=True)
            .first()
        )
        upgrade = (
            locked.status == CardStatus.SUSPENDED
            and report is not None
            and report.kind == LossKind.LOST
            and kind == LossKind.STOLEN
        )
        if locked.status != CardStatus.ACTIVE and not upgrade:
            details: dict[str, str] = {
                CardStatus.SUSPENDED: "این کارت پیش‌تر مفقود اعلام و معلق شده است.",
                CardStatus.REVOKED: "این کارت پیش‌تر ابطال شده است.",
                CardStatus.AT_OFFICE: "این کارت هنوز تحویل داده نشده و در دفتر است.",
            }
            detail = details.get(locked.status, CardNotReportable.default_detail)
            raise CardNotReportable(detail, extra={"card_status": locked.status})
        to = CardStatus.SUSPENDED if kind == LossKind.LOST else CardStatus.REVOKED
        reason = f"{kind}: {'گزارش مفقودی' if kind == LossKind.LOST else 'گزارش سرقت'}"
        card_status_change(
            card_id=locked.pk, to=to, actor=who, reason=reason, audit_data={"csn": locked.csn}
        )
        now = timezone.now()
        if report is None:
            report = LossReport.objects.create(
                card=locked,
                kind=kind,
                channel=channel,
                reported_at=now,
                reported_by=actor if channel == LossChannel.OFFICE else None,
                reporter_mobile=mobile if channel == LossChannel.CITIZEN else "",
            )
        else:
            report.kind = LossKind.STOLEN
            report.save(update_fields=["kind"])
        # At once: OCSP reads these rows; the CRL is signed again after commit. A lost card's
        # certificates are on hold (certificateHold), a stolen one's revoked (keyCompromise).
        if kind == LossKind.STOLEN:
            certificates = pki.card_certificates_revoke_held(
                csn=locked.csn, reason="stolen — گزارش سرقت", actor=who
            )
        else:
            certificates = pki.card_certificates_hold(
                csn=locked.csn, reason="— گزارش مفقودی", actor=who
            )
        replacement, current = None, False
        if report.replacement_id is None:
            holder = card.application
            replacement, current = open_next_card(
                card=card,
                kind=ApplicationKind.REPLACEMENT,
                fee_rials=fee_for(
                    kind=ApplicationKind.REPLACEMENT,
                    earlier_losses=earlier_losses_of(
                        citizen_id=holder.citizen_id, excluding=report.pk
                    ),
                ),
                mobile=mobile or holder.mobile,
                actor=who,
                reason=f"جایگزین کارت {kind} {locked.csn}",
                office_id=actor.office_id if channel == LossChannel.OFFICE else locked.office_id,
            )
            if replacement is not None:
                report.replacement = replacement
                report.save(update_fields=["replacement"])
        else:
            replacement = report.replacement
            current = Enrolment.objects.filter(
                application=replacement, reused_from__isnull=False
            ).exists()
        audit_record(
            actor=who,
            action=f"card.reported_{kind}",
            obj=report,
            to_state=kind,
            data={
                "csn": locked.csn,
                "channel": channel,
                "replacement": replacement.tracking_code if replacement else None,
                "fee_rials": replacement.fee_rials if replacement else None,
                "biometrics_current": current,
            },
        )
        _sms_loss(card=locked, kind=kind, replacement=replacement, current=current, mobile=mobile)
    locked.refresh_from_db()
    return LossOutcome(report, locked, replacement, current, certificates)


def _sms_loss(
    *, card: Card, kind: str, replacement: Application | None, current: bool, mobile: str
) -> None:
    template = f"card_{kind}"  # card_lost, card_stolen
    params: dict[str, object] = {"csn": card.csn}
    if replacement is not None:
        template += "_with_replacement"
        params |= {
            "tracking_code": replacement.tracking_code,
            "fee_rials": replacement.fee_rials,
            "next_step": current,
        }
    sms_queue(to=mobile or card.application.mobile, template=template, params=params, related=card)


def card_restore_found(*, csn: str, national_code: str, actor: Any) -> LossReport:
    """An office restores a lost (not stolen) card found within the window, unless its
    replacement is already made; a replacement not yet made is cancelled."""
    try:
        card = access_card_for_office(user=actor, csn=csn, national_code=national_code)
    except CardNotYours:
        refused(
            actor=actor,
            action="card.restore_refused",
            csn=csn,
            reason="not_the_holder",
            data={"national_code_tail": (national_code or "")[-4:]},
            subject=f"user:{actor.pk}",
        )
        raise
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        report = (
            LossReport.objects.select_for_update()
            .filter(card=locked, found_at__isnull=True)
            .first()
        )
        if report is None or locked.status != CardStatus.SUSPENDED:
            raise NotRestorable(extra={"card_status": locked.status})
        if report.kind == LossKind.STOLEN:
            raise NotRestorable(
                "کارت سرقت‌شده ابطال شده و گواهی‌های آن باطل است؛ بازگرداندن آن ممکن نیست.",
                extra={"card_status": locked.status},
            )
        window = dt.timedelta(days=conf("DELIVERY_FOUND_WINDOW_DAYS"))
        now = timezone.now()
        if now - report.reported_at > window:
            raise FoundWindowPassed(
                extra={"reported_at": report.reported_at.isoformat(), "window_days": window.days}
            )
        replacement = report.replacement
        refund_due = 0
        if replacement is not None:
            replacement = Application.objects.select_for_update().get(pk=replacement.pk)
            if replacement.status in CARD_UNDER_WAY_STATUSES | {ApplicationStatus.DELIVERED}:
                raise ReplacementAlreadyProduced(
                    extra={
                        "replacement": replacement.tracking_code,
                        "replacement_status": replacement.status,
                    }
                )
            if replacement.status not in SIDE_EXIT_STATUSES:
                if replacement.status == ApplicationStatus.BOOKED:
                    booking_release_for_application(application=replacement, actor=actor)
                if replacement.paid_at is not None:
                    refund_due = replacement.fee_rials
                application_status_change(
                    application_id=replacement.pk,
                    to=ApplicationStatus.CANCELLED,
                    allowed_from=BEFORE_PRODUCTION_STATUSES,
                    actor=actor,
                    reason="کارت مفقود پیدا شد و بازگردانده شد",
                    updates={"closed_at": now},
                    audit_data={"refund_due_rials": refund_due},
                )
        pki.card_certificates_release(csn=locked.csn, actor=actor)
        card_status_change(
            card_id=locked.pk,
            to=CardStatus.ACTIVE,
            actor=actor,
            reason="کارت مفقود پیدا شد",
            audit_data={"csn": locked.csn, "loss_report": report.pk},
        )
        report.found_at = now
        report.found_by = actor
        report.save(update_fields=["found_at", "found_by"])
        audit_record(
            actor=actor,
            action="card.found",
            obj=report,
            to_state="found",
            data={"csn": locked.csn, "refund_due_rials": refund_due},
        )
        found = "card_found_replacement_cancelled" if replacement is not None else "card_found"
        sms_queue(
            to=locked.application.mobile,
            template=found,
            params={"csn": locked.csn},
            related=locked,
        )
    return report
