"""The integrator's example client, run against a live server as a bank would run it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

from hoviat.inquiry import services

CLIENT = Path(settings.BASE_DIR) / "examples" / "inquiry_client.py"


def load_client():
    spec = importlib.util.spec_from_file_location("inquiry_client", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def live_key(transactional_db):
    partner = services.partner_create(name="بانک نمونه", scopes=["card"], attributes=[])
    raw, _ = services.api_key_create(partner_id=partner.pk)
    return raw


def test_the_example_client_asks_and_verifies_the_signature(
    live_server, live_key, monkeypatch, capsys
):
    client = load_client()
    monkeypatch.setenv("HOVIAT_API_KEY", live_key)

    code = client.main(["0499370899", "IR0000000001", "--base-url", live_server.url])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "signature OK" in out and '"reason_code": "NOT_FOUND"' in out


def test_the_example_client_rejects_a_forged_answer(live_server, live_key, monkeypatch):
    client = load_client()
    _, body, signature = client.card_inquiry(
        live_server.url, live_key, "0499370899", "IR0000000001", "LOAN"
    )
    keys = client.fetch_keys(live_server.url)

    assert client.verify_detached_jws(body, signature, keys)["alg"] == "ES256"
    with pytest.raises(ValueError):
        client.verify_detached_jws(body.replace(b"invalid", b"valid"), signature, keys)


def test_the_example_client_reports_a_refused_key(
    live_server, transactional_db, monkeypatch, capsys
):
    client = load_client()
    monkeypatch.setenv("HOVIAT_API_KEY", "hv1.000000000000.nope")

    assert client.main(["0499370899", "IR0000000001", "--base-url", live_server.url]) == 1
    assert "API_KEY_INVALID" in capsys.readouterr().out
