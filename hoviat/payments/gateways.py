"""Payment gateways, modelled on the Zarinpal / Shaparak flow every Iranian bank follows.

request (server to bank) → authority → the browser goes to the bank's page → the bank sends
the browser back to our callback with Authority and Status → verify (server to bank, with the
amount we expect) → ref_id. Only verify moves money in our books: the browser's word is never
enough, since anyone can type a callback address.

Verify codes follow Zarinpal's: 100 verified, 101 already verified (same ref_id again),
-50 amount differs, -51 not paid, -54 unknown authority.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hoviat.core.errors import DomainError
from hoviat.payments.models import SandboxStatus, SandboxTransaction

CODE_VERIFIED = "100"
CODE_ALREADY_VERIFIED = "101"
CODE_AMOUNT_MISMATCH = "-50"
CODE_NOT_PAID = "-51"
CODE_UNKNOWN_AUTHORITY = "-54"

STATUS_OK = "OK"
STATUS_NOK = "NOK"


class GatewayError(DomainError):
    code = "PAYMENT_GATEWAY_ERROR"
    status = 502
    title = "Bad gateway"
    default_detail = "درگاه پرداخت در دسترس نیست. چند دقیقه بعد دوباره تلاش کنید."


@dataclass(frozen=True)
class CallbackData:
    authority: str
    ok: bool
    signature_valid: bool
    # Why the bank did not pay, from a fixed list (FAILURE_REASONS); "" when it does not say.
    reason: str = ""


# What a bank may say about a payment it did not make; anything else is read as "".
FAILURE_REASONS = frozenset({"cancelled", "insufficient_funds"})


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    ref_id: str = ""
    card_pan_masked: str = ""
    code: str = ""
    already_verified: bool = False


class PaymentGateway(Protocol):
    name: str

    def request(self, *, amount_rials: int, callback_url: str, description: str) -> str:
        """Register a payment with the bank; returns its authority token."""

    def start_url(self, authority: str) -> str:
        """Where to send the payer's browser."""

    def callback_authority(self, params: Mapping[str, str]) -> str:
        """The authority a callback claims to be about (not yet trusted)."""

    def parse_callback(self, params: Mapping[str, str], *, amount_rials: int) -> CallbackData:
        """Read a callback; the signature is checked against the amount we asked for."""

    def verify(self, *, authority: str, amount_rials: int) -> VerifyResult:
        """Ask the bank, server to server, whether the money moved."""


def sandbox_signature(*, authority: str, status: str, amount_rials: int) -> str:
    """HMAC-SHA256 over authority|status|amount with the secret the sandbox bank shares."""
    key = settings.SANDBOX_GATEWAY_SECRET.encode()
    message = f"{authority}|{status}|{amount_rials}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sandbox_authority_new() -> str:
    # Zarinpal's shape: "A" and 35 digits.
    return "A" + "".join(secrets.choice("0123456789") for _ in range(35))


class SandboxGateway:
    """A bank inside the project: its ledger is SandboxTransaction, its pages are ours."""

    name = "sandbox"
    minimum_amount_rials = 1_000

    def __init__(self, *, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
        self.merchant_id = settings.SANDBOX_MERCHANT_ID

    def request(self, *, amount_rials: int, callback_url: str, description: str) -> str:
        if amount_rials < self.minimum_amount_rials:
            raise GatewayError(
                "مبلغ کمتر از حداقل مجاز درگاه است.", code="PAYMENT_AMOUNT_INVALID", status=422
            )
        if not callback_url.startswith(("http://", "https://")):
            raise GatewayError("نشانی بازگشت از درگاه معتبر نیست.")
        transaction_ = SandboxTransaction.objects.create(
            authority=sandbox_authority_new(),
            merchant_id=self.merchant_id,
            amount_rials=amount_rials,
            callback_url=callback_url[:500],
            description=description[:255],
        )
        return transaction_.authority

    def start_url(self, authority: str) -> str:
        return self.base_url + reverse("payments:sandbox_pay", args=[authority])

    def callback_authority(self, params: Mapping[str, str]) -> str:
        return str(params.get("Authority") or "").strip()[:64]

    def parse_callback(self, params: Mapping[str, str], *, amount_rials: int) -> CallbackData:
        authority = self.callback_authority(params)
        status = str(params.get("Status") or "")
        given = str(params.get("Signature") or "")
        expected = sandbox_signature(authority=authority, status=status, amount_rials=amount_rials)
        valid = (
            bool(authority)
            and status in (STATUS_OK, STATUS_NOK)
            and hmac.compare_digest(given.encode(), expected.encode())
        )
        reason = str(params.get("Reason") or "")
        return CallbackData(
            authority=authority,
            ok=status == STATUS_OK,
            signature_valid=valid,
            reason=reason if reason in FAILURE_REASONS else "",
        )

    def verify(self, *, authority: str, amount_rials: int) -> VerifyResult:
        with transaction.atomic():
            row = (
                SandboxTransaction.objects.select_for_update()
                .filter(authority=authority, merchant_id=self.merchant_id)
                .first()
            )
            if row is None:
                return VerifyResult(ok=False, code=CODE_UNKNOWN_AUTHORITY)
            if row.amount_rials != amount_rials:
                return VerifyResult(ok=False, code=CODE_AMOUNT_MISMATCH)
            if row.status != SandboxStatus.PAID:
                return VerifyResult(ok=False, code=CODE_NOT_PAID)
            if row.verified:
                return VerifyResult(
                    ok=True,
                    ref_id=row.ref_id,
                    card_pan_masked=row.card_pan_masked,
                    code=CODE_ALREADY_VERIFIED,
                    already_verified=True,
                )
            row.verified = True
            row.verified_at = timezone.now()
            row.save(update_fields=["verified", "verified_at"])
        return VerifyResult(
            ok=True, ref_id=row.ref_id, card_pan_masked=row.card_pan_masked, code=CODE_VERIFIED
        )


def get_gateway(*, base_url: str | None = None) -> PaymentGateway:
    """The gateway chosen by settings.PAYMENT_GATEWAY."""
    if settings.PAYMENT_GATEWAY == "sandbox":
        return SandboxGateway(base_url=base_url)
    raise ImproperlyConfigured(f"Unknown PAYMENT_GATEWAY {settings.PAYMENT_GATEWAY!r}")
