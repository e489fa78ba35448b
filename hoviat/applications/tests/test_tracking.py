import pytest

from hoviat.applications.tests.conftest import SARA_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara_application(as_sara, sara):
    return as_sara.post("/api/v1/applications", SARA_FORM, content_type="application/json").json()


def test_anyone_with_the_national_code_and_tracking_code_sees_the_status(client, sara_application):
    response = client.get(
        "/api/v1/track",
        {"national_code": "0499370899", "tracking_code": sara_application["tracking_code"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pre_registered"
    assert body["status_label"] == "پیش‌ثبت‌نام شده"
    assert [step["status"] for step in body["timeline"]] == ["pre_registered"]
    assert body["expected_ready_on"] is None


def test_a_wrong_national_code_gets_the_same_answer_as_a_wrong_tracking_code(
    client, sara_application
):
    wrong_person = client.get(
        "/api/v1/track",
        {"national_code": "0012345679", "tracking_code": sara_application["tracking_code"]},
    )
    wrong_code = client.get(
        "/api/v1/track", {"national_code": "0499370899", "tracking_code": "123456789012"}
    )
    assert wrong_person.status_code == wrong_code.status_code == 404
    assert wrong_person.json()["detail"] == wrong_code.json()["detail"]
    assert wrong_person.json()["code"] == "TRACKING_NOT_FOUND"


def test_tracking_is_rate_limited(client, sara_application, settings):
    settings.TRACKING_RATE_PER_MINUTE = 3
    query = {"national_code": "0499370899", "tracking_code": "123456789012"}
    for _ in range(3):
        client.get("/api/v1/track", query)
    response = client.get("/api/v1/track", query)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_the_tracking_page_shows_the_status_in_persian(client, sara_application):
    response = client.post(
        "/track/",
        {"national_code": "۰۴۹۹۳۷۰۸۹۹", "tracking_code": sara_application["tracking_code"]},
    )
    assert response.status_code == 200
    assert "پیش‌ثبت‌نام شده" in response.content.decode()


def test_the_tracking_api_also_takes_the_codes_in_a_post_body(client, sara_application):
    body = {"national_code": "0499370899", "tracking_code": sara_application["tracking_code"]}
    response = client.post("/api/v1/track", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "pre_registered"
    wrong = client.post(
        "/api/v1/track", {**body, "tracking_code": "123456789012"}, content_type="application/json"
    )
    assert wrong.status_code == 404


def test_the_tracking_post_shares_the_rate_limit(client, sara_application, settings):
    settings.TRACKING_RATE_PER_MINUTE = 2
    body = {"national_code": "0499370899", "tracking_code": sara_application["tracking_code"]}
    client.post("/track/", body)
    client.post("/api/v1/track", body, content_type="application/json")
    page = client.post("/track/", body)  # the third within the minute: refused, in Persian
    assert 'data-testid="status"' not in page.content.decode()
    api = client.post("/api/v1/track", body, content_type="application/json")
    assert api.status_code == 429


def test_the_tracking_page_answers_a_post_and_ignores_codes_in_the_address(
    client, sara_application
):
    codes = {"national_code": "0499370899", "tracking_code": sara_application["tracking_code"]}
    assert 'data-testid="status"' not in client.get("/track/", codes).content.decode()
    answer = client.post("/track/", codes)
    assert answer.status_code == 200 and 'data-testid="status"' in answer.content.decode()
    assert '<form method="post"' in answer.content.decode()
