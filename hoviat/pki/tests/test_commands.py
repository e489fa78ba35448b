"""`hoviat receipt verify` and `hoviat pki`: what an operator or a bank runs in a shell."""

import datetime as dt
import io
import json
import sys

import pytest
import segno
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections

from hoviat.cli import main
from hoviat.core.models import AuditEntry
from hoviat.pki import services
from hoviat.pki.models import ReceiptSigningKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt_text(current_claims):
    return services.receipt_qr_sign(claims=current_claims)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_verify_prints_the_claims_of_a_valid_receipt_and_succeeds(receipt_text):
    output = run("receipt", "verify", receipt_text)

    assert "status:         valid" in output
    assert "رسید معتبر است" in output
    assert "0499370899" in output
    assert "سارا محمدی" in output
    assert "1991-08-05 (1370/05/14)" in output


def test_verify_fails_with_exit_status_1_for_a_tampered_receipt(receipt_text):
    tampered = receipt_text[:-12] + ("0" if receipt_text[-12] != "0" else "1") + receipt_text[-11:]
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("receipt", "verify", tampered, stdout=out)

    assert raised.value.returncode == 1
    assert "status:         " in out.getvalue()
    assert "0499370899" not in out.getvalue()


def test_the_hoviat_command_exits_0_when_valid_and_1_otherwise(receipt_text, monkeypatch, capsys):
    # A command run from the shell closes its connections when done, which would end the
    # test's transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr(sys, "argv", ["hoviat", "receipt", "verify", receipt_text])
    main()  # no SystemExit: status 0
    assert "valid" in capsys.readouterr().out

    monkeypatch.setattr(sys, "argv", ["hoviat", "receipt", "verify", "HVR1:not a receipt"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "malformed" in captured.out
    assert "receipt is malformed" in captured.err


def test_verify_reads_the_text_from_standard_input(receipt_text, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(receipt_text + "\n"))

    assert "status:         valid" in run("receipt", "verify", "-")


def test_verify_reads_the_qr_code_from_a_picture_of_the_receipt(receipt_text, tmp_path):
    picture = tmp_path / "receipt.png"
    segno.make_qr(receipt_text, error="m").save(picture, scale=4)

    assert "status:         valid" in run("receipt", "verify", "--image", str(picture))


def test_verify_works_offline_from_a_saved_key_list(receipt_text, client, tmp_path):
    saved = tmp_path / "receipt-keys.json"
    saved.write_text(client.get("/pki/receipt-keys").content.decode())
    ReceiptSigningKey.objects.all().delete()  # the database no longer knows the key

    assert "status:         valid" in run("receipt", "verify", receipt_text, "--keys", str(saved))
    with pytest.raises(CommandError):
        run("receipt", "verify", receipt_text)  # from the database: unknown key now


def test_verify_refuses_a_key_file_that_is_no_key_list(receipt_text, tmp_path):
    saved = tmp_path / "keys.json"
    saved.write_text(json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA"}]}))

    with pytest.raises(CommandError, match="not a receipt key list"):
        run("receipt", "verify", receipt_text, "--keys", str(saved))


def test_pki_init_creates_the_key_once_and_audits_the_command_line():
    first = run("pki", "init")
    second = run("pki", "init")

    key = ReceiptSigningKey.objects.get()
    assert f"Created receipt key {key.kid}" in first
    assert f"Already signing with receipt key {key.kid}" in second
    entry = AuditEntry.objects.get(action="pki.receipt_key_created")
    assert (entry.actor_kind, entry.actor_id) == ("command", "hoviat pki")


def test_pki_rotate_then_list_shows_which_key_signs(receipt_text):
    old_key = ReceiptSigningKey.objects.get()

    output = run("pki", "rotate-receipt-key")
    listing = run("pki", "receipt-keys")

    new_key = ReceiptSigningKey.objects.exclude(pk=old_key.pk).get()
    assert f"Now signing with {new_key.kid}" in output
    assert f"{new_key.kid} " in listing and "signing" in listing
    assert "published, verifies only" in listing
    assert "status:         valid" in run("receipt", "verify", receipt_text)


def test_pki_retire_an_unknown_key_is_a_command_error():
    with pytest.raises(CommandError, match="یافت نشد"):
        run("pki", "retire-receipt-key", "nosuchkid", "--reason", "test")


def test_a_daily_rotation_only_rotates_when_the_key_nears_the_end_of_its_period():
    key = services.receipt_key_create()

    assert "Not due" in run("pki", "rotate-receipt-key", "--if-due", "30")
    assert ReceiptSigningKey.objects.count() == 1

    with time_machine.travel(key.signs_until - dt.timedelta(days=20)):
        assert "Now signing with" in run("pki", "rotate-receipt-key", "--if-due", "30")
    assert ReceiptSigningKey.objects.count() == 2
