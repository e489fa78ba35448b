"""The sandbox bank's side: what happens on its payment page when a cardholder pays or leaves.

Test cards: any 16-digit number pays (6037-9900-0000-0000 is the usual one), except a number
ending in 0002, which the bank refuses for insufficient funds. The dynamic password is fixed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone

from hoviat.core.errors import Conflict, NotFound
from hoviat.payments.gateways import STATUS_NOK, STATUS_OK, sandbox_signature
from hoviat.payments.models import SandboxStatus, SandboxTransaction

DYNAMIC_PASSWORD = "123456"  # noqa: S105 (published test value, shown on the page)
INSUFFICIENT_FUNDS_SUFFIX = "0002"
MERCHANT_NAME = "سازمان ثبت احوال کشور"


class SandboxAuthorityUnknown(NotFound):
    code = "SANDBOX_AUTHORITY_UNKNOWN"
    default_detail = "تراکنشی با این شناسه در درگاه وجود ندارد یا منقضی شده است."


class SandboxTransactionCompleted(Conflict):
    code = "SANDBOX_TRANSACTION_COMPLETED"
    default_detail = "این تراکنش پیش‌تر انجام یا لغو شده است و دوباره قابل پرداخت نیست."


@dataclass(frozen=True)
class CardInput:
    pan: str  # 16 ASCII digits
    cvv2: str
    expiry_month: int
    expiry_year: int
    password: str


def pan_mask(pan: str) -> str:
    # The way Shaparak prints a card on receipts: first six, last four.
    return f"{pan[:6]}******{pan[-4:]}"


def sandbox_transaction_open(*, authority: str) -> SandboxTransaction:
    """A transaction still waiting on the bank's page (unknown → 404, finished → 409)."""
    row = SandboxTransaction.objects.filter(authority=authority[:64]).first()
    if row is None:
        raise SandboxAuthorityUnknown()
    if row.status != SandboxStatus.PENDING:
        raise SandboxTransactionCompleted()
    return row


def sandbox_return_url(row: SandboxTransaction) -> str:
    """The merchant's callback with the signed result, as the bank sends the browser back."""
    status = STATUS_OK if row.status == SandboxStatus.PAID else STATUS_NOK
    params = {
        "Authority": row.authority,
        "Status": status,
        "Signature": sandbox_signature(
            authority=row.authority, status=status, amount_rials=row.amount_rials
        ),
    }
    if status == STATUS_NOK and row.failure_reason:
        params["Reason"] = row.failure_reason  # like a PSP's state code: why it did not pay
    query = urlencode(params)
    parts = urlsplit(row.callback_url)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))


def sandbox_finished_return_url(*, authority: str) -> str | None:
    """For a finished transaction, the signed way back a real bank still offers."""
    row = (
        SandboxTransaction.objects.filter(authority=authority[:64])
        .exclude(status=SandboxStatus.PENDING)
        .first()
    )
    return sandbox_return_url(row) if row is not None else None


def _finish(authority: str, **changes) -> SandboxTransaction:
    with transaction.atomic():
        # Only a pending transaction may finish: a second press of «پرداخت» pays nothing.
        claimed = SandboxTransaction.objects.filter(
            authority=authority, status=SandboxStatus.PENDING
        ).update(completed_at=timezone.now(), **changes)
        if not claimed:
            sandbox_transaction_open(authority=authority)  # raises the right error
        return SandboxTransaction.objects.get(authority=authority)


def sandbox_transaction_pay(*, authority: str, card: CardInput) -> SandboxTransaction:
    """Charge the test card (or refuse it) and close the transaction."""
    sandbox_transaction_open(authority=authority)
    masked = pan_mask(card.pan)
    if card.pan.endswith(INSUFFICIENT_FUNDS_SUFFIX):
        return _finish(
            authority,
            status=SandboxStatus.FAILED,
            card_pan_masked=masked,
            failure_reason="insufficient_funds",
        )
    ref_id = str(secrets.randbelow(9 * 10**11) + 10**11)  # 12 digits, like Shaparak's RRN
    return _finish(authority, status=SandboxStatus.PAID, card_pan_masked=masked, ref_id=ref_id)


def sandbox_transaction_cancel(*, authority: str) -> SandboxTransaction:
    """The cardholder pressed «انصراف»."""
    return _finish(authority, status=SandboxStatus.CANCELLED, failure_reason="cancelled")
