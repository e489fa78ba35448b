"""Writes of the citizen portal: sign-in by one-time code, pre-registration, changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hoviat.applications import hooks
from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import (
    CHANGEABLE_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CitizenSession,
    OtpChallenge,
)
from hoviat.core import permissions
from hoviat.core.audit import Actor, audit_record
from hoviat.core.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    InvalidTransition,
    RateLimited,
    ValidationFailed,
)
from hoviat.core.national_code import parse_national_code
from hoviat.core.pow import pow_solution_spend
from hoviat.core.ratelimit import (
    minutes_left_detail,
    rate_limit_check,
    rate_limit_hit,
    rate_limit_refund,
    rate_limit_remaining,
)
from hoviat.core.text import normalize_code, normalize_text, persian_digits
from hoviat.core.transitions import transition, transition_many
from hoviat.notifications.services import sms_queue
from hoviat.registry.models import Citizen, OwnershipSource
from hoviat.registry.selectors import citizen_eligibility, mobile_owns
from hoviat.registry.services import mobile_ownership_record
from hoviat.registry.validation import shenasnameh_serial_parse

_MOBILE = re.compile(r"^09\d{9}$")
CODE_DIGITS = 6


class InvalidMobile(ValidationFailed):
    code = "MOBILE_INVALID"
    default_detail = "شماره تلفن همراه باید ۱۱ رقم و با ۰۹ آغاز شود."


class OtpInvalid(DomainError):
    code = "OTP_INVALID"
    status = 401
    title = "Unauthorized"
    default_detail = "کد واردشده نادرست یا منقضی است."


class OtpLocked(RateLimited):
    code = "OTP_LOCKED"
    default_detail = "به دلیل ورود نادرست پیاپی، ورود با این شماره موقتاً مسدود است."


def mobile_parse(raw: str) -> str:
    """09xxxxxxxxx from what people type: Persian digits, spaces, +98 or 0098 prefixes."""
    mobile = normalize_code(raw or "").removeprefix("+")
    if mobile.startswith("0098"):
        mobile = "0" + mobile[4:]
    elif mobile.startswith("98") and len(mobile) == 12:
        mobile = "0" + mobile[2:]
    elif mobile.startswith("9") and len(mobile) == 10:
        mobile = "0" + mobile
    if not _MOBILE.match(mobile):
        raise InvalidMobile()
    return mobile


def _code_hash(mobile: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def citizen_token_hash(raw: str) -> str:
    """How a citizen's API token is stored: only its SHA-256 is kept."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _lockout_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.OTP_LOCKOUT_MINUTES)


def _locked(exc: RateLimited) -> OtpLocked:
    retry_after = int(exc.extra["retry_after"])
    return OtpLocked(
        f"{OtpLocked.default_detail} {minutes_left_detail(retry_after)}",
        extra={"retry_after": retry_after},
    )


def _verify_bucket(mobile: str, *, count: bool) -> None:
    """The per-mobile verify bucket: counted (a guess) or only read (a locked number gets no
    new code either); past the limit, OTP_LOCKED with the minutes left."""
    try:
        (rate_limit_hit if count else rate_limit_check)(
            scope="otp-verify",
            subject=mobile,
            limit=settings.OTP_MAX_FAILURES,
            window=_lockout_window(),
        )
    except RateLimited as exc:
        raise _locked(exc) from exc


def _check_not_locked(mobile: str) -> None:
    _verify_bucket(mobile, count=False)


def _request_limits(client_address: str, challenge_solution: str | None) -> None:
    if settings.OTP_CHALLENGE_AFTER == 0:
        pow_solution_spend(solution=challenge_solution)
    else:
        try:
            rate_limit_hit(
                scope="otp-request-address-free",
                subject=client_address,
                limit=settings.OTP_CHALLENGE_AFTER,
                window=dt.timedelta(minutes=settings.OTP_CHALLENGE_WINDOW_MINUTES),
            )
        except RateLimited:
            # Past the free requests: each further one costs the client a proof of work.
            pow_solution_spend(solution=challenge_solution)
    rate_limit_hit(
        scope="otp-request-address",
        subject=client_address,
        limit=settings.OTP_REQUESTS_PER_ADDRESS_PER_HOUR,
        window=dt.timedelta(hours=1),
    )
    rate_limit_hit(
        scope="otp-request-all",
        subject="",
        limit=settings.OTP_REQUESTS_PER_MINUTE,
        window=dt.timedelta(minutes=1),
    )


def otp_request(
    *, mobile: str, client_address: str = "", challenge_solution: str | None = None
) -> OtpChallenge:
    """Send a fresh sign-in code by SMS, within the per-mobile, per-address and overall limits."""
    mobile = mobile_parse(mobile)
    now = timezone.now()
    _check_not_locked(mobile)
    _request_limits(client_address, challenge_solution)
    rate_limit_hit(
        scope="otp-request",
        subject=mobile,
        limit=settings.OTP_MAX_REQUESTS_PER_HOUR,
        window=dt.timedelta(hours=1),
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        # A new code replaces any earlier one still waiting.
        OtpChallenge.objects.filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        challenge = OtpChallenge.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        minutes = max(1, settings.OTP_TTL_SECONDS // 60)
        sms_queue(
            to=mobile,
            template="otp",
            params={"code": code, "minutes": minutes},
            related=challenge,
        )
    return challenge


def otp_verify(*, mobile: str, code: str, client_address: str = "") -> tuple[str, CitizenSession]:
    """Check a code; on success open a citizen session (token returned once, stored hashed)."""
    mobile = mobile_parse(mobile)
    code = normalize_code(code or "")
    now = timezone.now()
    challenge = (
        OtpChallenge.objects.filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        # Nothing to guess: a number locked stays locked, anything else is limited per client
        # address and not audited (an unauthenticated caller must not be able to fill the log).
        _check_not_locked(mobile)
        rate_limit_hit(
            scope="otp-verify-address",
            subject=client_address,
            limit=settings.OTP_VERIFY_NO_CODE_PER_ADDRESS_PER_HOUR,
            window=dt.timedelta(hours=1),
        )
        raise OtpInvalid()
    # Count the attempt and check the limit in one step, under the bucket's row lock, before
    # comparing: parallel guesses queue on that row and at most OTP_MAX_FAILURES get compared.
    _verify_bucket(mobile, count=True)
    if not hmac.compare_digest(challenge.code_hash, _code_hash(mobile, code)):
        OtpChallenge.objects.filter(pk=challenge.pk).update(
            failed_attempts=F("failed_attempts") + 1
        )
        audit_record(
            actor=Actor("citizen", mobile[-4:], "citizen"),
            action="auth.otp.failed",
            object_type="applications.otpchallenge",
            object_id=str(challenge.pk),
        )
        raise OtpInvalid()
    with transaction.atomic():
        # Single use: only one verification can flip used_at, even under a race.
        if not OtpChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
            used_at=now
        ):
            raise OtpInvalid()
        raw = secrets.token_urlsafe(32)
        session = CitizenSession.objects.create(
            mobile=mobile,
            token_hash=citizen_token_hash(raw),
            expires_at=now + dt.timedelta(hours=settings.CITIZEN_SESSION_HOURS),
        )
        audit_record(
            actor=Actor("citizen", mobile[-4:], "citizen"),
            action="auth.otp.verified",
            obj=challenge,
        )
    # The right code is not a failure: give its counted attempt back.
    rate_limit_refund(scope="otp-verify", subject=mobile)
    return raw, session


def citizen_session_mobile(raw_token: str) -> str | None:
    """The mobile a live citizen token proves, or None."""
    session = CitizenSession.objects.filter(
        token_hash=citizen_token_hash(raw_token), expires_at__gt=timezone.now()
    ).first()
    return session.mobile if session else None


# --- Pre-registration --------------------------------------------------------------------


# What to compare with the shenasnameh when the registry does not match: every field the form
# checks, never which one differed (that would help someone guess another person's data).
REGISTRY_CHECKLIST = (
    "کد ملی (۱۰ رقم، بدون خط تیره)",
    "سری و سریال شناسنامه (عدد سری، حرف سری و سریال ۶ رقمی)",
    "تاریخ تولد به تقویم شمسی (روز و ماه جابه‌جا نشده باشد)",
    "نام کوچک مادر، همان‌گونه که در شناسنامه نوشته شده",
    "جنسیت",
)


class RegistryMismatch(ValidationFailed):
    code = "REGISTRY_MISMATCH"
    # Deliberately vague: which field differs would help someone guess another's data.
    default_detail = "اطلاعات واردشده با سوابق ثبت احوال مطابقت ندارد."


def _registry_mismatch(*, mobile: str) -> RegistryMismatch:
    """The mismatch answer: what to check against the shenasnameh and how many tries remain."""
    left = rate_limit_remaining(
        scope="pre-register",
        subject=mobile,
        limit=settings.PRE_REGISTRATION_TRIES_PER_HOUR,
        window=dt.timedelta(hours=1),
    )
    if left:
        tries = f"در این ساعت {persian_digits(left)} بار دیگر می‌توانید تلاش کنید."
    else:
        tries = "تلاش‌های این ساعت تمام شد؛ یک ساعت دیگر دوباره تلاش کنید."
    detail = (
        f"{RegistryMismatch.default_detail} این موارد را با شناسنامه مقایسه کنید: "
        f"{'، '.join(REGISTRY_CHECKLIST)}. {tries}"
    )
    return RegistryMismatch(detail, extra={"check": list(REGISTRY_CHECKLIST), "tries_left": left})


class MobileNotOwner(AccessDenied):
    code = "MOBILE_NOT_OWNER"
    default_detail = (
        "این شماره همراه به نام صاحب این کد ملی ثبت نشده است. درخواست را با شماره همراهی "
        "که به نام خود شماست ثبت کنید، یا با شناسنامه به پیشخوان یکی از دفاتر صدور کارت "
        "ملی بروید تا متصدی پس از احراز هویت، درخواست شما را ثبت کند."
    )


class NotEligible(DomainError):
    code = "NOT_ELIGIBLE"
    status = 422
    title = "Not eligible"


class ApplicationAlreadyOpen(Conflict):
    code = "APPLICATION_ALREADY_OPEN"
    default_detail = (
        "برای این کد ملی یک درخواست باز وجود دارد. وضعیت آن را با کد رهگیری پیگیری کنید."
    )


INELIGIBLE_TEXT = {
    "UNDER_AGE": "کارت ملی هوشمند برای افراد ۱۵ سال و بالاتر صادر می‌شود.",
    "DECEASED": "برای این کد ملی امکان ثبت درخواست وجود ندارد.",
    "NO_PHOTO_SHENASNAMEH": (
        "شناسنامه شما عکس‌دار نیست. ابتدا برای تعویض شناسنامه به اداره ثبت احوال مراجعه کنید."
    ),
    "ALREADY_HAS_CARD": (
        "برای شما پیش‌تر کارت ملی هوشمند صادر شده است؛ برای کارت جدید، "
        "درخواست «تعویض / المثنی» ثبت کنید."
    ),
}


def fee_for(*, kind: str, earlier_losses: int | None = None) -> int:
    """The fee of an application; a lost or stolen card's replacement costs more with each
    earlier loss (FEE_LOST_RIALS: index 0 is the first loss, its last value beyond it)."""
    if earlier_losses is not None:
        if earlier_losses < 0:
            raise ValueError("earlier_losses cannot be negative")
        fees = settings.FEE_LOST_RIALS
        return int(fees[min(earlier_losses, len(fees) - 1)])
    if kind == ApplicationKind.FIRST:
        return settings.FEE_FIRST_RIALS
    return settings.FEE_REPLACEMENT_RIALS


def _matches_registry(
    citizen: Citizen, *, shenasnameh_serial: str, birth_date: dt.date, mother_name: str, gender: str
) -> bool:
    try:
        series, letter, serial = shenasnameh_serial_parse(shenasnameh_serial)
    except DomainError:
        return False
    return (
        (series, letter, serial)
        == (citizen.shenasnameh_series, citizen.shenasnameh_letter, citizen.shenasnameh_serial)
        and birth_date == citizen.birth_date
        and normalize_text(mother_name) == normalize_text(citizen.mother_name)
        and gender == citizen.gender
    )


def _check_may_open(citizen: Citizen, *, kind: str) -> None:
    eligibility = citizen_eligibility(citizen=citizen, on=timezone.localdate())
    reasons = list(eligibility.reasons)
    if (
        kind == ApplicationKind.FIRST
        and citizen.applications.filter(status=ApplicationStatus.DELIVERED).exists()
    ):
        reasons.append("ALREADY_HAS_CARD")
    if reasons:
        raise NotEligible(
            INELIGIBLE_TEXT.get(reasons[0], "امکان ثبت درخواست وجود ندارد."),
            code=f"NOT_ELIGIBLE_{reasons[0]}",
        )
    if citizen.applications.filter(status__in=OPEN_STATUSES).exists():
        raise ApplicationAlreadyOpen()


def _application_open(
    *,
    citizen: Citizen,
    kind: str,
    fee_rials: int,
    mobile: str,
    actor: Any,
    action: str,
    audit_data: dict[str, Any],
    reason: str = "",
    notify: bool = True,
) -> Application:
    """The one way an application row is made: inserted, audited and (usually) announced by
    SMS in one transaction; a concurrent twin caught by the one-open rule is a 409."""
    try:
        with transaction.atomic():
            application = Application.objects.create(
                tracking_code=tracking_code_new(),
                citizen=citizen,
                kind=kind,
                fee_rials=fee_rials,
                mobile=mobile,
            )
            audit_record(
                actor=actor,
                action=action,
                obj=application,
                to_state=application.status,
                reason=reason,
                data=audit_data,
            )
            if notify:
                sms_queue(
                    to=mobile,
                    template="pre_registered",
                    params={"tracking_code": application.tracking_code},
                    related=application,
                )
    except IntegrityError:
        # The database's one-open-application rule caught a concurrent duplicate.
        raise ApplicationAlreadyOpen() from None
    return application


def tracking_code_resend(*, national_code: str, client_address: str) -> None:
    """Send the tracking code of the person's open application again, by SMS, to the mobile
    registered on it. Says nothing back: whether the code has an application is not told to
    whoever typed it (the page answers the same either way); limited per address and per
    national code (counted whether or not it exists, so the limit tells nothing either)."""
    rate_limit_hit(
        scope="tracking-resend-ip",
        subject=client_address,
        limit=settings.TRACKING_RATE_PER_MINUTE,
        window=dt.timedelta(minutes=1),
    )
    code = parse_national_code(national_code)
    rate_limit_hit(
        scope="tracking-resend",
        subject=code,
        limit=settings.TRACKING_RESEND_PER_DAY,
        window=dt.timedelta(days=1),
    )
    application = (
        Application.objects.filter(citizen__national_code=code, status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )
    if application is None:
        return
    with transaction.atomic():
        sms_queue(
            to=application.mobile,
            template="tracking_code_resent",
            params={"tracking_code": application.tracking_code},
            related=application,
        )
        audit_record(
            actor=Actor("citizen", code, "citizen"),
            action="application.tracking_code_resent",
            obj=application,
        )


def application_pre_register(
    *,
    mobile: str,
    national_code: str,
    shenasnameh_serial: str,
    birth_date: dt.date,
    mother_name: str,
    gender: str,
    kind: str = ApplicationKind.FIRST,
) -> Application:
    """Check the form against the registry and open an application with a tracking code."""
    mobile = mobile_parse(mobile)
    # Each try is an oracle on someone's registry data: limit them per mobile.
    rate_limit_hit(
        scope="pre-register",
        subject=mobile,
        limit=settings.PRE_REGISTRATION_TRIES_PER_HOUR,
        window=dt.timedelta(hours=1),
    )
    code = parse_national_code(national_code)
    if kind not in ApplicationKind.values:
        raise ValidationFailed("نوع درخواست معتبر نیست.", code="KIND_INVALID")
    # Ownership is asked before the registry is read: a mobile that does not own the code
    # learns nothing about the person (not whether the code exists, nor whether the serial,
    # birth date or mother's name it sent were right), so the form stops being an oracle on
    # other people's data; and the try was already counted above.
    if not mobile_owns(mobile=mobile, national_code=code):
        raise MobileNotOwner()
    if settings.MOBILE_OWNERSHIP_BACKEND != "simulator":
        # Kept so the owner's applications can be listed by their mobile (selectors).
        mobile_ownership_record(mobile=mobile, national_code=code, source=OwnershipSource.HTTP)
    citizen = Citizen.objects.filter(national_code=code).first()
    if citizen is None or not _matches_registry(
        citizen,
        shenasnameh_serial=shenasnameh_serial,
        birth_date=birth_date,
        mother_name=mother_name,
        gender=gender,
    ):
        raise _registry_mismatch(mobile=mobile)
    _check_may_open(citizen, kind=kind)
    return _application_open(
        citizen=citizen,
        kind=kind,
        fee_rials=fee_for(kind=kind),
        mobile=mobile,
        actor=Actor("citizen", code, citizen.full_name),
        action="application.pre_registered",
        audit_data={"kind": kind},
    )


def application_open_for_card(
    *, citizen: Citizen, kind: str, mobile: str, fee_rials: int, actor: object, reason: str
) -> Application:
    """Open an application for a person already identified by their card (a lost card's
    replacement, a re-issue of an uncollected one): no registry form, the same one-open rule."""
    mobile = mobile_parse(mobile)
    if kind not in ApplicationKind.values:
        raise ValidationFailed("نوع درخواست معتبر نیست.", code="KIND_INVALID")
    if citizen.applications.filter(status__in=OPEN_STATUSES).exists():
        raise ApplicationAlreadyOpen()
    # No SMS here: the caller tells the holder about the card and the new application at once.
    return _application_open(
        citizen=citizen,
        kind=kind,
        fee_rials=fee_rials,
        mobile=mobile,
        actor=actor,
        action="application.pre_registered",
        audit_data={"kind": kind, "fee_rials": fee_rials},
        reason=reason,
        notify=False,
    )


def application_open_at_counter(
    *,
    operator: Any,
    national_code: str,
    mobile: str,
    kind: str = ApplicationKind.FIRST,
    document: str,
) -> Application:
    """An office operator opens the application of a person standing at the counter, after
    checking their identity against `document` (their shenasnameh): for someone whose
    mobile is not their own line. The audit row names the operator and their office."""
    if not permissions.is_office_operator(operator):
        raise AccessDenied("ثبت درخواست در پیشخوان فقط با متصدی دفتر است.")
    mobile = mobile_parse(mobile)
    code = parse_national_code(national_code)
    if kind not in ApplicationKind.values:
        raise ValidationFailed("نوع درخواست معتبر نیست.", code="KIND_INVALID")
    document = normalize_text(document or "").strip()
    if not document:
        raise ValidationFailed(
            "بنویسید هویت متقاضی با کدام مدرک (مثلاً شناسنامهٔ عکس‌دار و سریال آن) بررسی شد.",
            code="IDENTITY_DOCUMENT_REQUIRED",
        )
    citizen = Citizen.objects.filter(national_code=code).first()
    if citizen is None:
        raise ValidationFailed(
            f"شهروندی با کد ملی {code} در ثبت احوال نیست.", code="CITIZEN_NOT_FOUND"
        )
    _check_may_open(citizen, kind=kind)
    return _application_open(
        citizen=citizen,
        kind=kind,
        fee_rials=fee_for(kind=kind),
        mobile=mobile,
        actor=operator,
        action="application.opened_at_counter",
        audit_data={
            "kind": kind,
            "office_id": permissions.operator_office(operator),
            "document": document[:200],
        },
        reason="identity checked in person",
    )


def application_cancel(*, application: Application, actor: Any, reason: str) -> Application:
    """Cancel an application before enrolment (its owner's choice); a held or booked seat is
    given back through the `application_closing` hook in the same transaction."""
    now = timezone.now()
    with transaction.atomic():
        # Lock order: the application row first; booking then locks its booking and slot
        # rows, and the audit head comes last (the transition's own audit row).
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in Application.TRANSITIONS[ApplicationStatus.CANCELLED]:
            raise InvalidTransition(
                "این درخواست را دیگر نمی‌توان لغو کرد (پس از ثبت‌نام حضوری لغو نمی‌شود).",
                code="APPLICATION_NOT_CANCELLABLE",
            )
        hooks.application_closing.call(application=locked, actor=actor)
        return transition(
            Application,
            obj=locked,
            to=ApplicationStatus.CANCELLED,
            actor=actor,
            reason=reason,
            updates={"closed_at": now, "updated_at": now},
        )


def application_change_mobile(
    *, application: Application, mobile: str, actor: Actor
) -> Application:
    """Change the SMS number before enrolment (the caller has proven the new number by OTP)."""
    mobile = mobile_parse(mobile)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in CHANGEABLE_STATUSES:
            raise InvalidTransition("پس از ثبت‌نام حضوری، شماره همراه در دفتر تغییر می‌کند.")
        old = locked.mobile
        locked.mobile = mobile
        locked.save(update_fields=["mobile", "updated_at"])
        audit_record(
            actor=actor,
            action="application.mobile_changed",
            obj=locked,
            data={"from": old[-4:], "to": mobile[-4:]},
        )
    return locked


# --- Status changes asked for by the later stages ---------------------------------------------
# Payments, booking, enrolment, production and delivery move an application through these:
# the applications app alone writes its table, and an application that becomes paid is
# announced to the later stages through the `application_paid` hook after commit (every move
# through `application_status_changed`).


def _announce_moved(application_ids: list[int], to: str) -> None:
    if to == ApplicationStatus.PAID:
        for pk in application_ids:
            hooks.application_paid.call(application_id=pk)
    hooks.application_status_changed.call(application_ids=application_ids, to=str(to))


def application_status_change(
    *,
    application_id: int,
    to: str,
    actor: Any,
    reason: str = "",
    allowed_from: Iterable[str] | None = None,
    updates: Mapping[str, Any] | None = None,
    action: str | None = None,
    audit_data: dict[str, Any] | None = None,
    locked: Application | None = None,
) -> Application:
    """Move one application (locked) to `to`, from the states its TRANSITIONS allow.

    `locked`: the application row the caller has already read with select_for_update in this
    transaction; it is changed in place instead of being read and locked again."""
    if locked is not None and locked.pk != application_id:
        raise ValueError(f"locked is application {locked.pk}, not {application_id}")
    return transition(
        Application,
        pk=application_id,
        obj=locked,
        to=to,
        actor=actor,
        allowed_from=allowed_from,
        reason=reason,
        updates=updates,
        action=action,
        audit_data=audit_data,
        after_commit=lambda a: _announce_moved([a.pk], to),
    )


def applications_status_change_many(
    *,
    ids: Iterable[int],
    to: str,
    actor: Any,
    reason: str = "",
    allowed_from: Iterable[str] | None = None,
    updates: Mapping[str, Any] | None = None,
    action: str | None = None,
    audit_data: Callable[[int], dict[str, Any] | None] | Mapping[int, dict[str, Any]] | None = None,
    expect_all: bool = False,
) -> dict[int, str]:
    """Move many applications to `to` at once; {id: the state it left} for those moved."""
    return transition_many(
        Application,
        ids=ids,
        to=to,
        actor=actor,
        allowed_from=allowed_from,
        reason=reason,
        updates=updates,
        action=action,
        audit_data=audit_data,
        expect_all=expect_all,
        after_commit=lambda moved: _announce_moved(list(moved), to),
    )


def applications_void_many(
    *, ids: Iterable[int], reason: str, actor: Any, audit_data: Mapping[int, dict[str, Any]]
) -> dict[int, str]:
    """Applications whose card was voided uncollected are closed as voided."""
    now = timezone.now()
    return applications_status_change_many(
        ids=ids,
        to=ApplicationStatus.VOIDED,
        actor=actor,
        reason=reason,
        updates={"closed_at": now, "updated_at": now},
        audit_data=audit_data,
    )


# --- Sweeps --------------------------------------------------------------------------------


def applications_expire_unpaid(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Expire pre-registrations left unpaid for PRE_REGISTRATION_UNPAID_EXPIRY_DAYS; safe to
    run twice at once (each row is claimed by a conditional update)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PRE_REGISTRATION_UNPAID_EXPIRY_DAYS)
    candidates = list(
        Application.objects.filter(status=ApplicationStatus.PRE_REGISTERED, created_at__lt=cutoff)
        .exclude(bookings__status__in=("held", "booked"))
        .values_list("pk", flat=True)[:limit]
    )
    with transaction.atomic():
        # Claimed by a conditional update: one paid, cancelled or taken by another sweep
        # meanwhile is simply not moved.
        claimed = applications_status_change_many(
            ids=candidates,
            to=ApplicationStatus.EXPIRED,
            allowed_from={ApplicationStatus.PRE_REGISTERED},
            actor=None,
            reason="هزینه در مهلت پرداخت نشد",
            updates={"closed_at": now, "updated_at": now},
        )
        for application in Application.objects.filter(pk__in=list(claimed)).order_by("pk"):
            sms_queue(
                to=application.mobile,
                template="pre_registration_expired",
                params={
                    "tracking_code": application.tracking_code,
                    "days": settings.PRE_REGISTRATION_UNPAID_EXPIRY_DAYS,
                },
                related=application,
            )
    expired = len(claimed)
    return expired
