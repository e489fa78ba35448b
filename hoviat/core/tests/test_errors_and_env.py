"""Domain errors as problem+json, and settings read from the environment that fail loudly."""

import os
import stat
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from hoviat.core.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    secret_from_env_or_file,
)
from hoviat.core.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    RateLimited,
    ValidationFailed,
    problem,
)

VARIABLE = "HOVIAT_TEST_SETTING"


# --- Domain errors -------------------------------------------------------------------------


def test_a_domain_error_is_an_rfc_9457_problem_with_a_stable_code():
    error = Conflict("این نوبت قبلاً گرفته شده است.", code="SLOT_TAKEN")
    assert error.as_problem() == {
        "type": "urn:hoviat:problem:slot_taken",
        "title": "Conflict",
        "status": 409,
        "detail": "این نوبت قبلاً گرفته شده است.",
        "code": "SLOT_TAKEN",
    }


def test_a_problem_names_its_instance_and_carries_extra_members():
    error = InvalidTransition(extra={"from_state": "paid", "to_state": "delivered"})
    body = error.as_problem(instance="/api/v1/applications/7")
    assert body["instance"] == "/api/v1/applications/7"
    assert (body["from_state"], body["to_state"]) == ("paid", "delivered")
    assert body["detail"] == InvalidTransition.default_detail


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DomainError(), 400, "DOMAIN_ERROR"),
        (ValidationFailed(), 422, "VALIDATION_FAILED"),
        (NotFound(), 404, "NOT_FOUND"),
        (AccessDenied(), 403, "ACCESS_DENIED"),
        (Conflict(), 409, "CONFLICT"),
        (InvalidTransition(), 409, "INVALID_TRANSITION"),
        (RateLimited(), 429, "RATE_LIMITED"),
        (DomainError("x", code="CUSTOM", status=418), 418, "CUSTOM"),
    ],
)
def test_each_error_type_has_its_status_code_and_a_persian_default_detail(error, status, code):
    body = error.as_problem()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"urn:hoviat:problem:{code.lower()}"
    assert body["detail"]
    assert code in str(error)


def test_a_custom_code_does_not_leak_into_other_instances():
    Conflict(code="SLOT_TAKEN")
    assert Conflict().code == "CONFLICT"


def test_a_problem_without_a_title_gets_one_from_its_code():
    assert problem(500, "SOMETHING_BROKE", "خطا")["title"] == "Something broke"


# --- The API maps errors to problem+json -------------------------------------------------


@pytest.mark.django_db
def test_a_request_missing_a_field_is_a_422_problem_naming_the_field(client):
    response = client.post(
        "/api/v1/auth/token", {"username": "reza"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert body["type"] == "urn:hoviat:problem:validation_failed"
    assert body["instance"] == "/api/v1/auth/token"
    assert any(error["loc"][-1] == "password" for error in body["errors"])


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_problem_too(client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"]


@pytest.mark.django_db
def test_a_domain_error_raised_by_a_service_reaches_the_client_as_problem_json(client):
    response = client.get("/api/v1/national-codes/0499370898")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "NATIONAL_CODE_CHECKSUM"
    assert body["instance"] == "/api/v1/national-codes/0499370898"


# --- Environment helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(VARIABLE, raw)
    assert env_bool(VARIABLE, not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "tru"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(ImproperlyConfigured, match=VARIABLE):
        env_bool(VARIABLE, False)


def test_env_helpers_fall_back_to_their_defaults_when_unset(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    assert env_bool(VARIABLE, True) is True
    assert env_int(VARIABLE, 12) == 12
    assert env_choice(VARIABLE, "sqlite", ["sqlite", "redis"]) == "sqlite"
    assert env_list(VARIABLE, ["a"]) == ["a"]
    assert env_str(VARIABLE, "x") == "x"


def test_env_str_without_a_default_is_required(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str(VARIABLE)


def test_env_int_reads_a_number(monkeypatch):
    monkeypatch.setenv(VARIABLE, "42")
    assert env_int(VARIABLE, 1, minimum=1) == 42


@pytest.mark.parametrize("raw", ["twelve", "1.5", ""])
def test_env_int_refuses_what_is_not_an_integer(monkeypatch, raw):
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int(VARIABLE, 1)


def test_env_int_refuses_a_number_below_its_minimum(monkeypatch):
    monkeypatch.setenv(VARIABLE, "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env_int(VARIABLE, 12, minimum=1)


def test_env_choice_refuses_an_unknown_choice(monkeypatch):
    monkeypatch.setenv(VARIABLE, "memcached")
    with pytest.raises(ImproperlyConfigured, match="sqlite, redis"):
        env_choice(VARIABLE, "sqlite", ["sqlite", "redis"])


def test_env_choice_accepts_a_known_choice(monkeypatch):
    monkeypatch.setenv(VARIABLE, "redis")
    assert env_choice(VARIABLE, "sqlite", ["sqlite", "redis"]) == "redis"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(VARIABLE, " a.example, b.example ,, ")
    assert env_list(VARIABLE) == ["a.example", "b.example"]


# --- The development secret --------------------------------------------------------------------


def test_a_secret_in_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(VARIABLE, "from-the-environment")
    assert (
        secret_from_env_or_file(VARIABLE, tmp_path / "secret", generate=True)
        == "from-the-environment"
    )
    assert not (tmp_path / "secret").exists()


def test_a_development_secret_is_generated_into_an_owner_only_file(monkeypatch, tmp_path):
    monkeypatch.delenv(VARIABLE, raising=False)
    path = tmp_path / "var" / "secret_key"
    first = secret_from_env_or_file(VARIABLE, path, generate=True)
    assert len(first) >= 50
    assert path.read_text() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_from_env_or_file(VARIABLE, path, generate=True) == first
    assert os.listdir(path.parent) == ["secret_key"]  # no temporary file left behind


def test_processes_starting_together_agree_on_one_secret(monkeypatch, tmp_path):
    monkeypatch.delenv(VARIABLE, raising=False)
    path = tmp_path / "secret_key"
    barrier = threading.Barrier(8)
    secrets_seen: list[str] = []

    def start() -> None:
        barrier.wait()
        secrets_seen.append(secret_from_env_or_file(VARIABLE, path, generate=True))

    workers = [threading.Thread(target=start) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(secrets_seen) == 8
    assert set(secrets_seen) == {path.read_text()}


def test_an_empty_secret_file_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.delenv(VARIABLE, raising=False)
    path = tmp_path / "secret_key"
    path.write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="empty"):
        secret_from_env_or_file(VARIABLE, path, generate=True)
