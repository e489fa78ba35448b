"""A card's certificates after issuance: revoked, put on hold and released (a lost card
found again), revoked in batches by sweeps, and their status."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.pki import profiles
from hoviat.pki.cards import CardCertificatesStatus, CertificateState
from hoviat.pki.models import CertStatus, EmulatedChip, IssuedCertificate
from hoviat.pki.services.chips import ChipNotFound
from hoviat.pki.services.crl import crl_publish

__all__ = [
    "card_certificates_hold",
    "card_certificates_release",
    "card_certificates_revoke",
    "card_certificates_revoke_held",
    "card_certificates_status",
    "cards_certificates_revoke",
]


def card_certificates_revoke(*, csn: str, reason: str, actor: Any) -> int:
    """Revoke the card's certificates still good; the CRL is republished after commit."""
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        emulated = EmulatedChip.objects.filter(csn=csn).first()
        if emulated is None:
            raise ChipNotFound(extra={"csn": csn})
        certificates = list(
            IssuedCertificate.objects.select_for_update()
            .filter(csn=csn, status=CertStatus.GOOD)
            .order_by("kind")
        )
        if not certificates:
            return 0
        now = timezone.now()
        IssuedCertificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
            status=CertStatus.REVOKED, revoked_at=now, reason=reason[:200], reason_code=flag.value
        )
        audit_record(
            actor=actor,
            action="pki.card_certificates_revoked",
            obj=emulated,
            from_state=CertStatus.GOOD,
            to_state=CertStatus.REVOKED,
            reason=reason,
            data={
                "csn": csn,
                "serials": [c.serial for c in certificates],
                "reason_code": flag.value,
            },
        )
        issuer_ids = sorted({c.issuer_id for c in certificates})
        transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return len(certificates)


def card_certificates_hold(*, csn: str, reason: str, actor: Any) -> int:
    """Put a lost card's good certificates on hold (RFC 5280 certificateHold): listed in the
    CRL and revoked for OCSP until the card is found (card_certificates_release) or revoked
    for good (card_certificates_revoke_held)."""
    return card_certificates_revoke(csn=csn, reason=f"suspended {reason}".strip(), actor=actor)


def _held(csn: str):
    return IssuedCertificate.objects.select_for_update().filter(
        csn=csn,
        status=CertStatus.REVOKED,
        reason_code=x509.ReasonFlags.certificate_hold.value,
    )


def card_certificates_release(*, csn: str, actor: Any) -> int:
    """Take a found card's certificates off hold: good again, and off the next CRL."""
    with transaction.atomic():
        held = list(_held(csn))
        if not held:
            return 0
        IssuedCertificate.objects.filter(pk__in=[c.pk for c in held]).update(
            status=CertStatus.GOOD, revoked_at=None, reason="", reason_code=""
        )
        audit_record(
            actor=actor,
            action="pki.card_certificates_released",
            object_type="pki.emulatedchip",
            object_id=str(held[0].chip_id),
            from_state=CertStatus.REVOKED,
            to_state=CertStatus.GOOD,
            reason="removeFromCRL: کارت پیدا شد",
            data={"csn": csn, "serials": [c.serial for c in held]},
        )
        issuer_ids = sorted({c.issuer_id for c in held})
        transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return len(held)


def card_certificates_revoke_held(*, csn: str, reason: str, actor: Any) -> int:
    """Revoke for good what is on hold (a lost card reported stolen), and anything still good."""
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        held = list(_held(csn))
        if held:
            IssuedCertificate.objects.filter(pk__in=[c.pk for c in held]).update(
                revoked_at=timezone.now(), reason=reason[:200], reason_code=flag.value
            )
            audit_record(
                actor=actor,
                action="pki.card_certificates_revoked",
                object_type="pki.emulatedchip",
                object_id=str(held[0].chip_id),
                from_state="certificateHold",
                to_state=CertStatus.REVOKED,
                reason=reason,
                data={"csn": csn, "serials": [c.serial for c in held], "reason_code": flag.value},
            )
            issuer_ids = sorted({c.issuer_id for c in held})
            transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
        return len(held) + card_certificates_revoke(csn=csn, reason=reason, actor=actor)


def cards_certificates_revoke(
    *, csns: list[str], reason: str, actor: Any, publish: bool = False
) -> tuple[int, list[int]]:
    """Revoke the good certificates of many cards in one UPDATE (a sweep's batch); one audit
    row for the batch. Returns (certificates revoked, issuer ids); the caller publishes the
    CRL once per sweep unless `publish` asks for it after commit."""
    if not csns:
        return 0, []
    flag = profiles.reason_flag(reason)
    with transaction.atomic():
        good = IssuedCertificate.objects.filter(csn__in=csns, status=CertStatus.GOOD)
        rows = list(good.values_list("issuer_id", "csn"))
        if not rows:
            return 0, []
        issuer_ids = sorted({issuer for issuer, _ in rows})
        revoked = good.update(
            status=CertStatus.REVOKED,
            revoked_at=timezone.now(),
            reason=reason[:200],
            reason_code=flag.value,
        )
        audit_record(
            actor=actor,
            action="pki.cards_certificates_revoked",
            object_type="pki.issuedcertificate",
            from_state=CertStatus.GOOD,
            to_state=CertStatus.REVOKED,
            reason=reason,
            data={
                "csns": sorted({csn for _, csn in rows}),
                "certificates": revoked,
                "reason_code": flag.value,
            },
        )
        if publish:
            transaction.on_commit(lambda: [crl_publish(issuer_id=i) for i in issuer_ids])
    return revoked, issuer_ids


def card_certificates_status(*, csn: str) -> CardCertificatesStatus:
    """Each certificate of the card with its status (good/revoked)."""
    rows = IssuedCertificate.objects.filter(csn=csn).order_by("kind", "not_before")
    return CardCertificatesStatus(
        csn=csn,
        certificates=tuple(
            CertificateState(
                serial=int(row.serial, 16),
                kind=row.kind,
                status=row.status,
                not_before=row.not_before,
                not_after=row.not_after,
                revoked_at=row.revoked_at,
                reason=row.reason,
            )
            for row in rows
        ),
    )
