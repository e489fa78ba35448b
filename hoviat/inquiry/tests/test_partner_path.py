"""Partner API calls take the short way through MIDDLEWARE (core/partner_api.py): no session,
locale, CSRF or user, yet every security header a page gets, and Idempotency-Key still works."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.test import Client, override_settings

from hoviat.core.partner_api import END, FORK, PARTNER_KEPT, PartnerApiMiddleware


def _the_page_headers(response) -> None:
    page = Client().get("/inquiry/", secure=True)
    assert response["Content-Security-Policy"] == page["Content-Security-Policy"]
    for name in (
        "Strict-Transport-Security",
        "Referrer-Policy",
        "Permissions-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
    ):
        assert response[name] == page[name], name
    assert "no-store" in response["Cache-Control"]


def test_a_card_inquiry_skips_the_browser_middleware_and_keeps_the_headers(bank):
    response = bank.client.post(
        "/api/v1/inquiry/card",
        {"national_code": "0499370899", "card_serial": "IR0000000001", "purpose": "LOAN"},
        content_type="application/json",
        secure=True,
    )
    assert response.status_code == 200
    assert response.json()["reason_code"] == "NOT_FOUND"
    _the_page_headers(response)
    assert response["X-Request-ID"]
    # No session, CSRF cookie or language negotiation took part.
    assert response.cookies == {}
    assert "Content-Language" not in response
    assert not response.has_header("Vary")
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")


def test_the_ping_and_a_refusal_take_the_short_way_too(bank):
    ping = bank.client.get("/api/v1/inquiry/ping", secure=True)
    assert ping.status_code == 200
    _the_page_headers(ping)
    refused = Client().get("/api/v1/inquiry/ping", secure=True)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    _the_page_headers(refused)
    assert not hasattr(refused.wsgi_request, "session")


def test_other_paths_still_go_through_every_middleware(db):
    page = Client().get("/inquiry/", secure=True)
    assert page.status_code == 200
    assert hasattr(page.wsgi_request, "session")
    assert page["Content-Language"] == "fa"
    api = Client().get("/api/v1/places/provinces", secure=True)
    assert hasattr(api.wsgi_request, "user")


def test_a_retried_inquiry_replays_its_first_answer(bank):
    body = {"national_code": "0499370899", "card_serial": "IR0000000001", "purpose": "LOAN"}
    first = bank.post("/inquiry/card", body, **{"Idempotency-Key": "partner-path-1"})
    again = bank.post("/inquiry/card", body, **{"Idempotency-Key": "partner-path-1"})
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def _load(middleware: list[str]) -> None:
    with override_settings(MIDDLEWARE=middleware):
        BaseHandler().load_middleware()


def test_the_short_way_refuses_a_middleware_list_it_cannot_follow(settings):
    names = list(settings.MIDDLEWARE)
    _load(names)  # as configured: builds
    with pytest.raises(ImproperlyConfigured, match="last"):
        _load([n for n in names if n != END])
    with pytest.raises(ImproperlyConfigured, match="must list"):
        _load([n for n in names if n != PARTNER_KEPT[-1]])
    assert names.index(FORK) < min(names.index(n) for n in PARTNER_KEPT)
    assert isinstance(PartnerApiMiddleware, type)
