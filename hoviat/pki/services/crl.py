"""The certificate revocation list (RFC 5280): signed by the issuing CA, published on
demand, after revocations and when the current one is due to expire."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hoviat.pki.models import (
    CaKind,
    CertificateAuthority,
    CertStatus,
    IssuedCertificate,
    RevocationList,
)
from hoviat.pki.services._shared import _current_issuing_row, _issuer
from hoviat.pki.services.cas import CaMissing

__all__ = [
    "crl_publish",
    "crl_publish_if_due",
]


def crl_publish(*, issuer_id: int | None = None) -> RevocationList:
    """Sign and store a fresh CRL for an issuing CA (the current one unless given)."""
    with transaction.atomic():
        query = CertificateAuthority.objects.select_for_update().filter(kind=CaKind.ISSUING)
        ca = (
            query.filter(pk=issuer_id) if issuer_id else query.order_by("-not_before", "-id")
        ).first()
        if ca is None:
            raise CaMissing()
        issuer = _issuer(ca)
        now = timezone.now().replace(microsecond=0)
        last = RevocationList.objects.filter(issuer=ca).order_by("-number").first()
        number = (last.number + 1) if last else 1
        # Certificates past their notAfter may leave the CRL (RFC 5280 §3.3).
        revoked = [
            (int(serial, 16), when, x509.ReasonFlags(code or "unspecified"))
            for serial, when, code in IssuedCertificate.objects.filter(
                issuer=ca, status=CertStatus.REVOKED, not_after__gte=now
            )
            .order_by("revoked_at", "id")
            .values_list("serial", "revoked_at", "reason_code")
        ]
        next_update = now + dt.timedelta(hours=settings.PKI_CRL_VALIDITY_HOURS)
        # A revoked row always has revoked_at; the stubs type the nullable column as optional.
        crl = issuer.crl(revoked, number=number, this_update=now, next_update=next_update)  # type: ignore[arg-type]
        return RevocationList.objects.create(
            issuer=ca,
            number=number,
            this_update=now,
            next_update=next_update,
            der=crl.public_bytes(serialization.Encoding.DER),
            revoked_count=len(revoked),
        )


def crl_publish_if_due(*, within: dt.timedelta) -> RevocationList | None:
    """Publish when the current CRL's nextUpdate is within `within` (or there is none)."""
    ca = _current_issuing_row()
    if ca is None:
        return None
    last = RevocationList.objects.filter(issuer=ca).order_by("-number").only("next_update").first()
    if last is not None and last.next_update > timezone.now() + within:
        return None
    return crl_publish(issuer_id=ca.pk)
