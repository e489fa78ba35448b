"""The real `openssl` against the chain, the CRL and the OCSP responder of a running server."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import call_command

from hoviat.pki import services
from hoviat.pki.models import IssuedCertificate
from hoviat.pki.tests.test_cards import CSN, personalise

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, timeout=30, check=False
    )


def fetch_crl_pem(base_url: str, folder: Path) -> Path:
    with urllib.request.urlopen(f"{base_url}/pki/crl", timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Type"] == "application/pkix-crl"
        (folder / "fetched.der").write_bytes(response.read())
    converted = openssl(
        "crl", "-inform", "DER", "-in", folder / "fetched.der", "-out", folder / "crl.pem"
    )
    assert converted.returncode == 0, converted.stderr
    return folder / "crl.pem"


@pytest.mark.django_db(transaction=True)
def test_openssl_verify_crl_and_ocsp_before_and_after_revocation(live_server, tmp_path):
    services.ca_init()
    card = personalise()
    call_command("pki", "export", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert {p.name for p in tmp_path.iterdir()} >= {
        "root.pem",
        "issuing.pem",
        "chain.pem",
        "crl.der",
    }
    for kind, serial in (("auth", card.auth_cert_serial), ("sign", card.sign_cert_serial)):
        der = bytes(IssuedCertificate.objects.get(serial=format(serial, "x")).der)
        (tmp_path / f"{kind}.pem").write_bytes(
            x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
        )
    root, issuing, chain = (tmp_path / n for n in ("root.pem", "issuing.pem", "chain.pem"))
    card_pem = tmp_path / "auth.pem"

    for name in ("auth.pem", "sign.pem"):
        plain = openssl("verify", "-CAfile", root, "-untrusted", issuing, tmp_path / name)
        assert plain.returncode == 0 and ": OK" in plain.stdout, plain.stdout + plain.stderr

    crl = fetch_crl_pem(live_server.url, tmp_path)
    checked = openssl(
        "verify", "-crl_check", "-CAfile", root, "-untrusted", issuing, "-CRLfile", crl, card_pem
    )
    assert checked.returncode == 0 and ": OK" in checked.stdout, checked.stdout + checked.stderr

    def ask_ocsp() -> subprocess.CompletedProcess:
        return openssl(
            "ocsp",
            "-issuer",
            issuing,
            "-cert",
            card_pem,
            "-url",
            f"{live_server.url}/pki/ocsp",
            "-CAfile",
            chain,
            "-resp_text",
        )

    good = ask_ocsp()
    assert good.returncode == 0, good.stderr
    assert "Response verify OK" in good.stderr + good.stdout
    assert f"{card_pem}: good" in good.stdout
    assert "WARNING: no nonce" not in good.stdout + good.stderr

    assert services.card_certificates_revoke(csn=CSN, reason="stolen", actor=None) == 2

    crl = fetch_crl_pem(live_server.url, tmp_path)
    refused = openssl(
        "verify", "-crl_check", "-CAfile", root, "-untrusted", issuing, "-CRLfile", crl, card_pem
    )
    assert refused.returncode != 0
    assert "certificate revoked" in refused.stdout + refused.stderr

    revoked = ask_ocsp()
    assert "Response verify OK" in revoked.stderr + revoked.stdout
    assert f"{card_pem}: revoked" in revoked.stdout
    assert "Reason: keyCompromise" in revoked.stdout
