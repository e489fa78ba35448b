"""Self-service API: complaints (the citizen files and reads their own; staff answer), the
citizen's documents and contact details. Citizen bearer tokens (OTP sign-in)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from hoviat.applications.api import citizen_auth
from hoviat.core.api import Problem, staff_auth
from hoviat.selfservice import selectors, services
from hoviat.selfservice.models import ANSWER_MAX_CHARS, TEXT_MAX_CHARS, Grievance

router = Router(tags=["selfservice"])

# Room for a text a little too long, so it gets GRIEVANCE_TEXT_TOO_LONG with a Persian
# message rather than the schema's generic 422; anything far longer is not a complaint.
_TEXT_FIELD_MAX = TEXT_MAX_CHARS * 2


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class GrievanceIn(Schema):
    about_event: str | None = Field(
        None,
        max_length=64,
        description="an event of the citizen's own history: `inquiry:<inquiry_id>`, "
        "`sms:<message id>`, `application:<tracking_code>` or `card:<serial>`; "
        "404 `EVENT_NOT_FOUND` for one that is not theirs",
        examples=["application:123456789012"],
    )
    text: str = Field(max_length=_TEXT_FIELD_MAX, examples=["کارت من یک ماه است آماده نشده."])


class GrievanceFiledOut(Schema):
    grievance_id: str
    due_on: dt.date
    status: str


class GrievanceOut(Schema):
    grievance_id: str
    status: str
    about_event: str | None
    text: str
    office: str | None
    province: str
    filed_at: dt.datetime
    due_on: dt.date
    answer: str | None
    answered_at: dt.datetime | None


def _grievance_out(grievance: Grievance) -> dict:
    return {
        "grievance_id": grievance.number,
        "status": grievance.status,
        "about_event": (
            f"{grievance.about_kind}:{grievance.about_ref}" if grievance.about_kind else None
        ),
        "text": grievance.text,
        "office": grievance.office.name if grievance.office_id else None,
        "province": grievance.province.code,
        "filed_at": grievance.created_at,
        "due_on": grievance.due_on,
        "answer": grievance.answer or None,
        "answered_at": grievance.answered_at,
    }


@router.post(
    "/grievances",
    response={201: GrievanceFiledOut, 403: Problem, 404: Problem, 422: Problem, 429: Problem},
    auth=citizen_auth,
    summary="File a complaint, about an event of one's own history or none",
    description="The complaint gets a random tracking number (not sequential) and goes to "
    "the office or province it concerns, due in HOVIAT_GRIEVANCE_DUE_DAYS days. 422 "
    "`GRIEVANCE_TEXT_REQUIRED` / `GRIEVANCE_TEXT_TOO_LONG`; 404 `EVENT_NOT_FOUND`.",
)
def grievance_file(request, payload: GrievanceIn):
    grievance = services.grievance_file(
        mobile=request.auth, text=payload.text, about_event=payload.about_event
    )
    return Status(
        201,
        {"grievance_id": grievance.number, "due_on": grievance.due_on, "status": grievance.status},
    )


@router.get(
    "/me/grievances",
    response=list[GrievanceOut],
    auth=citizen_auth,
    summary="The signed-in citizen's complaints, newest first",
)
def my_grievances(request):
    return [_grievance_out(g) for g in selectors.grievances_of_mobile(mobile=request.auth)[:200]]


@router.get(
    "/grievances/{grievance_id}",
    response={200: GrievanceOut, 404: Problem, 429: Problem},
    auth=citizen_auth,
    summary="One of the signed-in citizen's complaints (404 for anyone else's)",
    description="Rate-limited per client address and per mobile "
    "(HOVIAT_GRIEVANCE_LOOKUP_RATE_PER_MINUTE): 429 `RATE_LIMITED`.",
)
def grievance_detail(request, grievance_id: str):
    services.grievance_lookup_count(mobile=request.auth, client_address=_client(request))
    return _grievance_out(
        selectors.access_grievance_for_citizen(mobile=request.auth, number=grievance_id)
    )


class AnswerIn(Schema):
    answer: str = Field(max_length=ANSWER_MAX_CHARS * 2)


@router.post(
    "/grievances/{grievance_id}/answer",
    response={200: GrievanceOut, 404: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    tags=["office"],
    summary="Answer a complaint (staff of its office, its province's director)",
    description="The citizen gets an SMS. 409 `GRIEVANCE_ALREADY_ANSWERED`.",
)
def grievance_answer(request, grievance_id: str, payload: AnswerIn):
    grievance = selectors.access_grievance_for(request.auth, grievance_id)
    return _grievance_out(
        services.grievance_answer(grievance=grievance, answer=payload.answer, user=request.auth)
    )
