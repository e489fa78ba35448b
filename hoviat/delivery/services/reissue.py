"""A card voided for not being collected, asked for again by its holder."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.services import ApplicationAlreadyOpen, fee_for
from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict
from hoviat.delivery.selectors.cards import CardNotYours, access_card_for_citizen
from hoviat.delivery.services._shared import citizen_actor, refused
from hoviat.delivery.services.replacements import open_next_card
from hoviat.notifications.services import sms_queue
from hoviat.production.models import REISSUABLE_CARD_STATUSES

__all__ = ["CardNotReissuable", "ReissueOutcome", "card_reissue_request"]


class CardNotReissuable(Conflict):
    code = "CARD_NOT_REISSUABLE"
    default_detail = (
        "صدور دوباره فقط برای کارتی ممکن است که به دلیل تحویل‌نگرفتن در مهلت باطل شده باشد."
    )


@dataclass(frozen=True)
class ReissueOutcome:
    application: Application
    biometrics_current: bool


def card_reissue_request(*, csn: str, mobile: str) -> ReissueOutcome:
    """The holder of a card voided for not being collected asks for it again; with kept
    biometrics no new visit is needed (the fee is still owed)."""
    actor = citizen_actor(mobile)
    try:
        card = access_card_for_citizen(mobile=mobile, csn=csn)
    except CardNotYours:
        refused(
            actor=actor,
            action="card.reissue_refused",
            csn=csn,
            reason="not_the_holder",
            data={},
            subject=mobile,
        )
        raise
    if (
        card.status not in REISSUABLE_CARD_STATUSES
        or card.application.status != ApplicationStatus.VOIDED
    ):
        raise CardNotReissuable(extra={"card_status": card.status})
    with transaction.atomic():
        application, current = open_next_card(
            card=card,
            # The person still has no card: a re-issue is the same kind, at the same fee.
            kind=card.application.kind,
            fee_rials=fee_for(kind=card.application.kind),
            mobile=mobile,
            actor=actor,
            reason=f"صدور دوباره کارت تحویل‌نشده {card.csn}",
            office_id=card.office_id,
        )
        if application is None:
            raise ApplicationAlreadyOpen()
        audit_record(
            actor=actor,
            action="card.reissue_requested",
            obj=card,
            data={
                "csn": card.csn,
                "application": application.tracking_code,
                "biometrics_current": current,
            },
        )
        sms_queue(
            to=mobile,
            template="card_reissue",
            params={
                "tracking_code": application.tracking_code,
                "fee_rials": application.fee_rials,
                "next_step": current,
            },
            related=application,
        )
    return ReissueOutcome(application, current)
