"""New cards made from biometrics already captured (a lost card's replacement, a re-issue
of a voided one).

The application is opened with an Enrolment row that reuses the earlier visit's face and finger
references (`reused_from`). It waits for its fee like any application; once paid,
`application_release_prepared` moves it from `paid` to `enrolled`, i.e. into the production
queue, with no appointment (at once through the applications app's `application_paid` hook,
and within a minute by the sweep otherwise). Without current biometrics the application is an
ordinary one: after payment the citizen books a visit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationStatus
from hoviat.applications.services import (
    ApplicationAlreadyOpen,
    application_open_for_card,
    application_status_change,
)
from hoviat.core.errors import InvalidTransition
from hoviat.delivery.selectors.cards import biometrics_reusable
from hoviat.enrolment.models import Enrolment, EnrolmentStatus
from hoviat.enrolment.services import enrolment_reuse
from hoviat.notifications.services import sms_queue
from hoviat.production.models import Card

__all__ = [
    "application_release_prepared",
    "applications_release_prepared",
    "open_next_card",
]


def application_release_prepared(*, application_id: int, actor: Any = None) -> bool:
    """A paid application whose enrolment reuses kept biometrics joins the production queue."""
    if not Enrolment.objects.filter(
        application_id=application_id,
        reused_from__isnull=False,
        status=EnrolmentStatus.COMPLETED,
    ).exists():
        return False
    try:
        with transaction.atomic():
            application = application_status_change(
                application_id=application_id,
                to=ApplicationStatus.ENROLLED,
                allowed_from={ApplicationStatus.PAID},
                actor=actor,
                reason="زیست‌سنجی پیشین به کار رفت؛ بدون نوبت به صف تولید رفت",
                updates={"enrolled_at": timezone.now()},
            )
            sms_queue(
                to=application.mobile,
                template="replacement_queued",
                params={"tracking_code": application.tracking_code},
                related=application,
            )
    except InvalidTransition:
        return False  # not paid yet, or released by another worker
    return True


def applications_release_prepared(*, limit: int = 1000, actor: Any = None) -> int:
    """Every paid application with a prepared enrolment, into the production queue."""
    ids = list(
        Application.objects.filter(
            status=ApplicationStatus.PAID,
            enrolment__reused_from__isnull=False,
            enrolment__status=EnrolmentStatus.COMPLETED,
        )
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(application_release_prepared(application_id=pk, actor=actor) for pk in ids)


def open_next_card(
    *, card: Card, kind: str, fee_rials: int, mobile: str, actor: Any, reason: str, office_id: int
) -> tuple[Application | None, bool]:
    """The application for the card that follows `card`; (None, False) if one is open (or
    its holder has died: the card is stopped, no new one is made)."""
    if not card.application.citizen.is_alive:
        return None, False
    source = biometrics_reusable(card=card)
    try:
        application = application_open_for_card(
            citizen=card.application.citizen,
            kind=kind,
            mobile=mobile,
            fee_rials=fee_rials,
            actor=actor,
            reason=reason,
        )
    except ApplicationAlreadyOpen:
        return None, False
    if source is not None:
        enrolment_reuse(application=application, source=source, office_id=office_id)
    return application, source is not None
