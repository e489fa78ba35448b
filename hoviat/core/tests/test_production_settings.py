"""Production is the default: HOVIAT_DEBUG is off unless asked for, secrets are never made up
outside development, and `hoviat check --deploy` has nothing to warn about."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import hoviat.settings

SETTINGS_FILE = Path(hoviat.settings.__file__)
ROOT = SETTINGS_FILE.parent.parent
SECRETS = (
    "HOVIAT_SECRET_KEY",
    "HOVIAT_SANDBOX_GATEWAY_SECRET",
    "HOVIAT_PKI_PASSPHRASE",
    "HOVIAT_CHIP_STORE_KEY",
    "HOVIAT_BIOMETRIC_KEY",
    "HOVIAT_AUDIT_SIGNING_KEY",
)
# What a server's environment gives (test values: a real one comes from the secret store).
PRODUCTION = {
    "HOVIAT_SECRET_KEY": "a-production-like-secret-key-" + "k7Qz" * 12,
    "HOVIAT_ALLOWED_HOSTS": "hoviat.example.ir",
    "HOVIAT_SANDBOX_GATEWAY_SECRET": "a-production-like-gateway-secret",
    "HOVIAT_PKI_PASSPHRASE": "a-production-like-pki-passphrase",
    "HOVIAT_CHIP_STORE_KEY": "a-production-like-chip-store-key",
    "HOVIAT_BIOMETRIC_KEY": "dGVzdC1vbmx5LWJpb21ldHJpYy1rZXktMzItYnl0ZXM=",
    "HOVIAT_AUDIT_SIGNING_KEY": "a-production-like-audit-signing-key",
    "HOVIAT_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


@pytest.fixture
def server_settings(monkeypatch, tmp_path):
    """hoviat/settings.py evaluated again under a server's environment: no HOVIAT_DEBUG."""
    monkeypatch.setenv("HOVIAT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HOVIAT_DEBUG", raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)

    def evaluate(**environment: str) -> dict:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return evaluate


def test_debug_is_off_when_nobody_turned_it_on(server_settings):
    assert server_settings()["DEBUG"] is False


@pytest.mark.parametrize("secret", SECRETS)
def test_a_missing_secret_stops_start_up_outside_development(server_settings, monkeypatch, secret):
    monkeypatch.delenv(secret)
    with pytest.raises(ImproperlyConfigured, match=f"{secret} is required outside development"):
        server_settings()
    assert not (Path(os.environ["HOVIAT_VAR_DIR"]) / "secret_key").exists()


def test_missing_allowed_hosts_stop_start_up_outside_development(server_settings, monkeypatch):
    monkeypatch.delenv("HOVIAT_ALLOWED_HOSTS")
    with pytest.raises(ImproperlyConfigured, match="HOVIAT_ALLOWED_HOSTS is required"):
        server_settings()


def test_development_still_generates_its_secrets_into_var(server_settings, monkeypatch):
    for secret in SECRETS:
        monkeypatch.delenv(secret)
    values = server_settings(HOVIAT_DEBUG="1")
    assert values["SECRET_KEY"] == (Path(os.environ["HOVIAT_VAR_DIR"]) / "secret_key").read_text()
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_the_server_defaults_are_https_only(server_settings):
    values = server_settings()
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_hoviat_check_deploy_has_no_warning_with_the_production_settings(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        # What the suite itself sets (the browser tests allow async-unsafe calls) is no
        # server's environment.
        if not key.startswith(("HOVIAT_", "DJANGO_"))
    }
    environment.update(PRODUCTION)
    environment.update(
        DJANGO_SETTINGS_MODULE="hoviat.settings",
        HOVIAT_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT),
    )
    finished = subprocess.run(
        [sys.executable, "-m", "hoviat.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert "WARNINGS" not in output, output
    assert finished.returncode == 0, output
    assert "no issues" in output


def test_the_benchmarks_may_generate_secrets_without_debug(server_settings, monkeypatch):
    monkeypatch.delenv("HOVIAT_SECRET_KEY")
    values = server_settings(HOVIAT_GENERATE_DEV_SECRETS="1")
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"]


def test_a_pool_may_be_smaller_than_the_threads(server_settings, monkeypatch):
    """Threads beyond the pool wait for a connection; no thread waits, holding a pooled
    connection, for another that needs one from the pool (the inquiry log's group commit,
    the card reads and the holder-lock copy have connections of their own: hoviat/inquiry/tests)."""
    common = {"DATABASE_URL": "postgres://hoviat@127.0.0.1:5432/hoviat", "HOVIAT_DB_POOL": "1"}
    monkeypatch.delenv("HOVIAT_DB_POOL_MAX_SIZE", raising=False)
    monkeypatch.delenv("HOVIAT_SERVE_THREADS", raising=False)
    default = server_settings(**common)
    assert default["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 2
    assert default["SERVE_THREADS"] == 8
    wider = server_settings(**common, HOVIAT_DB_POOL_MAX_SIZE="12", HOVIAT_SERVE_THREADS="8")
    assert wider["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 12
