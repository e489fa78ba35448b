"""Reads of the citizen portal: an application as its owner or a tracker may see it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from hoviat.applications import hooks
from hoviat.applications.codes import tracking_code_parse
from hoviat.applications.models import Application, ApplicationStatus
from hoviat.core.errors import NotFound
from hoviat.core.models import AuditEntry
from hoviat.core.national_code import InvalidNationalCode, parse_national_code
from hoviat.offices.selectors import add_working_days
from hoviat.registry.selectors import mobile_owns, national_codes_owned_by


class TrackingNotFound(NotFound):
    code = "TRACKING_NOT_FOUND"
    # One answer for a wrong code and for a wrong national code: no probing.
    default_detail = "درخواستی با این کد ملی و کد رهگیری یافت نشد."


def access_application_for_citizen(
    *, mobile: str, tracking_code: str = "", public_id: uuid.UUID | None = None
) -> Application:
    """The application, if the signed-in citizen's mobile owns its national code (Shahkar):
    the owner reaches an application opened from any mobile; no other mobile reaches it, not
    even the one it was opened from. Named by its tracking code (the API) or by its public id
    (the citizen's pages, whose addresses never carry the tracking code)."""
    found = Application.objects.select_related("citizen")
    if public_id is not None:
        found = found.filter(public_id=public_id)
    else:
        code = tracking_code_parse(tracking_code)
        found = found.filter(tracking_code=code) if code else found.none()
    application = found.first()
    # One answer for "no such code" and "not yours": nothing confirms someone else's code.
    if application is None or not mobile_owns(
        mobile=mobile, national_code=application.citizen.national_code
    ):
        named = "این نشانی" if public_id is not None else "این کد رهگیری"
        raise NotFound(f"درخواستی با {named} برای شما یافت نشد.", code="APPLICATION_NOT_FOUND")
    return application


def applications_of_mobile(*, mobile: str) -> QuerySet[Application]:
    """Every application under the national codes this mobile owns, wherever it was opened."""
    return (
        Application.objects.select_related("citizen")
        .filter(citizen__national_code__in=national_codes_owned_by(mobile=mobile))
        .order_by("-created_at")
    )


def application_for_tracking(*, national_code: str, tracking_code: str) -> Application:
    code = tracking_code_parse(tracking_code)
    try:
        national = parse_national_code(national_code)
    except InvalidNationalCode:
        raise TrackingNotFound() from None
    application = (
        Application.objects.select_related("citizen")
        .filter(tracking_code=code, citizen__national_code=national)
        .first()
        if code
        else None
    )
    if application is None:
        raise TrackingNotFound()
    return application


@dataclass(frozen=True)
class TimelineStep:
    at: dt.datetime
    status: str
    label: str


def application_timeline(*, application: Application) -> list[TimelineStep]:
    """Each status the application reached, with when, read from its audit rows."""
    labels = dict(ApplicationStatus.choices)
    rows = (
        AuditEntry.objects.filter(
            object_type="applications.application", object_id=str(application.pk)
        )
        .exclude(to_state="")
        .order_by("id")
        .values_list("at", "to_state")
    )
    return [TimelineStep(at, state, labels.get(state, state)) for at, state in rows]


@dataclass(frozen=True)
class ExpectedReady:
    date: dt.date | None
    basis: str  # production_queue, in_production, produced, default_lead_time, delivered, none
    reason: str = ""  # why there is no date, in Persian (e.g. a card-body shortage)


def tracking_extras(*, application: Application) -> dict[str, Any]:
    """What later stages add to the tracking answer (page and API), by name."""
    return hooks.tracking_extras.by_key(application=application)


def application_expected_ready(
    *, application: Application, appointment_date: dt.date | None
) -> ExpectedReady:
    """When the card should be ready: enrolment (or the appointment) + the stated lead time."""
    if application.status == ApplicationStatus.DELIVERED:
        return ExpectedReady(None, "delivered")
    answer = hooks.expected_ready.first(application=application)
    if answer is not None:
        return answer
    start = application.enrolled_at.date() if application.enrolled_at else appointment_date
    if start is None:
        return ExpectedReady(None, "none")
    return ExpectedReady(
        add_working_days(start=start, days=settings.DEFAULT_LEAD_WORKING_DAYS),
        "default_lead_time",
    )
