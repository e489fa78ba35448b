"""Personalising a card: the chip's two key pairs, their certificates, the signed data
object and the PIN mailer."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, transaction
from django.utils import timezone

from hoviat.core.errors import ValidationFailed
from hoviat.pki import chip, profiles
from hoviat.pki.cards import CardPersonalisation, PinMailer, cose_sign1, data_object_payload
from hoviat.pki.models import CertKind, EmulatedChip, IssuedCertificate
from hoviat.pki.services._shared import _chip_secret
from hoviat.pki.services.cas import _issuing_for_issuance
from hoviat.pki.services.chips import ChipExists

__all__ = [
    "card_personalise",
]


def card_personalise(
    *,
    csn: str,
    crn: str,
    national_code: str,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    photo_sha256: str,
    fingerprint_sha256: dict[str, str],
    issued_on: dt.date,
    expires_on: dt.date,
) -> CardPersonalisation:
    """Generate the chip's two key pairs, certify them, and sign the card's data object."""
    if expires_on <= issued_on:
        raise ValidationFailed(
            "تاریخ انقضا باید پس از تاریخ صدور باشد.", code="CARD_VALIDITY_INVALID"
        )
    # The card's dates are Iranian civil days: its certificates are good from the start of the
    # issue day there (a card made after 20:30 UTC is already on the next day in Tehran).
    local = timezone.get_current_timezone()
    not_before = profiles.day_start(issued_on, local)
    not_after = profiles.day_end(expires_on, local)
    ca, issuer = _issuing_for_issuance(not_after)
    secret = _chip_secret()
    auth_key = ec.generate_private_key(ec.SECP256R1())
    sign_key = ec.generate_private_key(ec.SECP256R1())
    auth_serial, sign_serial = profiles.serial_number(), profiles.serial_number()
    common: dict[str, Any] = {
        "national_code": national_code,
        "not_before": not_before,
        "not_after": not_after,
    }
    auth_cert = issuer.card_certificate(
        auth_key.public_key(),
        kind=CertKind.AUTH,
        serial=auth_serial,
        common_name=f"{first_name} {last_name}",
        **common,
    )
    sign_cert = issuer.card_certificate(
        sign_key.public_key(), kind=CertKind.SIGN, serial=sign_serial, common_name=crn, **common
    )
    data_object = cose_sign1(
        data_object_payload(
            csn=csn,
            crn=crn,
            national_code=national_code,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            photo_sha256=photo_sha256,
            fingerprint_sha256=fingerprint_sha256,
            issued_on=issued_on,
            expires_on=expires_on,
            auth_serial=auth_serial,
            sign_serial=sign_serial,
        ),
        issuer.key,
        kid=issuer.kid,
    )
    pins = PinMailer(
        id_pin=chip.random_digits(chip.PIN_DIGITS),
        sign_pin=chip.random_digits(chip.PIN_DIGITS),
        nmoc_pin=chip.random_digits(chip.PIN_DIGITS),
        puk=chip.random_digits(chip.PUK_DIGITS),
    )
    salt = os.urandom(16)
    try:
        with transaction.atomic():
            emulated = EmulatedChip.objects.create(
                csn=csn,
                crn=crn,
                national_code=national_code,
                auth_key=chip.seal_key(secret, csn, "auth", auth_key),
                sign_key=chip.seal_key(secret, csn, "sign", sign_key),
                pin_salt=salt,
                id_pin_hash=chip.pin_hash(secret, salt, "id", pins.id_pin),
                sign_pin_hash=chip.pin_hash(secret, salt, "sign", pins.sign_pin),
                nmoc_pin_hash=chip.pin_hash(secret, salt, "nmoc", pins.nmoc_pin),
                puk_hash=chip.pin_hash(secret, salt, "puk", pins.puk),
                issued_on=issued_on,
                expires_on=expires_on,
            )
            IssuedCertificate.objects.bulk_create(
                [
                    IssuedCertificate(
                        issuer=ca,
                        chip=emulated,
                        serial=format(serial, "x"),
                        kind=kind,
                        csn=csn,
                        not_before=not_before,
                        not_after=not_after,
                        der=cert.public_bytes(serialization.Encoding.DER),
                    )
                    for kind, serial, cert in (
                        (CertKind.AUTH, auth_serial, auth_cert),
                        (CertKind.SIGN, sign_serial, sign_cert),
                    )
                ]
            )
    except IntegrityError:
        if EmulatedChip.objects.filter(csn=csn).exists():
            raise ChipExists(extra={"csn": csn}) from None
        raise
    return CardPersonalisation(
        chip_id=emulated.pk,
        auth_cert_serial=auth_serial,
        sign_cert_serial=sign_serial,
        data_object=data_object,
        pins=pins,
    )
