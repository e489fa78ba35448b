"""`/api/v1/me/inquiries` and `/api/v1/me/lock`: who asked about me, and lock my card.

A citizen signs in by SMS (`POST /api/v1/auth/otp`, then `/auth/otp/verify`: the bearer token
proves a mobile) and names the national code in `X-National-Code`; the mobile must own it
(the Shahkar-like check), or the answer is 404 NOT_FOUND, as for a code nobody holds.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema, Status

from hoviat.applications.api import citizen_auth
from hoviat.core.api import Problem
from hoviat.selfservice import history, locking

router = Router(tags=["selfservice"])

NATIONAL_CODE = Header(
    ...,
    alias="X-National-Code",
    max_length=20,
    description="the holder's national code; the signed-in mobile must own it",
)


def _holder(request: HttpRequest, national_code: str) -> history.Holder:
    return history.access_holder_for(mobile=str(request.auth), national_code=national_code)


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class MyInquiryOut(Schema):
    at: dt.datetime
    partner: str = Field(description="the relying party that asked")
    purpose: str = Field(description="purpose code, e.g. BANK_ACCOUNT_OPENING")
    purpose_fa: str
    kind: str = Field(description="card, receipt, identity, paper_card or card_auth")
    result: str = Field(description="valid, invalid, match, no_match, authenticated, refused")
    reason_code: str = Field(description="empty when the answer needed none; see the reasons")


@router.get(
    "/me/inquiries",
    response={200: list[MyInquiryOut], 404: Problem, 422: Problem},
    auth=citizen_auth,
    summary="Who asked about me: every inquiry about my national code, newest first",
    description=(
        "50 a page. The next (older) page's token is in the `Link` header "
        '(`<…?page=TOKEN>; rel="next"`) and in `X-Next-Page`; none on the last page. '
        "A token not given by us: 422 PAGE_INVALID."
    ),
)
def my_inquiries(
    request,
    response: HttpResponse,
    page: str | None = None,
    national_code: str = NATIONAL_CODE,
):
    holder = _holder(request, national_code)
    found = history.holder_inquiries(holder=holder, page=page)
    if found.next_page:
        response["X-Next-Page"] = found.next_page
        response["Link"] = f'<{request.path}?page={found.next_page}>; rel="next"'
    return [
        {
            "at": e.at,
            "partner": e.partner,
            "purpose": e.purpose,
            "purpose_fa": e.purpose_fa,
            "kind": e.kind,
            "result": e.result,
            "reason_code": e.reason_code,
        }
        for e in found.entries
    ]


class MyLockOut(Schema):
    locked: bool = Field(description="whether inquiries of `kinds` are refused right now")
    kinds: list[str]
    locked_until: dt.datetime | None = Field(description="null: until unlocked")
    paused_until: dt.datetime | None = Field(description="a temporary unlock running until")


def _lock_out(holder: history.Holder) -> history.LockView:
    return history.holder_lock_view(holder=holder)


@router.get(
    "/me/lock",
    response={200: MyLockOut, 404: Problem},
    auth=citizen_auth,
    summary="My card's lock as it stands",
)
def my_lock(request, national_code: str = NATIONAL_CODE):
    return _lock_out(_holder(request, national_code))


class LockCodeSentOut(Schema):
    detail: str


@router.post(
    "/me/lock/otp",
    response={202: LockCodeSentOut, 404: Problem, 429: Problem},
    auth=citizen_auth,
    summary="Send a fresh code for a lock or an unlock to my mobile",
)
def my_lock_code(request, national_code: str = NATIONAL_CODE):
    holder = _holder(request, national_code)
    locking.card_lock_code_send(holder=holder, client_address=_address(request))
    return Status(202, {"detail": "کد تأیید به شمارهٔ همراه شما پیامک شد."})


class MyLockIn(Schema):
    kinds: list[str] = Field(
        description='["all"] or any of "card", "receipt", "identity", "card_auth"',
        examples=[["all"]],
    )
    minutes: int | None = Field(None, description="1 to 43200; none: until unlocked")
    code: str | None = Field(None, max_length=12, description="the code from /me/lock/otp")


@router.post(
    "/me/lock",
    response={200: MyLockOut, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    auth=citizen_auth,
    summary="Lock remote use of my card and receipt (all, or chosen kinds)",
    description=(
        "Needs a fresh code sent to the owning mobile (`POST /me/lock/otp`): without one 403 "
        "OTP_REQUIRED, a wrong or used one 401 OTP_INVALID. Unknown kinds 422 "
        "LOCK_KIND_UNKNOWN; minutes out of range 422 LOCK_MINUTES_OUT_OF_RANGE. While locked, "
        'inquiries answer result "invalid", reason_code "LOCKED_BY_HOLDER" (within a second).'
    ),
)
def my_lock_set(request, payload: MyLockIn, national_code: str = NATIONAL_CODE):
    holder = _holder(request, national_code)
    locking.card_lock_set(
        holder=holder,
        kinds=payload.kinds,
        minutes=payload.minutes,
        code=payload.code,
        client_address=_address(request),
    )
    return _lock_out(holder)


class MyUnlockIn(Schema):
    minutes: int | None = Field(None, description="unlock for this long only; none: for good")
    code: str | None = Field(None, max_length=12, description="the code from /me/lock/otp")


@router.delete(
    "/me/lock",
    response={200: MyLockOut, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    auth=citizen_auth,
    summary="Unlock my card, for good or for a number of minutes",
    description="Needs a fresh code like the lock (403 OTP_REQUIRED, 401 OTP_INVALID).",
)
def my_lock_clear(request, payload: MyUnlockIn, national_code: str = NATIONAL_CODE):
    holder = _holder(request, national_code)
    locking.card_lock_clear(
        holder=holder, minutes=payload.minutes, code=payload.code, client_address=_address(request)
    )
    return _lock_out(holder)
