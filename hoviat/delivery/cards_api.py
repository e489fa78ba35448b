"""Cards API: lost and stolen cards (by their holder or at an office), found cards, re-issue
of a voided card, a citizen's cards, and the validity policy (national admin)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from hoviat.applications.api import citizen_auth
from hoviat.core.api import Problem, staff_auth
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import parse_date
from hoviat.delivery import selectors, services
from hoviat.delivery.models import LossChannel

router = Router(tags=["cards"])


class ReportLostIn(Schema):
    kind: Literal["lost", "stolen"] = "lost"
    national_code: str | None = Field(
        None, max_length=20, description="required at an office: the holder's, checked"
    )


class ReplacementOut(Schema):
    tracking_code: str
    status: str
    fee_rials: int
    next_step: Literal["payment_then_production", "payment_then_booking"]


class LossOut(Schema):
    card_serial: str
    card_status: str
    kind: str
    certificates_revoked: int = Field(description="stolen: revoked (keyCompromise)")
    certificates_on_hold: int = Field(description="lost: on hold (certificateHold) until found")
    replacement: ReplacementOut | None
    replacement_note: str = ""


class FoundIn(Schema):
    national_code: str = Field(max_length=20)


class CardStatusOut(Schema):
    card_serial: str
    card_status: str


class CitizenCardOut(Schema):
    card_serial: str
    card_status: str
    issued_on: dt.date
    expires_on: dt.date
    valid_until: dt.date
    reported: str | None
    can_report: bool
    can_reissue: bool


def _replacement(application, current: bool) -> dict | None:
    if application is None:
        return None
    return {
        "tracking_code": application.tracking_code,
        "status": application.status,
        "fee_rials": application.fee_rials,
        "next_step": "payment_then_production" if current else "payment_then_booking",
    }


@router.post(
    "/cards/{serial}/report-lost",
    response={201: LossOut, 429: Problem},
    auth=[citizen_auth, staff_auth],
    summary="Report a card lost or stolen (its holder after OTP, or an office operator)",
)
def report_lost(request: HttpRequest, serial: str, payload: ReportLostIn):
    """A lost card is suspended, a stolen one revoked with its certificates, at once; a
    replacement application is opened (fee by count of earlier losses). Someone else's card,
    or a serial that does not exist: 404 CARD_NOT_YOURS, audited, nothing changed."""
    if isinstance(request.auth, str):
        outcome = services.card_report_loss(
            csn=serial,
            kind=payload.kind,
            actor=None,
            channel=LossChannel.CITIZEN,
            mobile=request.auth,
        )
    else:
        if not payload.national_code:
            raise ValidationFailed(
                "در دفتر، کد ملی دارنده کارت را وارد کنید.", code="NATIONAL_CODE_REQUIRED"
            )
        outcome = services.card_report_loss(
            csn=serial,
            kind=payload.kind,
            actor=request.auth,
            channel=LossChannel.OFFICE,
            national_code=payload.national_code,
        )
    return Status(
        201,
        {
            "card_serial": outcome.card.csn,
            "card_status": outcome.card.status,
            "kind": outcome.report.kind,
            "certificates_revoked": outcome.certificates if outcome.report.kind == "stolen" else 0,
            "certificates_on_hold": outcome.certificates if outcome.report.kind == "lost" else 0,
            "replacement": _replacement(outcome.replacement, outcome.biometrics_current),
            "replacement_note": ""
            if outcome.replacement
            else "برای این شخص درخواست باز دیگری هست؛ کارت جایگزین از همان درخواست پیگیری شود.",
        },
    )


@router.post(
    "/cards/{serial}/found",
    response={200: CardStatusOut, 429: Problem},
    auth=staff_auth,
    summary="Restore a lost card found within the window (office operator)",
)
def found(request: HttpRequest, serial: str, payload: FoundIn):
    report = services.card_restore_found(
        csn=serial, national_code=payload.national_code, actor=request.auth
    )
    report.card.refresh_from_db()
    return {"card_serial": report.card.csn, "card_status": report.card.status}


@router.post(
    "/cards/{serial}/reissue",
    response={201: ReplacementOut, 429: Problem},
    auth=citizen_auth,
    summary="Ask again for a card voided because it was not collected in time",
)
def reissue(request: HttpRequest, serial: str):
    outcome = services.card_reissue_request(csn=serial, mobile=request.auth)
    return Status(201, _replacement(outcome.application, outcome.biometrics_current))


@router.get("/cards", response=list[CitizenCardOut], auth=citizen_auth, summary="My cards")
def my_cards(request: HttpRequest):
    rows = []
    for card in selectors.cards_of_mobile(mobile=request.auth)[:50]:
        view = selectors.card_view(card=card)
        rows.append(
            {
                "card_serial": card.csn,
                "card_status": card.status,
                "issued_on": card.issued_on,
                "expires_on": card.expires_on,
                "valid_until": view.valid_until,
                "reported": view.loss.kind if view.loss else None,
                "can_report": view.can_report,
                "can_reissue": view.can_reissue,
            }
        )
    return rows


# --- Validity policy ---------------------------------------------------------------------------


class ValidityOut(Schema):
    expires_on: dt.date
    on: dt.date
    valid_until: dt.date


@router.get(
    "/policy/validity",
    response=ValidityOut,
    summary="Until when a card printed with an expiry date is valid under the policy in force",
)
def validity(request: HttpRequest, expires_on: str, on: str | None = None):
    from django.utils import timezone

    printed = parse_date(expires_on)
    day = parse_date(on) if on else timezone.localdate()
    return {
        "expires_on": printed,
        "on": day,
        "valid_until": selectors.card_valid_until(expires_on=printed, on=day),
    }


class ExtensionIn(Schema):
    expiring_before: str = Field(description="ISO or Jalali date", examples=["1403/12/30"])
    valid_until: str = Field(examples=["1405/12/29"])
    effective_from: str = Field(examples=["1403/10/01"])
    reference: str = Field(max_length=255, examples=["مصوبه هیئت وزیران ۱۴۰۳/۰۹/۲۰"])


class ExtensionOut(Schema):
    id: int
    expiring_before: dt.date
    valid_until: dt.date
    effective_from: dt.date
    reference: str
    withdrawn_at: dt.datetime | None


class CutoffIn(Schema):
    accepted_until: str = Field(examples=["1403/03/31"])
    effective_from: str = Field(examples=["1403/01/01"])
    reference: str = Field(max_length=255)


class CutoffOut(Schema):
    id: int
    accepted_until: dt.date
    effective_from: dt.date
    reference: str
    withdrawn_at: dt.datetime | None


class WithdrawIn(Schema):
    reason: str = Field("", max_length=255)


def _admin(request: HttpRequest):
    selectors.access_policy_for(request.auth)
    return request.auth


@router.get(
    "/policy/validity-extensions",
    response=list[ExtensionOut],
    auth=staff_auth,
    summary="Validity extensions recorded (national admin)",
)
def extensions(request: HttpRequest):
    _admin(request)
    return list(selectors.extensions_all()[:200])


@router.post(
    "/policy/validity-extensions",
    response={201: ExtensionOut},
    auth=staff_auth,
    summary="Record a validity extension (national admin)",
)
def extension_record(request: HttpRequest, payload: ExtensionIn):
    row = services.validity_extension_record(
        expiring_before=parse_date(payload.expiring_before),
        valid_until=parse_date(payload.valid_until),
        effective_from=parse_date(payload.effective_from),
        reference=payload.reference,
        actor=_admin(request),
    )
    return Status(201, row)


@router.post(
    "/policy/validity-extensions/{extension_id}/withdraw",
    response=ExtensionOut,
    auth=staff_auth,
    summary="Withdraw a validity extension (national admin)",
)
def extension_withdraw(request: HttpRequest, extension_id: int, payload: WithdrawIn):
    return services.validity_extension_withdraw(
        extension_id=extension_id, actor=_admin(request), reason=payload.reason
    )


@router.get(
    "/policy/paper-card-cutoffs",
    response=list[CutoffOut],
    auth=staff_auth,
    summary="Old paper card cut-offs recorded (national admin)",
)
def cutoffs(request: HttpRequest):
    _admin(request)
    return list(selectors.cutoffs_all()[:200])


@router.post(
    "/policy/paper-card-cutoffs",
    response={201: CutoffOut},
    auth=staff_auth,
    summary="Record the old paper card cut-off (national admin)",
)
def cutoff_record(request: HttpRequest, payload: CutoffIn):
    row = services.paper_cutoff_record(
        accepted_until=parse_date(payload.accepted_until),
        effective_from=parse_date(payload.effective_from),
        reference=payload.reference,
        actor=_admin(request),
    )
    return Status(201, row)


@router.post(
    "/policy/paper-card-cutoffs/{cutoff_id}/withdraw",
    response=CutoffOut,
    auth=staff_auth,
    summary="Withdraw an old paper card cut-off (national admin)",
)
def cutoff_withdraw(request: HttpRequest, cutoff_id: int, payload: WithdrawIn):
    return services.paper_cutoff_withdraw(
        cutoff_id=cutoff_id, actor=_admin(request), reason=payload.reason
    )
