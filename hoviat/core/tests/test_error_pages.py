"""With DEBUG off, errors are Persian pages for people and problem+json under /api/; an
unavailable database is a 503 with Retry-After, not a 500 (core/error_pages.py, api.py)."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError
from django.http import Http404
from django.test import Client, RequestFactory
from psycopg_pool import PoolTimeout

from hoviat.api import on_not_found

FAILING_URLS = "hoviat.core.tests.urls_failing"
ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "The requested resource")


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = FAILING_URLS


@pytest.fixture
def browser_client():
    # The error is answered, not raised into the test (as a browser would see it).
    return Client(raise_request_exception=False)


def pool_timeout(*args, **kwargs):
    """What Django raises when its pool gives no connection in time."""
    error = OperationalError("couldn't get a connection after 30.00 sec")
    error.__cause__ = PoolTimeout("couldn't get a connection after 30.00 sec")
    raise error


def assert_a_persian_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert heading in html
    assert "صفحهٔ نخست" in html
    assert not [word for word in ENGLISH if word in html]
    # A number a person reads is in Persian digits.
    assert str(status) not in html
    return html


def assert_a_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"urn:hoviat:problem:{code.lower()}"
    return body


def request_lines(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.name == "hoviat.request"]


# --- 404 ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_that_does_not_exist_is_a_persian_right_to_left_404_in_the_sites_layout(client):
    response = client.get("/no-such-page/")
    html = assert_a_persian_page(response, 404, "این صفحه پیدا نشد")
    assert "۴۰۴" in html
    # base.html: the site's menu and stylesheets.
    assert "ورود کارکنان" in html
    assert "css/hoviat.css" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/inquiry/nothing", "/api/other"])
def test_an_api_path_that_matches_no_route_is_a_problem_not_a_page(client, path):
    response = client.get(path)
    body = assert_a_problem(response, 404, "NOT_FOUND")
    # The same answer as a route's own Http404 (api.on_not_found).
    expected = on_not_found(RequestFactory().get(path), Http404())
    assert body == json.loads(expected.content)
    assert body["instance"] == path


# --- 400 and 403 ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_for_another_host_is_a_persian_400_page(client):
    response = client.get("/", HTTP_HOST="elsewhere.example")
    assert_a_persian_page(response, 400, "این درخواست پذیرفته نشد")


@pytest.mark.django_db
def test_a_request_for_another_host_under_the_api_is_a_bad_request_problem(client):
    response = client.get("/api/v1/places/provinces", HTTP_HOST="elsewhere.example")
    assert_a_problem(response, 400, "BAD_REQUEST")


@pytest.mark.django_db
def test_a_suspicious_request_to_a_page_is_a_persian_400_page(failing_urls, browser_client):
    response = browser_client.get("/test/suspicious/")
    assert_a_persian_page(response, 400, "این درخواست پذیرفته نشد")


@pytest.mark.django_db
def test_a_refused_page_is_a_persian_403_page(failing_urls, browser_client):
    response = browser_client.get("/test/refuses/")
    assert_a_persian_page(response, 403, "به این صفحه دسترسی ندارید")


@pytest.mark.django_db
def test_a_refusal_under_the_api_is_an_access_denied_problem(failing_urls, browser_client):
    assert_a_problem(browser_client.get("/api/v1/test/refuses"), 403, "ACCESS_DENIED")


@pytest.mark.django_db
def test_a_form_refused_by_the_csrf_check_gets_a_persian_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "reza", "password": "x"}
    )
    html = assert_a_persian_page(response, 403, "این فرم دیگر معتبر نیست")
    assert "CSRF" not in html


# --- 500 ------------------------------------------------------------------------------------


def test_a_failing_page_is_a_persian_500_page_that_needs_no_database(failing_urls, browser_client):
    # No django_db mark: the page would fail if rendering it touched the database.
    response = browser_client.get("/test/fails/")
    html = assert_a_persian_page(response, 500, "خطایی در سامانه رخ داد")
    assert "۵۰۰" in html
    # The site's look, from its own stylesheets (no inline style: the CSP refuses it).
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in html
    assert "css/hoviat.css" in html
    assert "<style" not in html and "<script" not in html


def test_a_failure_under_the_api_outside_its_routes_is_an_internal_error_problem(
    failing_urls, browser_client
):
    response = browser_client.get("/api/v1/test/fails")
    body = assert_a_problem(response, 500, "INTERNAL_ERROR")
    assert body["instance"] == "/api/v1/test/fails"
    assert "RuntimeError" not in response.content.decode()


# --- 503: the database is unavailable -------------------------------------------------------


def test_a_page_whose_database_is_unreachable_is_a_persian_503_with_retry_after(
    failing_urls, browser_client
):
    response = browser_client.get("/test/database-down/")
    assert_a_persian_page(response, 503, "سامانه موقتاً در دسترس نیست")
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_a_page_that_gets_no_pooled_connection_in_time_is_a_503_in_the_request_log(
    monkeypatch, browser_client, caplog
):
    from hoviat.core import views

    monkeypatch.setattr(views, "render", pool_timeout)
    caplog.set_level(logging.INFO)
    response = browser_client.get("/")
    html = assert_a_persian_page(response, 503, "سامانه موقتاً در دسترس نیست")
    assert "هم‌اکنون پاسخ‌گو نیست" in html
    assert response["Retry-After"] == "5"
    [line] = request_lines(caplog)
    assert (line["endpoint"], line["status"]) == ("home", 503)


@pytest.mark.django_db
def test_an_api_route_that_gets_no_pooled_connection_in_time_is_a_503_problem(
    monkeypatch, client, caplog
):
    from hoviat.places import selectors

    monkeypatch.setattr(selectors, "province_list", pool_timeout)
    caplog.set_level(logging.INFO)
    response = client.get("/api/v1/places/provinces")
    body = assert_a_problem(response, 503, "SERVICE_UNAVAILABLE")
    assert body["detail"] == "سامانه هم‌اکنون پاسخ‌گو نیست؛ چند لحظه بعد دوباره تلاش کنید."
    assert response["Retry-After"] == "5"
    # Logged with its traceback for us; the client sees no internals.
    [logged] = [r for r in caplog.records if r.name == "hoviat.api"]
    assert logged.exc_info is not None
    assert "connection" not in response.content.decode()
    [line] = request_lines(caplog)
    assert line["status"] == 503


def test_an_unreachable_database_under_the_api_outside_its_routes_is_a_503_problem(
    failing_urls, browser_client
):
    response = browser_client.get("/api/v1/test/database-down")
    assert_a_problem(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
