"""Citizen pages: sign-in by SMS code, pre-registration, my applications, public tracking."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from hoviat.applications import forms, selectors, services
from hoviat.applications.api import tracking_view
from hoviat.applications.models import CARD_UNDER_WAY_STATUSES
from hoviat.citizenship import selectors as citizenship_selectors
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date
from hoviat.core.pow import ChallengeRequired
from hoviat.core.ratelimit import rate_limit_hit

SESSION_KEY = "citizen_mobile"


def citizen_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.session.get(SESSION_KEY):
            return redirect(f"{reverse('citizen:sign_in')}?next={request.get_full_path()}")
        request.citizen_mobile = request.session[SESSION_KEY]
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def sign_in(request):
    form = forms.MobileForm(request.POST if request.method == "POST" else None)
    pow_challenge = None
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.otp_request(
                mobile=form.cleaned_data["mobile"],
                client_address=request.META.get("REMOTE_ADDR", ""),
                challenge_solution=form.cleaned_data["challenge_solution"] or None,
            )
        except ChallengeRequired as exc:
            # The page's script solves it and sends the form again (static/js/pow.js).
            pow_challenge = json.dumps(exc.extra["challenge"])
            form.add_error(None, exc.detail)
        except DomainError as exc:
            form.add_error("mobile", exc.detail)
        else:
            request.session["otp_mobile"] = challenge.mobile
            request.session["otp_expires_at"] = challenge.expires_at.isoformat()
            return redirect(f"{reverse('citizen:verify')}?next={_safe_next(request, '')}")
    return render(
        request,
        "applications/sign_in.html",
        {"form": form, "next": _safe_next(request, ""), "pow_challenge": pow_challenge},
    )


def verify(request):
    mobile = request.session.get("otp_mobile")
    if not mobile:
        return redirect("citizen:sign_in")
    form = forms.OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_verify(
                mobile=mobile,
                code=form.cleaned_data["code"],
                client_address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            request.session.cycle_key()  # a new session id once the citizen is signed in
            request.session[SESSION_KEY] = mobile
            request.session.set_expiry(settings.CITIZEN_SESSION_HOURS * 3600)
            request.session.pop("otp_mobile", None)
            request.session.pop("otp_expires_at", None)
            return redirect(_safe_next(request, reverse("citizen:home")))
    return render(
        request,
        "applications/verify.html",
        {
            "form": form,
            "mobile": mobile,
            "next": _safe_next(request, ""),
            "ttl_minutes": settings.OTP_TTL_SECONDS // 60,
            "expires_at": request.session.get("otp_expires_at", ""),
        },
    )


@require_POST
def sign_out(request):
    request.session.flush()
    return redirect("home")


@citizen_required
def home(request):
    applications = selectors.applications_of_mobile(mobile=request.citizen_mobile)
    return render(
        request,
        "applications/home.html",
        {
            "applications": applications,
            "mobile": request.citizen_mobile,
            # A person without a birth certificate follows their citizenship case from here.
            "citizenship_cases": citizenship_selectors.cases_of_mobile(
                mobile=request.citizen_mobile
            ),
        },
    )


@citizen_required
def apply(request):
    """The form, then a check-your-answers page, then the registry check (GOV.UK pattern)."""
    form = forms.PreRegistrationForm(request.POST if request.method == "POST" else None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("step") == "edit":
            return render(request, "applications/apply.html", context)
        if request.POST.get("step") != "confirm":
            return render(
                request, "applications/apply_check.html", {"form": form, "answers": _answers(form)}
            )
        data = form.cleaned_data
        try:
            application = services.application_pre_register(
                mobile=request.citizen_mobile,
                national_code=data["national_code"],
                shenasnameh_serial=data["shenasnameh_serial"],
                birth_date=parse_date(data["birth_date"]),
                mother_name=data["mother_name"],
                gender=data["gender"],
                kind=data["kind"],
            )
        except DomainError as exc:
            context["status"] = exc.status
            if isinstance(exc, services.RegistryMismatch):
                # The summary says what to check, never which field differed.
                context["mismatch"] = exc.extra
                form.add_error(None, services.RegistryMismatch.default_detail)
            else:
                form.add_error(None, exc.detail)
        else:
            messages.success(request, "پیش‌ثبت‌نام انجام شد. کد رهگیری را نگه دارید.")
            return redirect("citizen:application", public_id=application.public_id)
    # Someone else's national code is a refusal, not a typo: said with its own status.
    return render(request, "applications/apply.html", context, status=context.pop("status", 200))


def _answers(form) -> list[tuple[str, str]]:
    """(label, the answer as the person will read it) for the check-your-answers page."""
    answers = []
    for field in form:
        value = form.cleaned_data.get(field.name, "")
        choices = dict(getattr(field.field, "choices", []) or [])
        answers.append((field.label, str(choices.get(value, value))))
    return answers


@require_POST
@citizen_required
def cancel(request, public_id: uuid.UUID):
    try:
        application = selectors.access_application_for_citizen(
            mobile=request.citizen_mobile, public_id=public_id
        )
        services.application_cancel(
            application=application,
            actor=Actor("citizen", application.citizen.national_code, "citizen"),
            reason="cancelled_by_owner",
        )
    except DomainError as exc:
        return render(request, "applications/error.html", {"detail": exc.detail}, status=exc.status)
    messages.success(request, "درخواست لغو شد.")
    return redirect("citizen:application", public_id=application.public_id)


@citizen_required
def application_detail(request, public_id: uuid.UUID):
    try:
        application = selectors.access_application_for_citizen(
            mobile=request.citizen_mobile, public_id=public_id
        )
    except DomainError as exc:
        return render(request, "applications/error.html", {"detail": exc.detail}, status=404)
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "track": tracking_view(application),
            "urls": _next_step_urls(application),
            "step": journey_step(application.status),
            "visit": _visit(application),
        },
    )


def _visit(application) -> dict | None:
    """The held or booked seat, for the portal: office address, hold deadline."""
    booking = (
        application.bookings.select_related("slot__office")
        .filter(status__in=("held", "booked"))  # booking.models.SEAT_HOLDING (a later app)
        .first()
    )
    if booking is None:
        return None
    return {
        "status": booking.status,
        "starts_at": booking.slot.starts_at,
        "office_name": booking.slot.office.name,
        "office_address": booking.slot.office.address,
        "hold_expires_at": booking.hold_expires_at,
    }


_STEP_OF_STATUS = {"pre_registered": 2, "paid": 3, "booked": 4, "delivered": 6}


def journey_step(status: str) -> int:
    """Where an application is on pre-register → pay → book → attend → card (1–5, 6 = done)."""
    if status in _STEP_OF_STATUS:
        return _STEP_OF_STATUS[status]
    if status in CARD_UNDER_WAY_STATUSES or status == "enrolled":
        return 5
    return 0


def _next_step_urls(application) -> dict[str, str]:
    """Links to the payment and booking steps, where those apps are installed."""
    urls = {}
    for name, route in (
        ("pay", "payments:start"),
        ("book", "booking:choose"),
        ("receipt", "citizen_receipt_pdf"),
    ):
        with contextlib.suppress(NoReverseMatch):
            urls[name] = reverse(route, args=[application.public_id])
    return urls


def lost_code(request):
    """A lost tracking code, sent again by SMS to the mobile registered on the application.
    The answer is the same whether or not the national code has an application."""
    form = forms.LostCodeForm(request.POST if request.method == "POST" else None)
    sent, status = False, 200
    if request.method == "POST" and form.is_valid():
        try:
            services.tracking_code_resend(
                national_code=form.cleaned_data["national_code"],
                client_address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as exc:
            form.add_error("national_code", exc.detail)
            status = exc.status
        else:
            sent = True
    elif form.is_bound:
        status = 422
    return render(
        request, "applications/lost_code.html", {"form": form, "sent": sent}, status=status
    )


@require_http_methods(["GET", "POST"])
def track(request):
    """Track by national code and tracking code, sent by POST only: the codes never go into a
    URL (browser history, server and proxy logs, the Referer header). The result is the answer
    to the POST itself, never a redirect that would carry them."""
    form = forms.TrackForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        try:
            rate_limit_hit(
                scope="track",
                subject=request.META.get("REMOTE_ADDR", ""),
                limit=settings.TRACKING_RATE_PER_MINUTE,
                window=dt.timedelta(minutes=1),
            )
            application = selectors.application_for_tracking(
                national_code=form.cleaned_data["national_code"],
                tracking_code=form.cleaned_data["tracking_code"],
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            result = tracking_view(application)
    return render(
        request, "applications/track.html", {"form": form, "result": result, "now": timezone.now()}
    )
