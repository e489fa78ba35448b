"""Writes of the core kernel: staff sign-in tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from hoviat.core.audit import Actor, audit_record
from hoviat.core.errors import DomainError, NotFound
from hoviat.core.models import StaffToken, User
from hoviat.core.signin import signin_locked_error


class BadCredentials(DomainError):
    code = "BAD_CREDENTIALS"
    status = 401
    title = "Unauthorized"
    default_detail = "نام کاربری یا گذرواژه نادرست است."


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def staff_token_create(
    *, request: HttpRequest, username: str, password: str, otp: str | None = None
) -> tuple[str, StaffToken]:
    """Check a staff member's password and second factor, and issue a bearer token.

    The token is returned once and stored hashed. A staff member with an authenticator must
    give its current code (or a recovery code) as `otp`; one without may get a token only
    when HOVIAT_STAFF_SECOND_FACTOR is `optional` (the demo).

    The request goes to `authenticate` so axes counts failures per username and address and
    refuses a locked pair before any password hash is computed.
    """
    user = authenticate(request, username=username, password=password)
    if user is None and getattr(request, "axes_locked_out", False):
        audit_record(
            actor=Actor("anonymous", "", username[:150]),
            action="auth.token.locked",
            object_type="core.user",
            object_id="",
        )
        raise signin_locked_error()
    if user is None or not user.is_active:
        audit_record(
            actor=Actor("anonymous", "", username[:150]),
            action="auth.token.refused",
            object_type="core.user",
            object_id="",
        )
        raise BadCredentials()
    # A passkey cannot be given to the API: a token needs the authenticator app's code.
    if not authenticator_enrolled(user=user):
        # Once enrolled, always asked: even the demo setting does not let a passkey's owner
        # skip the code they cannot give here.
        if settings.STAFF_SECOND_FACTOR == "required" or second_factor_enrolled(user=user):
            raise SecondFactorRequired()
    elif second_factor_check(user=user, code=otp or "") is None:
        raise SecondFactorInvalid()
    return staff_token_issue(user=user)


def staff_token_issue(*, user: User) -> tuple[str, StaffToken]:
    """Issue a bearer token to a staff member who has proved who they are (returned once)."""
    raw = secrets.token_urlsafe(32)
    token = StaffToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(hours=settings.STAFF_TOKEN_HOURS),
    )
    audit_record(actor=user, action="auth.token.issued", obj=user)
    return raw, token


def staff_token_user(raw: str) -> User | None:
    """The user a live token belongs to, or None."""
    token = (
        StaffToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a busy client must not write on every request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        StaffToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def staff_tokens_revoke(*, user: User, reason: str, actor: User | None = None) -> int:
    """Revoke every live token of a staff member (password changed, deactivated, …); audited."""
    now = timezone.now()
    revoked = StaffToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    count = revoked.update(revoked_at=now)
    if count:
        audit_record(
            actor=actor,  # None: the system
            action="auth.token.revoked",
            obj=user,
            reason=reason,
            data={"count": count},
        )
    return count


def staff_token_revoke(*, token_id: int, actor: User, reason: str) -> StaffToken:
    """Revoke one token (a national admin's decision, or its holder signing out); audited."""
    token = StaffToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="auth.token.revoked",
            obj=token.user,
            reason=reason,
            data={"token_id": token.pk, "count": 1},
        )
    return token


def staff_token_logout(*, raw: str) -> None:
    """Revoke the token a staff client signs out with."""
    token = StaffToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is not None:
        staff_token_revoke(token_id=token.pk, actor=token.user, reason="logout")


class SecondFactorRequired(DomainError):
    code = "SECOND_FACTOR_REQUIRED"
    status = 403
    title = "Second factor required"
    default_detail = (
        "برای دریافت توکن، نخست در صفحهٔ ورود کارکنان یک برنامهٔ رمز یک‌بار مصرف ثبت کنید."
    )


class SecondFactorInvalid(DomainError):
    code = "SECOND_FACTOR_INVALID"
    status = 401
    title = "Unauthorized"
    default_detail = "کد یک‌بار مصرف نادرست یا منقضی است."


RECOVERY_CODES = 10


def authenticator_enrolled(*, user: User) -> bool:
    """Whether the staff member has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_enrolled(*, user: User) -> bool:
    """Whether the staff member has a confirmed second factor (authenticator app or passkey)."""
    return (
        authenticator_enrolled(user=user)
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def second_factor_check(*, user: User, code: str) -> Device | None:
    """The device (authenticator or recovery code) that accepts `code`, or None; audited.

    django-otp's devices throttle themselves: each failure doubles the wait before the next
    try is even checked, so guessing six digits is hopeless.
    """
    code = code.strip().replace(" ", "")
    device: Device | None = None
    if code:
        with transaction.atomic():
            for candidate in devices_for_user(user, confirmed=True, for_verify=True):
                if candidate.verify_token(code):
                    device = candidate
                    break
    audit_record(
        actor=user,
        action="auth.second_factor.passed" if device else "auth.second_factor.failed",
        obj=user,
        data={"device": type(device).__name__} if device else {},
    )
    return device


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator a staff member is enrolling (made once, then reused)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the enrolling authenticator with its first code; new recovery codes, once.

    Returns None when the code is wrong. Earlier recovery codes stop working.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
        audit_record(actor=user, action="auth.second_factor.enrolled", obj=user)
    return device, codes
