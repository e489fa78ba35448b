"""Personalising a card: the chip's two key pairs, their certificates, the signed data
object and the PIN mailer."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hoviat.core.bulk import objects_insert, rows_insert
from hoviat.core.errors import ValidationFailed
from hoviat.pki import chip, profiles
from hoviat.pki.cards import CardPersonalisation, PinMailer, cose_sign1, data_object_payload
from hoviat.pki.models import CertKind, EmulatedChip, IssuedCertificate
from hoviat.pki.services._shared import _chip_secret
from hoviat.pki.services.cas import _issuing_for_issuance
from hoviat.pki.services.chips import ChipExists

__all__ = [
    "card_personalise",
    "cards_personalise",
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
    (made,) = cards_personalise(
        [
            {
                "csn": csn,
                "crn": crn,
                "national_code": national_code,
                "first_name": first_name,
                "last_name": last_name,
                "birth_date": birth_date,
                "photo_sha256": photo_sha256,
                "fingerprint_sha256": fingerprint_sha256,
                "issued_on": issued_on,
                "expires_on": expires_on,
            }
        ]
    )
    return made


def cards_personalise(cards: Sequence[Mapping[str, Any]]) -> list[CardPersonalisation]:
    """`card_personalise` for many cards at once (each a mapping of its keyword arguments),
    in the caller's order: the issuing CA is read once, and the chips and their certificates
    are written in two bulk inserts instead of a savepoint and three inserts per card.

    All or nothing: a card that cannot be made (bad dates, a CSN already on a chip) fails the
    whole call before anything is written or, for a duplicate CSN, with the savepoint undone.
    """
    if not cards:
        return []
    for card in cards:
        if card["expires_on"] <= card["issued_on"]:
            raise ValidationFailed(
                "تاریخ انقضا باید پس از تاریخ صدور باشد.", code="CARD_VALIDITY_INVALID"
            )
    # The card's dates are Iranian civil days: its certificates are good from the start of the
    # issue day there (a card made after 20:30 UTC is already on the next day in Tehran).
    local = timezone.get_current_timezone()
    spans = {}
    for day in {c["issued_on"] for c in cards} | {c["expires_on"] for c in cards}:
        spans[day] = (profiles.day_start(day, local), profiles.day_end(day, local))
    # One CA for the batch, checked against the latest expiry any of its cards asks for.
    ca, issuer = _issuing_for_issuance(max(spans[c["expires_on"]][1] for c in cards))
    secret = _chip_secret()
    chips: list[EmulatedChip] = []
    certificates: list[tuple[int, str, int, x509.Certificate]] = []  # (card, kind, serial, cert)
    made: list[tuple[int, int, bytes, PinMailer]] = []
    for n, card in enumerate(cards):
        csn, crn = card["csn"], card["crn"]
        not_before = spans[card["issued_on"]][0]
        not_after = spans[card["expires_on"]][1]
        auth_key = ec.generate_private_key(ec.SECP256R1())
        sign_key = ec.generate_private_key(ec.SECP256R1())
        auth_serial, sign_serial = profiles.serial_number(), profiles.serial_number()
        common: dict[str, Any] = {
            "national_code": card["national_code"],
            "not_before": not_before,
            "not_after": not_after,
        }
        auth_cert = issuer.card_certificate(
            auth_key.public_key(),
            kind=CertKind.AUTH,
            serial=auth_serial,
            common_name=f"{card['first_name']} {card['last_name']}",
            **common,
        )
        sign_cert = issuer.card_certificate(
            sign_key.public_key(), kind=CertKind.SIGN, serial=sign_serial, common_name=crn, **common
        )
        data_object = cose_sign1(
            data_object_payload(
                csn=csn,
                crn=crn,
                national_code=card["national_code"],
                first_name=card["first_name"],
                last_name=card["last_name"],
                birth_date=card["birth_date"],
                photo_sha256=card["photo_sha256"],
                fingerprint_sha256=card["fingerprint_sha256"],
                issued_on=card["issued_on"],
                expires_on=card["expires_on"],
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
        chips.append(
            EmulatedChip(
                csn=csn,
                crn=crn,
                national_code=card["national_code"],
                auth_key=chip.seal_key(secret, csn, "auth", auth_key),
                sign_key=chip.seal_key(secret, csn, "sign", sign_key),
                pin_salt=salt,
                id_pin_hash=chip.pin_hash(secret, salt, "id", pins.id_pin),
                sign_pin_hash=chip.pin_hash(secret, salt, "sign", pins.sign_pin),
                nmoc_pin_hash=chip.pin_hash(secret, salt, "nmoc", pins.nmoc_pin),
                puk_hash=chip.pin_hash(secret, salt, "puk", pins.puk),
                issued_on=card["issued_on"],
                expires_on=card["expires_on"],
            )
        )
        certificates.append((n, CertKind.AUTH, auth_serial, auth_cert))
        certificates.append((n, CertKind.SIGN, sign_serial, sign_cert))
        made.append((auth_serial, sign_serial, data_object, pins))
    try:
        with transaction.atomic():
            objects_insert(chips)  # sets each chip's id
            # The certificates as plain rows (no model instance each): the given columns,
            # and the model's defaults for the rest (good, not revoked).
            at = connection.ops.adapt_datetimefield_value
            given = ["issuer", "chip", "serial", "kind", "csn", "not_before", "not_after", "der"]
            rest = [
                f
                for f in IssuedCertificate._meta.concrete_fields
                if not f.primary_key and f.name not in given
            ]
            defaults = [f.get_default() for f in rest]
            rows_insert(
                IssuedCertificate,
                given + [f.name for f in rest],
                [
                    (
                        ca.pk,
                        chips[n].pk,
                        format(serial, "x"),
                        str(kind),
                        chips[n].csn,
                        at(spans[cards[n]["issued_on"]][0]),
                        at(spans[cards[n]["expires_on"]][1]),
                        cert.public_bytes(serialization.Encoding.DER),
                        *defaults,
                    )
                    for n, kind, serial, cert in certificates
                ],
            )
    except IntegrityError:
        taken = (
            EmulatedChip.objects.filter(csn__in=[c["csn"] for c in cards])
            .values_list("csn", flat=True)
            .first()
        )
        if taken is not None:
            raise ChipExists(extra={"csn": taken}) from None
        raise
    return [
        CardPersonalisation(
            chip_id=emulated.pk,
            auth_cert_serial=auth_serial,
            sign_cert_serial=sign_serial,
            data_object=data_object,
            pins=pins,
        )
        for emulated, (auth_serial, sign_serial, data_object, pins) in zip(chips, made, strict=True)
    ]
