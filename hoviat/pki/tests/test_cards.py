"""Card certificates and the emulated chip: profiles, issuance, revocation, PINs, signatures."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.pki import selectors, services
from hoviat.pki.cards import data_object_verify
from hoviat.pki.models import CertificateAuthority, EmulatedChip, IssuedCertificate
from hoviat.pki.profiles import DOCUMENT_SIGNING

CSN = "0A1B2C3D4E5F6071"
CRN = "1405000123"


def personalise(csn: str = CSN, crn: str = CRN, **overrides):
    today = timezone.localdate()  # as production dates a card: the civil day in Iran
    fields = dict(
        csn=csn,
        crn=crn,
        national_code="0499370899",
        first_name="سارا",
        last_name="محمدی",
        birth_date=dt.date(1991, 8, 5),
        photo_sha256=hashlib.sha256(b"photo").hexdigest(),
        fingerprint_sha256={
            "right_index": hashlib.sha256(b"ri").hexdigest(),
            "left_index": hashlib.sha256(b"li").hexdigest(),
        },
        issued_on=today,
        expires_on=today.replace(year=today.year + 7) - dt.timedelta(days=1),
    )
    fields.update(overrides)
    return services.card_personalise(**fields)


@pytest.fixture
def cas(db):
    return services.ca_init()


@pytest.fixture
def card(cas):
    return personalise()


def certificate(serial: int) -> x509.Certificate:
    return x509.load_der_x509_certificate(
        bytes(IssuedCertificate.objects.get(serial=format(serial, "x")).der)
    )


def issuing_certificate() -> x509.Certificate:
    ca = CertificateAuthority.objects.get(kind="issuing")
    return x509.load_pem_x509_certificate(ca.cert_pem.encode())


def ext(cert: x509.Certificate, kind):
    return cert.extensions.get_extension_for_class(kind)


def test_init_creates_root_and_issuing_once_with_audit(cas):
    assert [ca.kind for ca in cas] == ["root", "issuing"]
    assert services.ca_init() == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"pki.ca_root_created", "pki.ca_issuing_created"} <= actions
    root, issuing = cas
    root_cert = x509.load_pem_x509_certificate(root.cert_pem.encode())
    issuing_cert = x509.load_pem_x509_certificate(issuing.cert_pem.encode())
    assert ext(root_cert, x509.BasicConstraints).value.path_length == 1
    assert ext(root_cert, x509.KeyUsage).critical
    assert ext(root_cert, x509.KeyUsage).value.key_cert_sign
    assert ext(issuing_cert, x509.BasicConstraints).value.path_length == 0
    assert (
        ext(issuing_cert, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(root_cert, x509.SubjectKeyIdentifier).value.digest
    )
    issuing_cert.verify_directly_issued_by(root_cert)
    assert issuing.not_after - issuing.not_before > dt.timedelta(days=365 * 10)


def test_card_certificate_profiles(card):
    auth, sign = certificate(card.auth_cert_serial), certificate(card.sign_cert_serial)
    issuing = issuing_certificate()
    for cert in (auth, sign):
        cert.verify_directly_issued_by(issuing)
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
        assert ext(cert, x509.BasicConstraints).value.ca is False
        assert (
            ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
            == ext(issuing, x509.SubjectKeyIdentifier).value.digest
        )
        points = ext(cert, x509.CRLDistributionPoints).value
        assert points[0].full_name[0].value.endswith("/pki/crl")
        access = {
            a.access_method: a.access_location.value
            for a in ext(cert, x509.AuthorityInformationAccess).value
        }
        assert access[AuthorityInformationAccessOID.OCSP].endswith("/pki/ocsp")
        assert access[AuthorityInformationAccessOID.CA_ISSUERS].endswith("/pki/issuing.crt")
        # Good from the start of the issue day in Iran (UTC+3:30), and good now at any hour.
        local_midnight = dt.datetime.combine(
            timezone.localdate(), dt.time(), tzinfo=timezone.get_current_timezone()
        )
        assert cert.not_valid_before_utc == local_midnight
        assert cert.not_valid_before_utc <= timezone.now() <= cert.not_valid_after_utc
    assert ext(auth, x509.KeyUsage).value.digital_signature
    assert not ext(auth, x509.KeyUsage).value.content_commitment
    assert list(ext(auth, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert ext(sign, x509.KeyUsage).value.content_commitment
    assert not ext(sign, x509.KeyUsage).value.digital_signature
    assert list(ext(sign, x509.ExtendedKeyUsage).value) == [DOCUMENT_SIGNING]
    assert sign.subject.rfc4514_string() == f"CN={CRN},2.5.4.5=0499370899,C=IR"
    assert "سارا محمدی" in auth.subject.rfc4514_string()
    assert auth.public_key() != sign.public_key()


def test_data_object_verifies_with_the_issuing_ca_key(card):
    claims = data_object_verify(card.data_object, issuing_certificate().public_key())
    assert claims["csn"] == CSN and claims["crn"] == CRN and claims["nc"] == "0499370899"
    assert claims["fp"]["right_index"] == hashlib.sha256(b"ri").hexdigest()
    assert int(claims["sc"], 16) == card.sign_cert_serial
    tampered = card.data_object.replace(CRN.encode(), b"1405000124")
    with pytest.raises(ValueError, match="does not match"):
        data_object_verify(tampered, issuing_certificate().public_key())
    with pytest.raises(ValueError, match="another key"):
        data_object_verify(card.data_object, ec.generate_private_key(ec.SECP256R1()).public_key())


def test_pins_are_returned_once_and_only_hashes_stored(card):
    pins = card.pins
    assert len(pins.id_pin) == 6 and pins.id_pin.isdigit() and len(pins.puk) == 8
    assert "sealed" in repr(pins) and pins.id_pin not in repr(card)
    chip_row = EmulatedChip.objects.get(csn=CSN)
    stored = b"".join(
        bytes(getattr(chip_row, f))
        for f in (
            "auth_key",
            "sign_key",
            "id_pin_hash",
            "sign_pin_hash",
            "nmoc_pin_hash",
            "puk_hash",
        )
    )
    assert pins.id_pin.encode() not in stored and pins.puk.encode() not in stored


def test_personalise_costs_a_fixed_handful_of_queries(cas, django_assert_max_num_queries):
    personalise()  # the issuing CA is now cached in-process
    with django_assert_max_num_queries(5):
        personalise(csn="FF00", crn="1405000999")


def test_same_csn_twice_is_a_conflict(card):
    with pytest.raises(services.ChipExists):
        personalise()


def test_pin_retry_block_and_puk_unblock(card):
    pins = card.pins
    assert services.chip_verify_pin(csn=CSN, pin=pins.id_pin)
    assert not services.chip_verify_pin(csn=CSN, pin="0000")
    assert not services.chip_verify_pin(csn=CSN, pin="0001")
    assert services.chip_verify_pin(csn=CSN, pin=pins.id_pin)  # a hit resets the counter
    assert not services.chip_verify_pin(csn=CSN, pin="0000")
    assert not services.chip_verify_pin(csn=CSN, pin="0001")
    with pytest.raises(services.ChipBlocked) as blocked:
        services.chip_verify_pin(csn=CSN, pin="0002")
    assert blocked.value.code == "PIN_BLOCKED"
    with pytest.raises(services.ChipBlocked):  # even the right PIN, once blocked
        services.chip_verify_pin(csn=CSN, pin=pins.id_pin)
    assert services.chip_verify_pin(csn=CSN, pin_kind="sign", pin=pins.sign_pin)
    with pytest.raises(services.PukWrong) as wrong:
        services.chip_unblock(csn=CSN, puk="00000000", new_pin="2468")
    assert wrong.value.extra["tries_left"] == 9
    with pytest.raises(services.PinInvalid):
        services.chip_unblock(csn=CSN, puk=pins.puk, new_pin="12")
    services.chip_unblock(csn=CSN, puk=pins.puk, new_pin="2468")
    assert services.chip_verify_pin(csn=CSN, pin="2468")
    assert not services.chip_verify_pin(csn=CSN, pin=pins.id_pin)


def test_puk_blocks_after_ten_wrong(card):
    for _ in range(9):
        with pytest.raises(services.PukWrong):
            services.chip_unblock(csn=CSN, puk="00000000", new_pin="2468")
    with pytest.raises(services.PukBlocked):
        services.chip_unblock(csn=CSN, puk="00000000", new_pin="2468")
    with pytest.raises(services.PukBlocked):
        services.chip_unblock(csn=CSN, puk=card.pins.puk, new_pin="2468")


def test_change_pin(card):
    services.chip_change_pin(
        csn=CSN, pin_kind="sign", old_pin=card.pins.sign_pin, new_pin="13579246"
    )
    assert services.chip_verify_pin(csn=CSN, pin_kind="sign", pin="13579246")
    with pytest.raises(services.PinWrong) as wrong:
        services.chip_change_pin(csn=CSN, old_pin="9999", new_pin="1234")
    assert wrong.value.extra == {"pin_kind": "id", "tries_left": 2}


def test_sign_challenge_and_document_verify_with_the_certificates(card):
    challenge = b"nonce from the relying party"
    signature = services.chip_sign_challenge(csn=CSN, pin=card.pins.id_pin, challenge=challenge)
    auth = certificate(card.auth_cert_serial).public_key()
    auth.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
    digest = hashlib.sha256(b"the contract").digest()
    signature = services.chip_sign_document(csn=CSN, pin=card.pins.sign_pin, digest=digest)
    sign = certificate(card.sign_cert_serial).public_key()
    sign.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    with pytest.raises(services.PinWrong):  # the ID PIN does not unlock the signing key
        services.chip_sign_document(csn=CSN, pin=card.pins.id_pin, digest=digest)
    with pytest.raises(services.ChipNotFound):
        services.chip_sign_challenge(csn="nope", pin="1234", challenge=b"x")


def test_expired_or_revoked_ca_refuses_issuance(db):
    past = timezone.now() - dt.timedelta(days=4000)
    root = services.ca_root_create(not_before=past, not_after=past + dt.timedelta(days=5000))
    services.ca_issuing_create(root=root, not_before=past, not_after=past + dt.timedelta(days=365))
    with pytest.raises(services.CaExpired) as expired:
        personalise()
    assert expired.value.code == "CA_EXPIRED"
    issuing = services.ca_issuing_create(root=root)
    with pytest.raises(services.CaValidityExceeded):  # the card would outlive the root
        personalise()
    card = personalise(expires_on=issuing.not_after.date() - dt.timedelta(days=1))
    assert card.chip_id
    services.ca_revoke(ca_id=issuing.pk, reason="key compromise")
    with pytest.raises(services.CaRevoked) as revoked:
        personalise(csn="other")
    assert revoked.value.code == "CA_REVOKED"
    assert AuditEntry.objects.filter(action="pki.ca_issuing_revoked").exists()


def test_revoke_marks_both_and_audits(card, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.card_certificates_revoke(csn=CSN, reason="lost", actor=None) == 2
    status = services.card_certificates_status(csn=CSN)
    assert status.all_revoked and {c.kind for c in status.certificates} == {"auth", "sign"}
    entry = AuditEntry.objects.get(action="pki.card_certificates_revoked")
    assert entry.data["reason_code"] == "keyCompromise"
    assert services.card_certificates_revoke(csn=CSN, reason="lost", actor=None) == 0
    crl = x509.load_der_x509_crl(bytes(selectors.crl_current_der()))
    assert crl.get_revoked_certificate_by_serial_number(card.auth_cert_serial) is not None


def _ocsp_request(cert: x509.Certificate, issuer: x509.Certificate, *, nonce: bytes = b""):
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 (what openssl ocsp sends in CertID)
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(Encoding.DER)


def test_ocsp_through_django(card, client):
    import base64
    from urllib.parse import quote

    cert, issuer = certificate(card.auth_cert_serial), issuing_certificate()
    response = client.post(
        "/pki/ocsp",
        _ocsp_request(cert, issuer, nonce=b"0123456789abcdef"),
        content_type="application/ocsp-request",
    )
    assert response["Content-Type"] == "application/ocsp-response"
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == (
        b"0123456789abcdef"
    )
    issuer.public_key().verify(
        answer.signature, answer.tbs_response_bytes, ec.ECDSA(hashes.SHA256())
    )
    encoded = quote(base64.b64encode(_ocsp_request(cert, issuer)).decode(), safe="")
    answer = ocsp.load_der_ocsp_response(client.get(f"/pki/ocsp/{encoded}").content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    stranger = ec.generate_private_key(ec.SECP256R1())
    unknown = (
        x509.CertificateBuilder()
        .subject_name(issuer.subject)
        .issuer_name(issuer.subject)
        .public_key(stranger.public_key())
        .serial_number(12345)
        .not_valid_before(issuer.not_valid_before_utc)
        .not_valid_after(issuer.not_valid_after_utc)
        .sign(stranger, hashes.SHA256())
    )
    answer = ocsp.load_der_ocsp_response(
        client.post(
            "/pki/ocsp", _ocsp_request(unknown, issuer), content_type="application/ocsp-request"
        ).content
    )
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    answer = ocsp.load_der_ocsp_response(
        client.post("/pki/ocsp", b"garbage", content_type="application/ocsp-request").content
    )
    assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    answer = ocsp.load_der_ocsp_response(  # asked about another CA's certificate
        client.post(
            "/pki/ocsp", _ocsp_request(cert, unknown), content_type="application/ocsp-request"
        ).content
    )
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_certificates_and_crl_are_served(card, client):
    root = client.get("/pki/root.crt")
    assert root["Content-Type"] == "application/pkix-cert"
    assert x509.load_der_x509_certificate(root.content).subject == (
        x509.load_der_x509_certificate(root.content).issuer
    )
    issuing = x509.load_der_x509_certificate(client.get("/pki/issuing.crt").content)
    assert issuing == issuing_certificate()
    crl = client.get("/pki/crl")
    assert crl["Content-Type"] == "application/pkix-crl"
    assert x509.load_der_x509_crl(crl.content).is_signature_valid(issuing.public_key())


def test_no_ca_yet_is_a_plain_404(db, client):
    assert client.get("/pki/root.crt").status_code == 404
    assert client.get("/pki/crl").status_code == 404
    with pytest.raises(services.CaMissing):
        personalise()
