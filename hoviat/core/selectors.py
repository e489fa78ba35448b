"""Reads of the core kernel."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from hoviat.core.models import StaffToken


def staff_tokens_live(*, username: str | None = None, limit: int = 500) -> QuerySet[StaffToken]:
    """Staff API tokens neither revoked nor expired, newest first (for the national admin)."""
    tokens = StaffToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if username:
        tokens = tokens.filter(user__username=username)
    return tokens.order_by("-created_at")[:limit]
