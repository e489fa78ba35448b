"""Reads of the core kernel."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from hoviat.core.models import StaffToken, User


def staff_tokens_live(*, username: str | None = None, limit: int = 500) -> QuerySet[StaffToken]:
    """Staff API tokens neither revoked nor expired, newest first (for the national admin)."""
    tokens = StaffToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if username:
        tokens = tokens.filter(user__username=username)
    return tokens.order_by("-created_at")[:limit]


def passkeys_of(*, user: User) -> list[WebAuthnCredential]:
    """The staff member's confirmed passkeys, oldest first."""
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"))
