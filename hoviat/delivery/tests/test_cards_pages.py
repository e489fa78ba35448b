"""The card pages: Sara's cards (report lost or stolen, ask again for a voided card) and the
office counter (report for a holder, restore a found card)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from playwright.sync_api import expect

from hoviat.applications.models import Application
from hoviat.core.tests.factories import browser_sign_in, staff_sign_in
from hoviat.delivery.models import Collection, LossReport
from hoviat.delivery.sweeps import delivery_sweep
from hoviat.delivery.tests.fixtures_cards import PASSWORD
from hoviat.production.models import Card


def _citizen_page(mobile: str) -> Client:
    client = Client()
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()
    return client


@pytest.fixture
def sara_page(sara):
    return _citizen_page(sara.mobile)


def test_sara_sees_her_card_with_its_validity_and_a_report_button(saras_active_card, sara_page):
    html = sara_page.get("/cards/").content.decode()

    assert "فعال" in html
    assert f"/cards/{saras_active_card.csn}/report/" in html
    assert "اعتبار تا" in html


def test_signed_out_visitors_are_sent_to_sign_in(saras_active_card):
    response = Client().get("/cards/")

    assert response.status_code == 302 and "/citizen/sign-in/" in response["Location"]


def test_sara_reports_her_card_stolen_on_the_page(saras_active_card, sara_page):
    url = f"/cards/{saras_active_card.csn}/report/"
    unconfirmed = sara_page.post(url, {"kind": "stolen"})
    assert unconfirmed.status_code == 422
    assert "تأیید کنید" in unconfirmed.content.decode()
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"

    response = sara_page.post(url, {"kind": "stolen", "confirm": "yes"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "گواهی‌های آن باطل شد" in html
    replacement = LossReport.objects.get(card=saras_active_card).replacement
    assert replacement.tracking_code in html.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert Card.objects.get(pk=saras_active_card.pk).status == "revoked"


def test_a_stranger_gets_a_clear_refusal_for_saras_card(saras_active_card):
    response = _citizen_page("09350000000").get(f"/cards/{saras_active_card.csn}/report/")

    assert response.status_code == 404
    assert "فقط کارت خودتان" in response.content.decode()


def test_sara_asks_again_for_her_voided_card_on_the_page(saras_card_at_office, sara_page):
    card = saras_card_at_office[0]
    delivery_sweep(today=Collection.objects.get(card=card).hold_until + dt.timedelta(days=1))
    html = sara_page.get("/cards/").content.decode()
    assert "درخواست صدور دوباره" in html

    response = sara_page.post(f"/cards/{card.csn}/reissue/")

    assert response.status_code == 302
    application = Application.objects.get(status="pre_registered", citizen=card.application.citizen)
    assert response["Location"] == f"/citizen/applications/{application.public_id}/"
    followed = sara_page.get(response["Location"]).content.decode()
    assert "بدون مراجعه حضوری" in followed


def _office(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def test_reza_reports_and_restores_a_card_at_the_counter(saras_active_card, reza):
    page = _office(reza)
    wrong = page.post(
        "/cards/office/",
        {
            "action": "report",
            "csn": saras_active_card.csn,
            "national_code": "0012345679",
            "kind": "lost",
        },
    )
    assert wrong.status_code == 404
    assert "کد ملی" in wrong.content.decode()

    reported = page.post(
        "/cards/office/",
        {
            "action": "report",
            "csn": saras_active_card.csn,
            "national_code": "0499370899",
            "kind": "lost",
        },
        follow=True,
    )
    assert "گزارش ثبت شد" in reported.content.decode()
    assert Card.objects.get(pk=saras_active_card.pk).status == "suspended"

    restored = page.post(
        "/cards/office/",
        {"action": "found", "csn": saras_active_card.csn, "national_code": "0499370899"},
        follow=True,
    )
    assert "دوباره فعال شد" in restored.content.decode()
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"


def test_the_counter_page_is_for_office_operators_only(kaveh):
    response = _office(kaveh).get("/cards/office/")

    assert response.status_code == 403
    assert "کارگزاران دفاتر" in response.content.decode()


# --- In a real browser -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_sara_reports_her_card_lost(saras_active_card, sara, page, live_server):
    session = SessionStore()
    session["citizen_mobile"] = sara.mobile
    session.save()
    cookie = {"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key}
    page.context.add_cookies([{**cookie, "url": live_server.url}])

    page.goto(f"{live_server.url}/cards/")
    page.get_by_role("link", name="گزارش مفقودی یا سرقت").click()
    page.get_by_label("تأیید می‌کنم").check()
    page.get_by_role("button", name="ثبت گزارش").click()
    # Nothing was chosen for her: the summary, focused, links to the first option.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.locator("#kind_lost")).to_be_focused()
    page.locator("#kind_lost").check()
    page.get_by_label("تأیید می‌کنم").check()
    page.get_by_role("button", name="ثبت گزارش").click()

    assert "معلق شد" in page.get_by_test_id("reported").inner_text()
    assert Card.objects.get(pk=saras_active_card.pk).status == "suspended"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_nasrin_records_an_extension_in_jalali_dates(nasrin, page, live_server):
    from hoviat.delivery.models import ValidityExtension

    page.goto(f"{live_server.url}/accounts/login/?next=/cards/policy/")
    browser_sign_in(page, "nasrin", PASSWORD)
    page.get_by_label("منقضی پیش از").fill("۱۴۰۳/۱۲/۳۰")
    page.get_by_label("معتبر تا").fill("۱۴۰۵/۱۲/۲۹")
    page.get_by_label("از تاریخ اجرا").first.fill("۱۴۰۳/۱۰/۰۱")
    page.get_by_label("مصوبه").first.fill("مصوبه هیئت وزیران")
    page.get_by_role("button", name="ثبت تمدید").click()

    assert "تمدید اعتبار ثبت شد" in page.get_by_role("alert").first.inner_text()
    assert "۱۴۰۵/۱۲/۲۹" in page.get_by_test_id("extensions").inner_text()
    assert ValidityExtension.objects.get().reference == "مصوبه هیئت وزیران"


def test_the_report_page_shows_the_replacement_fee_and_chooses_nothing(
    saras_active_card, sara_page
):
    url = f"/cards/{saras_active_card.csn}/report/"
    html = sara_page.get(url).content.decode()
    fee = django_settings.FEE_LOST_RIALS[0]
    assert f"{fee:,}".replace(",", "٬").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in html
    assert "checked" not in html

    nothing = sara_page.post(url, {"confirm": "yes"})
    page = nothing.content.decode()
    assert nothing.status_code == 422
    assert "data-error-summary" in page and 'href="#kind_lost"' in page
    assert 'id="kind_error"' in page and 'aria-invalid="true"' in page
    unconfirmed = sara_page.post(url, {"kind": "lost"}).content.decode()
    assert 'href="#confirm"' in unconfirmed
    # The answer given stays chosen.
    assert 'value="lost" checked' in unconfirmed
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"


def test_a_counter_report_without_a_kind_marks_the_kind_and_keeps_what_was_typed(
    saras_active_card, reza
):
    response = _office(reza).post(
        "/cards/office/",
        {"action": "report", "csn": saras_active_card.csn, "national_code": "0499370899"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "data-error-summary" in html and 'href="#r_kind"' in html
    assert 'id="r_kind_error"' in html and 'aria-describedby="r_kind_error"' in html
    assert f'value="{saras_active_card.csn}"' in html
    assert "selected" not in html
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"
