"""Certificate profiles (RFC 5280) for the national root, the card-issuing CA and the cards.

Pure functions over `cryptography`: no Django, so the profiles can be read and tested alone.

Root CA        self-signed, 20 years. basicConstraints CA:TRUE pathlen:1 (critical);
               keyUsage keyCertSign, cRLSign (critical); SKI; AKI = own SKI.
Issuing CA     10 years, signed by the root. basicConstraints CA:TRUE pathlen:0 (critical);
               keyUsage digitalSignature, keyCertSign, cRLSign (critical) — digitalSignature
               because it also signs OCSP responses and the cards' data objects itself;
               SKI; AKI = root SKI; AIA caIssuers = /pki/root.crt.
               10 years against 7-year cards: a card never outlives its issuer, so an issuing
               CA issues for its first 3 years and is then replaced by a new one under the
               same root (and the root re-keyed well before its last 7 years).
Authentication certificate  basicConstraints CA:FALSE (critical); keyUsage digitalSignature
               (critical); extendedKeyUsage clientAuth; subject C=IR, serialNumber=national
               code, CN=given name + surname.
Signing certificate         keyUsage nonRepudiation (contentCommitment) (critical);
               extendedKeyUsage documentSigning (RFC 9336); subject C=IR, serialNumber=national
               code, CN=CRN.
Both card certificates: validity = issued_on 00:00 UTC .. expires_on 23:59:59 UTC; SKI; AKI =
issuing CA SKI; CRL distribution point <base>/pki/crl; AIA OCSP <base>/pki/ocsp and
caIssuers <base>/pki/issuing.crt. Serial numbers: 127 random bits (positive, < 20 octets).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

COUNTRY = "IR"
ORGANIZATION = "National Organization for Civil Registration"
ROOT_CN = "Hoviat National Root CA"
ISSUING_CN = "Hoviat Card Issuing CA"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning
SHA256 = hashes.SHA256()


def serial_number() -> int:
    # Top bit clear so the DER INTEGER stays positive within 16 octets.
    return secrets.randbits(127) | 1


def _ca_name(common_name: str, generation: int) -> x509.Name:
    cn = common_name if generation <= 1 else f"{common_name} {generation}"
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca_key_usage(*, digital_signature: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def root_certificate(
    key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    generation: int = 1,
) -> x509.Certificate:
    name = _ca_name(ROOT_CN, generation)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(digital_signature=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, SHA256)
    )


def issuing_certificate(
    key: ec.EllipticCurvePublicKey,
    *,
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    base_url: str,
    generation: int = 1,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_ca_name(ISSUING_CN, generation))
        .issuer_name(root.subject)
        .public_key(key)
        .serial_number(serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
        .add_extension(_aki_of(root), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base_url}/pki/root.crt"),
                    )
                ]
            ),
            critical=False,
        )
        .sign(root_key, SHA256)
    )


def _aki_of(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def day_start(day: dt.date, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    """The first second of a civil day in `tz`, in UTC (what X.509 times are written in)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def day_end(day: dt.date, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz).astimezone(dt.UTC)


_AUTH_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
_SIGN_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
_AUTH_EKU = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
_SIGN_EKU = x509.ExtendedKeyUsage([DOCUMENT_SIGNING])
_END_ENTITY = x509.BasicConstraints(ca=False, path_length=None)
# A card certificate's first three extensions by kind, as the builder's Extension objects: one
# add_extension per extension copied the builder and rechecked every earlier one for a
# duplicate, seven times a certificate, twice a card.
_CARD_HEAD = {
    kind: [
        x509.Extension(_END_ENTITY.oid, True, _END_ENTITY),
        x509.Extension(usage.oid, True, usage),
        x509.Extension(eku.oid, False, eku),
    ]
    for kind, usage, eku in (("auth", _AUTH_USAGE, _AUTH_EKU), ("sign", _SIGN_USAGE, _SIGN_EKU))
}


@dataclass(frozen=True)
class Issuer:
    """An issuing CA ready to sign: its key, and the extensions every card certificate of it
    carries, built once (card issuance is the hot path)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    aki: x509.AuthorityKeyIdentifier
    crl_dp: x509.CRLDistributionPoints
    aia: x509.AuthorityInformationAccess
    kid: bytes

    @classmethod
    def of(
        cls,
        certificate: x509.Certificate,
        key: ec.EllipticCurvePrivateKey,
        *,
        base_url: str,
        kid: bytes,
    ) -> Issuer:
        return cls(
            certificate=certificate,
            key=key,
            aki=_aki_of(certificate),
            crl_dp=x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(f"{base_url}/pki/crl")],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            aia=x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{base_url}/pki/ocsp"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base_url}/pki/issuing.crt"),
                    ),
                ]
            ),
            kid=kid,
        )

    def card_certificate(
        self,
        public_key: ec.EllipticCurvePublicKey,
        *,
        kind: str,
        serial: int,
        common_name: str,
        national_code: str,
        not_before: dt.datetime,
        not_after: dt.datetime,
    ) -> x509.Certificate:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, national_code),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
        # The same extensions in the same order as add_extension one by one would give (the
        # builder's own order), handed over as one list.
        extensions = [
            *_CARD_HEAD["auth" if kind == "auth" else "sign"],
            x509.Extension(ski.oid, False, ski),
            *self.tail,
        ]
        return (
            x509.CertificateBuilder(issuer_name=self.certificate.subject, extensions=extensions)
            .subject_name(subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .sign(self.key, SHA256)
        )

    @cached_property
    def tail(self) -> list[x509.Extension[x509.ExtensionType]]:
        """The card certificates' last extensions, the issuer's own: AKI, CRL and AIA."""
        return [x509.Extension(ext.oid, False, ext) for ext in (self.aki, self.crl_dp, self.aia)]

    def crl(
        self,
        revoked: Iterable[tuple[int, dt.datetime, x509.ReasonFlags]],
        *,
        number: int,
        this_update: dt.datetime,
        next_update: dt.datetime,
    ) -> x509.CertificateRevocationList:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(self.aki, critical=False)
            .add_extension(x509.CRLNumber(number), critical=False)
        )
        for serial, when, reason in revoked:
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
            if reason != x509.ReasonFlags.unspecified:
                entry = entry.add_extension(x509.CRLReason(reason), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(self.key, SHA256)


REASONS = {
    "lost": x509.ReasonFlags.key_compromise,
    "stolen": x509.ReasonFlags.key_compromise,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "compromised": x509.ReasonFlags.key_compromise,
    "replaced": x509.ReasonFlags.superseded,
    "superseded": x509.ReasonFlags.superseded,
    "renewed": x509.ReasonFlags.superseded,
    "deceased": x509.ReasonFlags.cessation_of_operation,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "voided": x509.ReasonFlags.cessation_of_operation,
    "destroyed": x509.ReasonFlags.cessation_of_operation,
    "expired": x509.ReasonFlags.cessation_of_operation,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "suspended": x509.ReasonFlags.certificate_hold,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
}


def reason_flag(reason: str) -> x509.ReasonFlags:
    """The RFC 5280 reason code for a free-text reason (its first word), else unspecified."""
    word = reason.strip().lower().replace("-", "_").split(" ", 1)[0] if reason else ""
    word = word.rstrip(":;,.—")  # "destroyed: QC failure" is about destruction too
    return REASONS.get(word, x509.ReasonFlags.unspecified)
