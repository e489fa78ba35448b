"""Lock my card: the holder's lock and unlock, each proven by a fresh code sent by SMS to the
mobile that owns the national code, then handed to the inquiry app (whose state it is)."""

from __future__ import annotations

from hoviat.applications.services import otp_request, otp_verify
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.inquiry.models import HolderLock
from hoviat.inquiry.services import (
    holder_digest_set,
    holder_lock_clear,
    holder_lock_set,
    lock_kinds_parse,
    lock_minutes_check,
)
from hoviat.selfservice.history import Holder


class OtpRequired(DomainError):
    code = "OTP_REQUIRED"
    status = 403
    title = "Forbidden"
    default_detail = (
        "برای قفل یا بازکردن کارت، کد تازه‌ای را که به شمارهٔ همراه شما پیامک می‌شود وارد کنید."
    )


def _actor(holder: Holder) -> Actor:
    return Actor("citizen", holder.mobile[-4:], "citizen")


def _prove(holder: Holder, code: str | None, client_address: str) -> None:
    """A fresh, unused code sent to the holder's own mobile: the one proof a lock accepts."""
    if not (code or "").strip():
        raise OtpRequired()
    otp_verify(mobile=holder.mobile, code=code or "", client_address=client_address)


def card_lock_code_send(*, holder: Holder, client_address: str = "") -> None:
    """Send a fresh code to the holder's mobile (the same limits as signing in)."""
    otp_request(mobile=holder.mobile, client_address=client_address)


def card_lock_set(
    *,
    holder: Holder,
    kinds: list[str],
    minutes: int | None,
    code: str | None,
    client_address: str = "",
) -> HolderLock:
    """Lock these kinds, for good or for `minutes`. The request is checked before the code is
    spent, so a mistyped choice does not cost the citizen a new SMS."""
    chosen = lock_kinds_parse(kinds)
    lock_minutes_check(minutes)
    _prove(holder, code, client_address)
    return holder_lock_set(
        subject_hash=holder.subject_hash, kinds=chosen, minutes=minutes, actor=_actor(holder)
    )


def card_lock_clear(
    *, holder: Holder, minutes: int | None, code: str | None, client_address: str = ""
) -> HolderLock | None:
    """Unlock for good, or for `minutes` after which the lock returns by itself."""
    lock_minutes_check(minutes)
    _prove(holder, code, client_address)
    return holder_lock_clear(
        subject_hash=holder.subject_hash, minutes=minutes, actor=_actor(holder)
    )


def inquiry_digest_set(*, holder: Holder, on: bool) -> bool:
    """Opt in or out of the monthly SMS summary of inquiries, sent to the holder's mobile."""
    return holder_digest_set(
        subject_hash=holder.subject_hash, mobile=holder.mobile, on=on, actor=_actor(holder)
    )
