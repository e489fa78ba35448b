"""Probes, metrics, request logs and the client's address behind a proxy."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from hoviat.core import health, metrics
from hoviat.core.client_address import client_address
from hoviat.core.logs import formatter, personal_data_in, personal_data_masked
from hoviat.metrics import domain_metrics
from tests.factories import ApplicationFactory

ROOT = Path(__file__).resolve().parents[3]


# --- Probes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_and_readyz_answer_before_the_https_redirect_and_the_host_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client(HTTP_HOST="10.1.2.3:8000")  # a probe's Host: the pod's address
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.json() == {"status": "ok"}
        assert answer["Cache-Control"] == "no-store"
    # Anything else still gets the redirect.
    assert client.get("/", secure=False).status_code in (301, 400)


@pytest.mark.django_db
def test_readyz_names_the_failing_checks_and_nothing_else(monkeypatch, caplog):
    def audit_witness_dir_writable():
        raise PermissionError("/secret/path/witness is not writable")

    monkeypatch.setattr(
        health, "READINESS_CHECKS", [*health.READINESS_CHECKS, audit_witness_dir_writable]
    )
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "failing", "failing": ["audit_witness_dir_writable"]}
    assert b"secret" not in answer.content
    assert "audit_witness_dir_writable" in caplog.text


@pytest.mark.django_db
def test_readyz_fails_when_the_audit_witness_or_key_is_not_right(settings, tmp_path):
    settings.AUDIT_WITNESS_DIR = tmp_path / "missing"
    settings.AUDIT_WITNESS_DIR_CREATE = False
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["audit_log"]
    settings.AUDIT_WITNESS_DIR = tmp_path
    assert Client().get("/readyz").status_code == 200
    from hoviat.core.audit import audit_record
    from hoviat.core.audit_tree import audit_checkpoint

    audit_record(actor=None, action="probe.test")
    audit_checkpoint()  # records the key in the witness directory
    assert Client().get("/readyz").status_code == 200
    settings.AUDIT_SIGNING_KEY = "a-key-changed-without-a-recorded-rotation"
    assert Client().get("/readyz").json()["failing"] == ["audit_log"]


@pytest.mark.django_db
def test_readyz_fails_on_a_migration_not_applied(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health, "_expected_migrations", {*health._expected(), ("core", "9999_not_applied")}
    )
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["migrations"]


@pytest.mark.django_db
def test_readyz_fails_when_the_job_queue_does_not_answer(monkeypatch):
    def broken():
        raise ConnectionError("redis down")

    monkeypatch.setattr(HUEY.storage, "queue_size", broken)
    assert Client().get("/readyz").json()["failing"] == ["job_queue"]


# --- Metrics ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_only_from_allowed_addresses_and_never_through_a_proxy(settings):
    assert Client(REMOTE_ADDR="10.0.0.7").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    forwarded = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_count_requests_per_route_name_not_per_path():
    client = Client()
    client.get("/track/")
    client.get("/api/v1/inquiry/ping")
    # Letters, not digits: the digits of a path can also turn up inside some sample's value
    # (a creation time or a sum such as 1796571234.5 or 0.0123456).
    client.get("/no/such/page/nowhere-qxz")
    text = client.get("/metrics").content.decode()
    assert 'hoviat_http_requests_total{endpoint="track",method="GET",status="200"}' in text
    assert 'endpoint="api:inquiry_ping",method="GET",status="401"' in text
    assert 'endpoint="unmatched"' in text
    assert "nowhere-qxz" not in text
    assert 'hoviat_http_request_duration_seconds_bucket{endpoint="track",le="0.5"}' in text


@pytest.mark.django_db
def test_domain_gauges_read_the_database(sara):
    ApplicationFactory(citizen=sara)
    families = {family.name: family for family in domain_metrics()}
    statuses = {s.labels["status"]: s.value for s in families["hoviat_applications"].samples}
    assert sum(statuses.values()) == 1
    for name in (
        "hoviat_production_queue_length",
        "hoviat_card_body_stock",
        "hoviat_sms_outbox",
        "hoviat_inquiries_last_hour",
    ):
        assert name in families


def test_two_processes_counts_add_up(tmp_path):
    """prometheus_client's multiprocess mode as `hoviat serve` sets it up: two processes count
    into the same folder, one scrape reads the sum."""
    script = textwrap.dedent(
        """
        import sys
        from hoviat.core import metrics
        for _ in range(int(sys.argv[1])):
            metrics.request_observed("track", "GET", 200, 0.01)
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env["DJANGO_SETTINGS_MODULE"] = "hoviat.settings_test"
    for count in (3, 4):
        subprocess.run([sys.executable, "-c", script, str(count)], env=env, check=True)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    text = generate_latest(registry).decode()
    assert 'hoviat_http_requests_total{endpoint="track",method="GET",status="200"} 7.0' in text
    assert 'hoviat_http_request_duration_seconds_count{endpoint="track"} 7.0' in text


# --- Logs -------------------------------------------------------------------------------------


def _request_lines(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.name == "hoviat.request"]


@pytest.mark.django_db
def test_one_request_line_with_its_id_route_status_and_duration(caplog):
    caplog.set_level(logging.INFO)
    answer = Client().get("/track/", HTTP_X_REQUEST_ID="proxy-given-id-123")
    assert answer["X-Request-ID"] == "proxy-given-id-123"
    [line] = _request_lines(caplog)
    assert line["request_id"] == "proxy-given-id-123"
    assert (line["endpoint"], line["method"], line["status"]) == ("track", "GET", 200)
    assert line["duration_ms"] >= 0
    assert "path" not in line and "user_id" not in line
    # A request id that is not one (too short, odd characters) is replaced.
    answer = Client().get("/track/", HTTP_X_REQUEST_ID="x\n")
    assert len(answer["X-Request-ID"]) == 32
    assert answer["X-Request-ID"].isalpha()


@pytest.mark.django_db
def test_a_job_enqueued_by_a_request_logs_with_the_requests_id(caplog):
    import structlog

    @HUEY.task()
    def observed_job():
        logging.getLogger("hoviat.test").info("inside the job")

    caplog.set_level(logging.INFO)
    structlog.contextvars.bind_contextvars(request_id="req-1234567890")
    try:
        observed_job()
    finally:
        structlog.contextvars.clear_contextvars()
    [job] = [r.msg for r in caplog.records if r.name == "hoviat.job"]
    assert job["job"] == "observed_job"
    assert job["outcome"] == "complete"
    assert job["request_id"] == "req-1234567890"
    assert job["duration_ms"] >= 0


@pytest.mark.django_db
def test_the_sequencer_tick_every_few_seconds_is_quiet_at_info_unless_it_fails(caplog):
    @HUEY.task()
    def housekeeping_tick():
        return None

    @HUEY.task()
    def failing_tick():
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="hoviat.job")
    housekeeping_tick()
    assert not [r for r in caplog.records if r.name == "hoviat.job"]
    failing_tick()  # immediate mode: huey logs the error, the caller gets a result handle
    [line] = [r.msg for r in caplog.records if r.name == "hoviat.job"]
    assert line["job"] == "failing_tick" and line["outcome"] != "complete"


def test_a_queued_task_carries_the_request_id_in_its_id():
    """On a real queue the job runs in another process: the id travels inside the task id."""
    import structlog

    from hoviat.core.logs import _request_id_of

    @HUEY.task()
    def carried():
        return None

    task = carried.s()
    structlog.contextvars.bind_contextvars(request_id="req-abcdefgh")
    try:
        HUEY._emit("enqueued", task)
    finally:
        structlog.contextvars.clear_contextvars()
    assert _request_id_of(task.id) == "req-abcdefgh"
    assert task.revoke_id == f"r:{task.id}"


def test_json_lines_carry_the_bound_request_id_and_mask_personal_data():
    import structlog

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "code %s", ("0499370899",), None)
    structlog.contextvars.bind_contextvars(request_id="abc12345")
    try:
        line = json.loads(formatter("json").format(record))
    finally:
        structlog.contextvars.clear_contextvars()
    assert line["request_id"] == "abc12345"
    assert line["event"] == "code **********"
    assert line["level"] == "info" and "timestamp" in line


def test_personal_data_detection():
    assert personal_data_in("sara 0499370899 called from 09171234567") == [
        "0499370899",
        "09171234567",
    ]
    # Ten digits with a wrong check digit, a repeated code, and longer numbers are not codes.
    assert personal_data_in("0499370898 1111111111 04993708991 took 12.5 ms") == []
    # A card serial is IR and ten digits: neither a code nor a mobile (9 and nine digits).
    assert personal_data_in("Not Found: /api/v1/cards/IR9171234567/report") == []
    assert personal_data_in("/cards/IR0499370899") == []
    assert personal_data_masked("mobile +989171234567") == "mobile 09*********"


# --- Client address behind a proxy -------------------------------------------------------------


def test_client_address_from_trusted_proxies_only():
    import ipaddress

    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    # Not from a trusted proxy: the header is the client's own claim.
    assert client_address("203.0.113.5", "198.51.100.1", proxies) == "203.0.113.5"
    # From the proxy: the right-most address that is not a proxy.
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", proxies) == (
        "198.51.100.1"
    )
    assert client_address("10.0.0.2", "not-an-address", proxies) == "10.0.0.2"


@pytest.mark.django_db
def test_rate_limits_see_the_client_behind_the_proxy(settings, client):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    seen = []
    from django.urls import path

    def echo(request):
        from django.http import HttpResponse

        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse("ok")

    settings.ROOT_URLCONF = type("U", (), {"urlpatterns": [path("echo/", echo)]})
    client.get("/echo/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert seen == ["198.51.100.7"]


def test_metrics_label_cache_is_per_label_set():
    metrics.request_observed("x-test", "GET", 200, 0.001)
    metrics.request_observed("x-test", "GET", 500, 0.001)
    assert ("x-test", "GET", 200) in metrics._children
    assert ("x-test", "GET", 500) in metrics._children


# --- docs/deploy.md ---------------------------------------------------------------------------


def test_deploy_doc_names_every_environment_variable_the_settings_read():
    import re

    settings_source = (ROOT / "hoviat" / "settings.py").read_text()
    read = set(
        re.findall(r'(?:env_\w+|secret_from_env_or_file)\(\s*"([A-Z0-9_]+)"', settings_source)
    )
    documented = set(
        re.findall(r"^\| `([A-Z0-9_]+)` \|", (ROOT / "docs" / "deploy.md").read_text(), re.M)
    )
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read - documented == set(), "add these to the table in docs/deploy.md"
