"""The office's delivery pages and the citizen's side of a waiting card, as a browser posts them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hoviat.core.tests.factories import staff_sign_in
from hoviat.core.text import fold_digits
from hoviat.delivery.models import Handover, HandoverAttempt
from hoviat.delivery.tests.fixtures_cards import cards_in_transit
from hoviat.notifications.models import SmsMessage


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


@pytest.fixture
def reza_pages(reza):
    return signed_in(reza)


def text(response) -> str:
    return response.content.decode()


def test_reza_sees_the_incoming_shipment_and_receives_it_with_a_card_missing(
    in_transit, reza_pages
):
    home = reza_pages.get("/office/delivery/")
    assert home.status_code == 200
    assert f"/office/delivery/shipments/{in_transit.shipment.pk}/receive/" in text(home)

    first, second = in_transit.cards
    page = reza_pages.post(
        f"/office/delivery/shipments/{in_transit.shipment.pk}/receive/",
        {"card_serials": f"{first.csn}\n"},
    )
    assert page.status_code == 200
    body = text(page)
    assert "۱ کارت دریافت شد" in body
    assert "اسکن نشدند" in body and second.csn in body
    # Still listed at home: a card of it is still on its way.
    assert f"/shipments/{in_transit.shipment.pk}/receive/" in text(
        reza_pages.get("/office/delivery/")
    )


def test_the_receive_page_lists_another_offices_serial_as_not_in_the_shipment(
    in_transit, reza_pages, omid, other_office, kaveh
):
    theirs = cards_in_transit(other_office, omid, kaveh, n=1).cards[0]
    page = reza_pages.post(
        f"/office/delivery/shipments/{in_transit.shipment.pk}/receive/",
        {"card_serials": f"{in_transit.cards[0].csn}\n{theirs.csn}"},
        follow=True,
    )
    assert page.status_code == 200
    assert "دفتر دیگری" not in text(page) and other_office.name not in text(page)


def test_another_offices_shipment_page_is_not_found(in_transit, omid):
    page = signed_in(omid).get(f"/office/delivery/shipments/{in_transit.shipment.pk}/receive/")
    assert page.status_code == 404


def test_the_waiting_page_marks_a_failed_notice(sara_ready, reza_pages):
    SmsMessage.objects.filter(kind="card_ready", to=sara_ready.application.mobile).update(
        status="failed", last_error="provider status 411"
    )
    page = reza_pages.get("/office/delivery/waiting/?failed=1")
    assert page.status_code == 200
    body = text(page)
    assert "سارا محمدی" in body and "ارسال نشد" in body
    assert sara_ready.other_card.csn not in body  # its notice did not fail
    home = text(reza_pages.get("/office/delivery/"))
    assert 'data-testid="waiting-count">۲<' in home
    assert "/office/delivery/waiting/?failed=1" in home  # one failed notice, linked


def test_the_desk_refuses_the_wrong_person_in_persian_and_then_hands_over(sara_ready, reza_pages):
    form = {
        "step": "verify",
        "card_serial": sara_ready.card.csn,
        "national_code": "0013542419",
        "tracking_code": sara_ready.application.tracking_code,
        "capture": "simulator",
        "finger_position": "1",
    }
    refused = reza_pages.post("/office/delivery/handover/", form)
    assert refused.status_code == 422
    assert "کد ملی با دارنده این کارت یکسان نیست" in text(refused)
    assert HandoverAttempt.objects.filter(reason="wrong_person").count() == 1

    checked = reza_pages.post("/office/delivery/handover/", {**form, "national_code": "0499370899"})
    assert checked.status_code == 302
    pad = {
        "pad_id_pin": "4321",
        "pad_sign_pin": "8765",
        "pad_nmoc_pin": "1357",
        "pad_id_pin_confirmation": "4321",
    }
    done = reza_pages.post(checked["Location"], pad)
    assert done.status_code == 302
    page = reza_pages.get(done["Location"])
    assert "تحویل داده شده" in text(page)
    assert Handover.objects.filter(card=sara_ready.card).exists()


def test_the_desk_shows_a_card_of_another_office_as_not_found_without_counting_it(sara_ready, omid):
    desk = signed_in(omid)
    page = desk.get(f"/office/delivery/handover/?card_serial={sara_ready.card.csn}")
    unknown = desk.get("/office/delivery/handover/?card_serial=IR0000000000")
    assert page.status_code == unknown.status_code == 404
    assert "اداره پست مرکزی بوشهر" not in text(page)
    assert "کارتی با این شماره سریال یافت نشد." in text(page)
    assert not HandoverAttempt.objects.exists()


def test_only_office_operators_see_the_delivery_pages(kaveh, client):
    assert signed_in(kaveh).get("/office/delivery/").status_code == 403
    anonymous = client.get("/office/delivery/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_tracking_page_shows_the_office_and_a_failed_notice_with_the_way_out(
    sara_ready, client
):
    SmsMessage.objects.filter(kind="card_ready").update(status="undeliverable")
    app = sara_ready.application
    page = client.post(
        "/track/", {"national_code": "0499370899", "tracking_code": app.tracking_code}
    )
    body = text(page)
    assert "کارت شما آماده تحویل است" in body
    assert "اداره پست مرکزی بوشهر" in body
    assert "نرسید" in body
    # The way out is a POST form to the new-mobile page: the codes travel in its body.
    form = re.search(
        r'<form method="post" action="/track/card-mobile/".*?</form>', page.content.decode(), re.S
    )
    assert form is not None
    assert 'name="step" value="start"' in form.group(0)
    assert f'value="{app.tracking_code}"' in form.group(0)


def test_the_tracking_page_says_nothing_of_a_notice_that_went_through(sara_ready, client):
    app = sara_ready.application
    SmsMessage.objects.filter(kind="card_ready").update(status="delivered")
    body = text(
        client.post("/track/", {"national_code": "0499370899", "tracking_code": app.tracking_code})
    )
    assert "کارت شما آماده تحویل است" in body
    assert 'data-testid="notice-failed"' not in body


def test_the_citizen_changes_the_mobile_on_the_page_with_a_code(
    sara_ready, client, django_capture_on_commit_callbacks
):
    app = sara_ready.application
    ask = {
        "national_code": "0499370899",
        "tracking_code": app.tracking_code,
        "mobile": "09351112233",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/track/card-mobile/", ask)
    assert first.status_code == 200
    assert "کدی که به شماره تازه پیامک شد" in text(first)
    otp = SmsMessage.objects.filter(to="09351112233", kind="otp").latest("pk")
    code = re.search(r"\d{4,}", fold_digits(otp.body)).group(0)

    wrong = client.post("/track/card-mobile/", {**ask, "step": "verify", "code": "000000"})
    assert wrong.status_code != 200
    assert "کد" in text(wrong)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/track/card-mobile/", {**ask, "step": "verify", "code": code})
    assert done.status_code == 200
    assert "دوباره به آن فرستاده شد" in text(done)
    assert SmsMessage.objects.filter(to="09351112233", kind="card_ready").exists()


def test_the_tracking_api_tells_where_the_card_waits_and_that_the_notice_failed(sara_ready, client):
    SmsMessage.objects.filter(kind="card_ready").update(status="failed")
    app = sara_ready.application

    response = client.get(
        "/api/v1/track", {"national_code": "0499370899", "tracking_code": app.tracking_code}
    )

    assert response.status_code == 200, response.content
    waiting = response.json()["card_waiting"]
    assert waiting["office_name"] == "اداره پست مرکزی بوشهر"
    assert waiting["card_tail"] == sara_ready.card.csn[-4:]
    assert waiting["notice_status"] == "failed" and waiting["notice_failed"] is True
    assert waiting["change_mobile_url"] == "/track/card-mobile/"  # no codes in the address
    assert waiting["hold_until"] == sara_ready.card.collection.hold_until.isoformat()


def test_the_tracking_api_has_no_waiting_card_before_the_card_arrives(
    saras_card_in_transit, client
):
    app = saras_card_in_transit.applications[0]
    response = client.get(
        "/api/v1/track", {"national_code": "0499370899", "tracking_code": app.tracking_code}
    )
    assert response.status_code == 200
    assert response.json()["card_waiting"] is None
