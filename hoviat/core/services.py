"""Writes of the core kernel: staff sign-in tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

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
    *, request: HttpRequest, username: str, password: str
) -> tuple[str, StaffToken]:
    """Check a staff member's password and issue a bearer token (returned once, stored hashed).

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
