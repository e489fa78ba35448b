import pytest

from hoviat.core.tests.factories import staff_authenticator, totp_now


@pytest.fixture
def api(client):
    return client


def test_staff_get_a_token_and_see_who_they_are(api, reza):
    otp = totp_now(staff_authenticator(reza))
    response = api.post(
        "/api/v1/auth/token",
        {"username": "reza", "password": "correct horse battery", "otp": otp},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]

    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["role"] == "office_operator"
    assert me.json()["office_id"] == reza.office_id


def test_a_wrong_password_gets_problem_json_with_a_stable_code(api, reza):
    response = api.post(
        "/api/v1/auth/token",
        {"username": "reza", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "BAD_CREDENTIALS"


def test_tokens_are_stored_hashed(api, reza):
    from hoviat.core.models import StaffToken

    otp = totp_now(staff_authenticator(reza))
    token = api.post(
        "/api/v1/auth/token",
        {"username": "reza", "password": "correct horse battery", "otp": otp},
        content_type="application/json",
    ).json()["token"]
    assert not StaffToken.objects.filter(key_hash=token).exists()


def test_an_unknown_token_is_refused(api, db):
    response = api.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0499370898", "NATIONAL_CODE_CHECKSUM"),
        ("1111111111", "NATIONAL_CODE_REPEATED"),
        ("12345", "NATIONAL_CODE_LENGTH"),
        ("04993a0899", "NATIONAL_CODE_FORMAT"),
    ],
)
def test_malformed_national_codes_get_their_own_codes(api, db, raw, code):
    response = api.get(f"/api/v1/national-codes/{raw}")
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_a_persian_digit_national_code_is_accepted(api, db):
    response = api.get("/api/v1/national-codes/۰۴۹۹۳۷۰۸۹۹")
    assert response.json() == {"national_code": "0499370899", "valid": True}
