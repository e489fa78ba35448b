"""The emulated chip's own operations: PINs (check, change, unblock with the PUK, the
holder's choice at hand-over) and signing with the card's two keys."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.db import transaction

from hoviat.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hoviat.core.text import persian_digits
from hoviat.pki import chip
from hoviat.pki.models import EmulatedChip
from hoviat.pki.services._shared import _chip_secret

__all__ = [
    "PIN_TRIES",
    "PUK_TRIES",
    "ChipBlocked",
    "ChipExists",
    "ChipNotFound",
    "PinInvalid",
    "PinWrong",
    "PukBlocked",
    "PukWrong",
    "chip_change_pin",
    "chip_pin_confirm",
    "chip_pins_choose",
    "chip_sign_challenge",
    "chip_sign_document",
    "chip_unblock",
    "chip_verify_pin",
]


class ChipNotFound(NotFound):
    code = "CHIP_NOT_FOUND"
    default_detail = "تراشه‌ای با این شماره سریال کارت یافت نشد."


class ChipExists(Conflict):
    code = "CHIP_EXISTS"
    default_detail = "کارتی با این شماره سریال (CSN) پیش‌تر شخصی‌سازی شده است."


class PinWrong(DomainError):
    code = "PIN_WRONG"
    status = 403
    title = "Wrong PIN"
    default_detail = "رمز واردشده نادرست است."


class ChipBlocked(DomainError):
    code = "PIN_BLOCKED"
    status = 423
    title = "PIN blocked"
    default_detail = (
        "رمز کارت پس از سه بار ورود نادرست مسدود شده است. با کد PUK آن را بازگشایی کنید."
    )


class PukWrong(DomainError):
    code = "PUK_WRONG"
    status = 403
    title = "Wrong PUK"
    default_detail = "کد PUK نادرست است."


class PukBlocked(DomainError):
    code = "PUK_BLOCKED"
    status = 423
    title = "PUK blocked"
    default_detail = (
        "کد PUK پس از ده بار ورود نادرست مسدود شده است؛ این کارت دیگر "
        "بازگشایی نمی‌شود و باید کارت تازه صادر شود."
    )


class PinInvalid(ValidationFailed):
    code = "PIN_FORMAT_INVALID"
    default_detail = (
        f"رمز باید {persian_digits(chip.PIN_MIN)} تا {persian_digits(chip.PIN_MAX)} رقم باشد."
    )


PIN_TRIES = 3
PUK_TRIES = 10
_PIN_KINDS = {"id": "رمز شناسایی", "sign": "رمز امضا", "nmoc": "رمز NMOC"}


def _pin_try(*, csn: str, slot: str, pin: str) -> EmulatedChip:
    """Check a PIN as the chip would: counter down on a miss, back to full on a hit.

    The counter is saved before the error is raised; a caller that wraps this in its own
    transaction and rolls back on the error undoes the count, so callers let it commit.
    """
    if slot not in _PIN_KINDS:
        raise ValidationFailed(f"نوع رمز «{slot}» شناخته نیست.", code="PIN_KIND_INVALID")
    tries_field = f"{slot}_pin_tries"
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        tries = getattr(emulated, tries_field)
        if tries == 0:
            blocked = True
        else:
            matches = chip.pin_format_ok(pin) and chip.pin_matches(
                _chip_secret(),
                bytes(emulated.pin_salt),
                slot,
                pin,
                getattr(emulated, f"{slot}_pin_hash"),
            )
            if matches:
                if tries != PIN_TRIES:
                    setattr(emulated, tries_field, PIN_TRIES)
                    emulated.save(update_fields=[tries_field])
                return emulated
            tries -= 1
            setattr(emulated, tries_field, tries)
            emulated.save(update_fields=[tries_field])
            blocked = tries == 0
    if blocked:
        raise ChipBlocked(
            f"{_PIN_KINDS[slot]} کارت پس از سه بار ورود نادرست مسدود شده است. "
            "با کد PUK آن را بازگشایی کنید.",
            extra={"pin_kind": slot},
        )
    raise PinWrong(
        f"{_PIN_KINDS[slot]} نادرست است؛ {persian_digits(tries)} بار دیگر می‌توانید تلاش کنید.",
        extra={"pin_kind": slot, "tries_left": tries},
    )


def chip_verify_pin(*, csn: str, pin_kind: str = "id", pin: str) -> bool:
    """True for the right PIN, False for a wrong one; ChipBlocked once three were wrong."""
    try:
        _pin_try(csn=csn, slot=pin_kind, pin=pin)
    except PinWrong:
        return False
    return True


def _set_pin(emulated: EmulatedChip, slot: str, new_pin: str) -> None:
    setattr(
        emulated,
        f"{slot}_pin_hash",
        chip.pin_hash(_chip_secret(), bytes(emulated.pin_salt), slot, new_pin),
    )
    setattr(emulated, f"{slot}_pin_tries", PIN_TRIES)


def chip_unblock(*, csn: str, puk: str, new_pin: str, pin_kind: str = "id") -> None:
    """Reset a (blocked) PIN with the PUK; ten wrong PUKs block the card for good."""
    if pin_kind not in _PIN_KINDS:
        raise ValidationFailed(f"نوع رمز «{pin_kind}» شناخته نیست.", code="PIN_KIND_INVALID")
    if not chip.pin_format_ok(new_pin):
        raise PinInvalid()
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        tries = emulated.puk_tries
        if tries == 0:
            raise PukBlocked()
        if chip.pin_matches(
            _chip_secret(), bytes(emulated.pin_salt), "puk", puk, emulated.puk_hash
        ):
            _set_pin(emulated, pin_kind, new_pin)
            emulated.puk_tries = PUK_TRIES
            emulated.save(
                update_fields=[f"{pin_kind}_pin_hash", f"{pin_kind}_pin_tries", "puk_tries"]
            )
            return
        tries -= 1
        emulated.puk_tries = tries
        emulated.save(update_fields=["puk_tries"])
    if tries == 0:
        raise PukBlocked()
    raise PukWrong(
        f"کد PUK نادرست است؛ {persian_digits(tries)} بار دیگر می‌توانید تلاش کنید.",
        extra={"tries_left": tries},
    )


def chip_change_pin(*, csn: str, pin_kind: str = "id", old_pin: str, new_pin: str) -> None:
    """Change a PIN, given the current one (a wrong one counts as a failed try)."""
    if not chip.pin_format_ok(new_pin):
        raise PinInvalid()
    emulated = _pin_try(csn=csn, slot=pin_kind, pin=old_pin)
    _set_pin(emulated, pin_kind, new_pin)
    emulated.save(update_fields=[f"{pin_kind}_pin_hash", f"{pin_kind}_pin_tries"])


def chip_pins_choose(*, csn: str, id_pin: str, sign_pin: str, nmoc_pin: str) -> None:
    """Write the three PINs the holder chose at hand-over; retry counters are kept, so a PIN
    blocked by wrong confirmations stays blocked until the PUK opens it."""
    chosen = {"id": id_pin, "sign": sign_pin, "nmoc": nmoc_pin}
    for slot, pin in chosen.items():
        if not chip.pin_format_ok(pin):
            raise PinInvalid(
                f"{_PIN_KINDS[slot]} باید {persian_digits(chip.PIN_MIN)} تا "
                f"{persian_digits(chip.PIN_MAX)} رقم باشد.",
                extra={"pin_kind": slot},
            )
    secret = _chip_secret()
    with transaction.atomic():
        emulated = EmulatedChip.objects.select_for_update().filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        for slot in chosen:
            if getattr(emulated, f"{slot}_pin_tries") == 0:
                raise ChipBlocked(
                    f"{_PIN_KINDS[slot]} کارت پس از سه بار ورود نادرست مسدود شده است. "
                    "با کد PUK برگه رمز آن را بازگشایی کنید.",
                    extra={"pin_kind": slot},
                )
        salt = bytes(emulated.pin_salt)
        for slot, pin in chosen.items():
            setattr(emulated, f"{slot}_pin_hash", chip.pin_hash(secret, salt, slot, pin))
        emulated.save(update_fields=[f"{slot}_pin_hash" for slot in chosen])


def chip_pin_confirm(*, csn: str, pin_kind: str = "id", pin: str) -> None:
    """Check a PIN as the chip does; PinWrong (with tries left) or ChipBlocked if it fails."""
    _pin_try(csn=csn, slot=pin_kind, pin=pin)


def chip_sign_challenge(*, csn: str, pin: str, challenge: bytes) -> bytes:
    """ECDSA-SHA256 (DER) over `challenge` with the authentication key, after the ID PIN."""
    emulated = _pin_try(csn=csn, slot="id", pin=pin)
    key = chip.open_key(_chip_secret(), csn, "auth", bytes(emulated.auth_key))
    return key.sign(challenge, ec.ECDSA(hashes.SHA256()))


def chip_sign_document(*, csn: str, pin: str, digest: bytes) -> bytes:
    """ECDSA (DER) over a SHA-256 `digest` with the signing key, after the SIGN PIN."""
    if len(digest) != 32:
        raise ValidationFailed("چکیده سند باید SHA-256 (۳۲ بایت) باشد.", code="DIGEST_INVALID")
    emulated = _pin_try(csn=csn, slot="sign", pin=pin)
    key = chip.open_key(_chip_secret(), csn, "sign", bytes(emulated.sign_key))
    return key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
