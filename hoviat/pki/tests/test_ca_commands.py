"""`hoviat pki init/export/cas/crl/revoke-ca`, and CAs loaded from files (production)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from hoviat.pki import profiles, services
from hoviat.pki.models import CertificateAuthority, IssuedCertificate, RevocationList
from hoviat.pki.tests.test_cards import personalise

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_init_creates_the_cas_then_does_nothing_new():
    first = run("pki", "init")
    assert "Created #" in first and "root CA" in first and "issuing CA" in first
    assert "Created #" not in run("pki", "init")
    assert CertificateAuthority.objects.count() == 2
    assert "active" in run("pki", "cas")


def test_export_writes_the_chain_and_crl(tmp_path):
    with pytest.raises(CommandError, match="pki init"):
        run("pki", "export", str(tmp_path))
    run("pki", "init")
    run("pki", "export", str(tmp_path / "out"))
    folder = tmp_path / "out"
    root = x509.load_pem_x509_certificate((folder / "root.pem").read_bytes())
    issuing = x509.load_pem_x509_certificate((folder / "issuing.pem").read_bytes())
    chain = x509.load_pem_x509_certificates((folder / "chain.pem").read_bytes())
    assert chain == [issuing, root]
    crl = x509.load_der_x509_crl((folder / "crl.der").read_bytes())
    assert crl.is_signature_valid(issuing.public_key())


def test_crl_command_and_if_due():
    run("pki", "init")
    assert "Published CRL 1" in run("pki", "crl")
    assert "Not due" in run("pki", "crl", "--if-due", "1")
    assert "Published CRL 2" in run("pki", "crl", "--if-due", "48")
    crl = RevocationList.objects.get(number=2)
    assert crl.next_update - crl.this_update == dt.timedelta(hours=24)


def test_revoke_ca_command():
    run("pki", "init")
    issuing = CertificateAuthority.objects.get(kind="issuing")
    assert "Revoked" in run("pki", "revoke-ca", str(issuing.pk), "--reason", "compromised")
    with pytest.raises(CommandError):
        run("pki", "revoke-ca", str(issuing.pk), "--reason", "again")
    with pytest.raises(services.CaRevoked):
        personalise()


@pytest.fixture
def ca_files(tmp_path, settings):
    now = timezone.now()
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = profiles.root_certificate(
        root_key, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=7300)
    )
    issuing_key = ec.generate_private_key(ec.SECP256R1())
    issuing = profiles.issuing_certificate(
        issuing_key.public_key(),
        root=root,
        root_key=root_key,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=3650),
        base_url="https://hoviat.example",
    )
    files = {
        "root": tmp_path / "root.pem",
        "issuing": tmp_path / "issuing.pem",
        "key": tmp_path / "issuing.key",
    }
    files["root"].write_bytes(root.public_bytes(serialization.Encoding.PEM))
    files["issuing"].write_bytes(issuing.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        issuing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(settings.PKI_PASSPHRASE.encode()),
        )
    )
    settings.PKI_ROOT_CERT_FILE = str(files["root"])
    settings.PKI_ISSUING_CERT_FILE = str(files["issuing"])
    settings.PKI_ISSUING_KEY_FILE = str(files["key"])
    return issuing


def test_production_cas_come_from_files(ca_files):
    created = services.ca_init()
    assert [ca.kind for ca in created] == ["root", "issuing"]
    assert all(ca.key_pem == "" for ca in created)
    assert services.ca_init() == []
    card = personalise()
    der = IssuedCertificate.objects.get(serial=format(card.auth_cert_serial, "x")).der
    x509.load_der_x509_certificate(bytes(der)).verify_directly_issued_by(ca_files)


def test_a_key_file_under_another_passphrase_is_refused(ca_files):
    with (
        override_settings(PKI_PASSPHRASE="not the one"),
        pytest.raises(ImproperlyConfigured, match="passphrase"),
    ):
        services.ca_init()
