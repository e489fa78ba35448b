import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from hoviat.applications import selectors, services
from hoviat.applications.models import ApplicationKind
from hoviat.core.api import Problem, staff_auth
from hoviat.core.audit import Actor
from hoviat.core.jalali import parse_date
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.registry.models import Gender

router = Router(tags=["citizen"])


class CitizenBearer(HttpBearer):
    """A citizen signed in by OTP; request.auth is the proven mobile number."""

    def authenticate(self, request: HttpRequest, token: str):
        return services.citizen_session_mobile(token)


citizen_auth = CitizenBearer()


class OtpIn(Schema):
    mobile: str = Field(max_length=20, examples=["09171234567"])


class OtpRequestIn(OtpIn):
    challenge_solution: str | None = Field(
        None,
        max_length=4000,
        description="after a 428 CHALLENGE_REQUIRED: the solved challenge, base64 JSON "
        "{algorithm, challenge, number, salt, signature} as ALTCHA sends it",
    )


class OtpVerifyIn(OtpIn):
    code: str = Field(max_length=12, examples=["123456"])


class CitizenTokenOut(Schema):
    token: str
    expires_at: dt.datetime


class SentOut(Schema):
    detail: str
    expires_in_seconds: int


@router.post(
    "/auth/otp",
    response={202: SentOut, 428: Problem, 429: Problem},
    summary="Send a sign-in code by SMS",
    description="After a few requests from one address, 428 CHALLENGE_REQUIRED carries a "
    "proof-of-work `challenge`; solve it and send `challenge_solution`.",
)
def otp_request(request, payload: OtpRequestIn):
    services.otp_request(
        mobile=payload.mobile,
        client_address=request.META.get("REMOTE_ADDR", ""),
        challenge_solution=payload.challenge_solution,
    )
    return Status(
        202, {"detail": "کد ورود پیامک شد.", "expires_in_seconds": settings.OTP_TTL_SECONDS}
    )


@router.post(
    "/auth/otp/verify",
    response={200: CitizenTokenOut, 401: Problem, 429: Problem},
    summary="Exchange the SMS code for a token",
)
def otp_verify(request, payload: OtpVerifyIn):
    raw, session = services.otp_verify(
        mobile=payload.mobile, code=payload.code, client_address=request.META.get("REMOTE_ADDR", "")
    )
    return {"token": raw, "expires_at": session.expires_at}


class PreRegistrationIn(Schema):
    national_code: str = Field(max_length=20, examples=["0499370899"])
    shenasnameh_serial: str = Field(max_length=40, examples=["۲۰/الف ۱۲۳۴۵۶"])
    birth_date: str = Field(
        max_length=20, description="ISO 1991-08-05 or Jalali 1370/05/14", examples=["1370/05/14"]
    )
    mother_name: str = Field(max_length=64, examples=["مریم"])
    gender: Gender
    mobile: str | None = Field(
        None, max_length=20, description="must be the signed-in mobile if given"
    )
    kind: ApplicationKind = ApplicationKind.FIRST


class ApplicationOut(Schema):
    tracking_code: str
    status: str
    kind: str
    fee_rials: int
    mobile: str
    created_at: dt.datetime


@router.post(
    "/applications",
    response={201: ApplicationOut, 403: Problem, 409: Problem, 429: Problem, 503: Problem},
    auth=citizen_auth,
    summary="Pre-register for a card (checked against the registry)",
    description=(
        "The signed-in mobile must own the national code (a Shahkar-like check): otherwise "
        "403 `MOBILE_NOT_OWNER`, whose message sends the person to an issuing office's "
        "counter (`POST /api/v1/office/applications`). 503 `MOBILE_OWNERSHIP_UNAVAILABLE` "
        "when the ownership service cannot answer. Every try counts in the hourly limit."
    ),
)
def pre_register(request, payload: PreRegistrationIn):
    mobile = request.auth
    if payload.mobile and services.mobile_parse(payload.mobile) != mobile:
        raise services.InvalidMobile(
            "شماره همراه باید همان شماره‌ای باشد که با آن وارد شده‌اید.", code="MOBILE_NOT_VERIFIED"
        )
    application = services.application_pre_register(
        mobile=mobile,
        national_code=payload.national_code,
        shenasnameh_serial=payload.shenasnameh_serial,
        birth_date=parse_date(payload.birth_date),
        mother_name=payload.mother_name,
        gender=payload.gender,
        kind=payload.kind,
    )
    return Status(201, application)


@router.get(
    "/applications",
    response=list[ApplicationOut],
    auth=citizen_auth,
    summary="The signed-in citizen's applications",
    description="Every application under the national codes the signed-in mobile owns, "
    "wherever it was opened.",
)
def my_applications(request):
    return list(selectors.applications_of_mobile(mobile=request.auth))


@router.get(
    "/applications/{tracking_code}",
    response={200: ApplicationOut, 404: Problem, 503: Problem},
    auth=citizen_auth,
    summary="One application of the signed-in citizen (their mobile owns its national code)",
)
def my_application(request, tracking_code: str):
    return selectors.access_application_for_citizen(
        mobile=request.auth, tracking_code=tracking_code
    )


@router.post(
    "/applications/{tracking_code}/cancel",
    response={200: ApplicationOut, 404: Problem, 409: Problem, 503: Problem},
    auth=citizen_auth,
    summary="Cancel an application before enrolment (its seat is given back)",
    description="Only the mobile that owns the application's national code may cancel it, "
    "whichever mobile opened it. 409 `APPLICATION_NOT_CANCELLABLE` once enrolled or closed.",
)
def cancel(request, tracking_code: str):
    application = selectors.access_application_for_citizen(
        mobile=request.auth, tracking_code=tracking_code
    )
    return services.application_cancel(
        application=application,
        actor=Actor("citizen", application.citizen.national_code, "citizen"),
        reason="cancelled_by_owner",
    )


class CounterOpenIn(Schema):
    national_code: str = Field(max_length=20, examples=["0499370899"])
    mobile: str = Field(max_length=20, description="where the SMS go", examples=["09171234567"])
    kind: ApplicationKind = ApplicationKind.FIRST
    document: str = Field(
        max_length=200,
        description="how the operator checked the person's identity, e.g. the shenasnameh serial",
        examples=["شناسنامهٔ عکس‌دار ۲۰/الف ۱۲۳۴۵۶"],
    )


@router.post(
    "/office/applications",
    response={201: ApplicationOut, 403: Problem, 409: Problem, 422: Problem},
    auth=staff_auth,
    tags=["office"],
    summary="Open an application at the office counter (identity checked in person)",
    description="For a person whose mobile is not their own line (403 `MOBILE_NOT_OWNER` "
    "online): an office operator checks their shenasnameh and opens the application; the "
    "audit row names the operator and the office.",
)
def counter_open(request, payload: CounterOpenIn):
    application = services.application_open_at_counter(
        operator=request.auth,
        national_code=payload.national_code,
        mobile=payload.mobile,
        kind=payload.kind,
        document=payload.document,
    )
    return Status(201, application)


class ChangeMobileIn(Schema):
    mobile: str = Field(max_length=20)
    code: str = Field(max_length=12, description="the OTP sent to the new mobile")


@router.put(
    "/applications/{tracking_code}/mobile",
    response=ApplicationOut,
    auth=citizen_auth,
    summary="Change the SMS number (proven by an OTP to it)",
)
def change_mobile(request, tracking_code: str, payload: ChangeMobileIn):
    application = selectors.access_application_for_citizen(
        mobile=request.auth, tracking_code=tracking_code
    )
    services.otp_verify(
        mobile=payload.mobile, code=payload.code, client_address=request.META.get("REMOTE_ADDR", "")
    )
    return services.application_change_mobile(
        application=application,
        mobile=payload.mobile,
        actor=Actor("citizen", application.citizen.national_code, "citizen"),
    )


class TimelineOut(Schema):
    at: dt.datetime
    status: str
    label: str


class TrackedAppointmentOut(Schema):
    office_id: int
    office_name: str
    starts_at: dt.datetime
    status: str


class CardWaitingOut(Schema):
    """A card waiting at its office for its holder, and whether the "card ready" SMS arrived."""

    office_name: str
    office_address: str
    office_phone: str = ""
    hold_until: dt.date = Field(description="collect it by this day, or it is voided")
    card_tail: str = Field(description="the last four digits of the card serial")
    notice_status: str = Field(description="the SMS: queued, sent, delivered, failed, ...")
    notice_failed: bool
    change_mobile_url: str | None = Field(
        None, description="page where the citizen sends the notice to a new mobile"
    )


class PromiseOut(Schema):
    """The card-ready date promised (re-forecast daily), with its 9-in-10 interval."""

    date: dt.date
    earliest: dt.date
    latest: dt.date
    made_at: dt.datetime
    point: str = Field(description="booking, enrolment or production_start")
    text: str = Field(description="the interval in Persian, as the tracking page says it")


class TrackOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    timeline: list[TimelineOut]
    appointment: TrackedAppointmentOut | None
    expected_ready_on: dt.date | None
    expected_ready_basis: str
    expected_ready_reason: str = ""
    card_waiting: CardWaitingOut | None = None
    promise: PromiseOut | None = None


def tracking_view(application) -> dict:
    booking = (
        application.bookings.select_related("slot__office")
        # booking.models.SEAT_HOLDING, retyped: applications sits above booking and may not
        # import it.
        .filter(status__in=("held", "booked"))
        .first()
    )
    appointment = None
    if booking is not None:
        appointment = {
            "office_id": booking.slot.office_id,
            "office_name": booking.slot.office.name,
            "starts_at": booking.slot.starts_at,
            "status": booking.status,
        }
    expected = selectors.application_expected_ready(
        application=application, appointment_date=booking.slot.date if booking is not None else None
    )
    return {
        "tracking_code": application.tracking_code,
        "status": application.status,
        "status_label": application.get_status_display(),
        "timeline": selectors.application_timeline(application=application),
        "appointment": appointment,
        "expected_ready_on": expected.date,
        "expected_ready_basis": expected.basis,
        "expected_ready_reason": expected.reason,
        **selectors.tracking_extras(application=application),
    }


def _track(request, national_code: str, tracking_code: str) -> dict:
    rate_limit_hit(
        scope="track",
        subject=request.META.get("REMOTE_ADDR", ""),
        limit=settings.TRACKING_RATE_PER_MINUTE,
        window=dt.timedelta(minutes=1),
    )
    application = selectors.application_for_tracking(
        national_code=national_code, tracking_code=tracking_code
    )
    return tracking_view(application)


@router.get(
    "/track",
    response={200: TrackOut, 404: Problem, 429: Problem},
    summary="Track an application without signing in (prefer POST: codes in a URL are logged)",
    description="Kept for existing clients. The codes travel in the query string, where "
    "server and proxy logs keep them: new clients send them in the body of `POST /track`.",
)
def track(request, national_code: str, tracking_code: str):
    return _track(request, national_code, tracking_code)


class TrackIn(Schema):
    national_code: str = Field(max_length=20, examples=["0499370899"])
    tracking_code: str = Field(max_length=20, examples=["123456789012"])


@router.post(
    "/track",
    response={200: TrackOut, 404: Problem, 429: Problem},
    summary="Track an application without signing in (codes in the body, not the URL)",
    description="The same answer and rate limit as `GET /track`, with the national code and "
    "tracking code in the JSON body, so no log or browser history keeps them.",
)
def track_post(request, payload: TrackIn):
    return _track(request, payload.national_code, payload.tracking_code)
