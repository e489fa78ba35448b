"""Reads of payments."""

from __future__ import annotations

from django.db.models import QuerySet

from hoviat.applications.models import Application
from hoviat.payments.models import Payment


def payments_of_application(*, application: Application) -> QuerySet[Payment]:
    return application.payments.order_by("-created_at", "-pk")


# Why a payment failed, in Persian, by its failure_reason (services: _fail, the sweeps).
FAILURE_TEXT = {
    "bank_nok:cancelled": "پرداخت را در صفحه بانک لغو کردید.",
    "bank_nok:insufficient_funds": "موجودی کارت برای این پرداخت کافی نبود.",
    "bank_nok": (
        "بانک پرداخت را انجام نداد (لغو در صفحه بانک، موجودی ناکافی یا اطلاعات نادرست کارت)."
    ),
    "verify_-50": "مبلغ پرداخت‌شده با هزینه درخواست برابر نبود.",
    "verify_-51": "بانک انجام شدن پرداخت را تأیید نکرد.",
    "verify_-54": "بانک این تراکنش را نشناخت.",
    "timeout": "پاسخ بانک به‌موقع نرسید.",
    "abandoned": "پرداخت در مهلت خود کامل نشد.",
    "superseded": "پرداخت دیگری برای همین درخواست آغاز شد.",
}


def payment_failure_text(reason: str) -> str:
    """A Persian sentence saying why a payment failed (never the raw code)."""
    if reason in FAILURE_TEXT:
        return FAILURE_TEXT[reason]
    if reason.startswith("verify_"):
        return FAILURE_TEXT["verify_-51"]
    return "پرداخت کامل نشد."
