"""Reads of payments."""

from __future__ import annotations

from django.db.models import QuerySet

from hoviat.applications.models import Application
from hoviat.payments.models import Payment


def payments_of_application(*, application: Application) -> QuerySet[Payment]:
    return application.payments.order_by("-created_at", "-pk")
