"""Re-issue of a card voided because it was not collected: with kept biometrics the paid
application goes to production without a visit; otherwise the citizen books one."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.delivery.models import Collection
from hoviat.delivery.services import applications_release_prepared
from hoviat.delivery.sweeps import delivery_sweep
from hoviat.delivery.tests.fixtures_lifecycle import citizen_client
from hoviat.enrolment.models import Enrolment
from hoviat.payments.tests.conftest import card_form, path_of
from hoviat.production.models import Card


def _void(card) -> None:
    today = Collection.objects.get(card=card).hold_until + dt.timedelta(days=1)
    delivery_sweep(today=today)


def _pay(api: Client, tracking_code: str) -> None:
    """Through the API and the sandbox bank, as the citizen's browser would."""
    start = api.post(f"/api/v1/applications/{tracking_code}/payment")
    assert start.status_code == 201, start.content
    browser = Client()
    bank = browser.post(path_of(start.json()["payment_url"]), card_form())
    assert bank.status_code == 303
    browser.get(path_of(bank["Location"]))


def test_sara_asks_again_for_her_voided_card_and_it_goes_to_production_once_paid(
    saras_card_at_office, sara_api, kaveh, monkeypatch
):
    voided = saras_card_at_office[0]
    _void(voided)

    response = sara_api.post(f"/api/v1/cards/{voided.csn}/reissue")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fee_rials"] == 1_450_000
    assert body["next_step"] == "payment_then_production"
    application = Application.objects.get(tracking_code=body["tracking_code"])
    assert application.status == "pre_registered"
    assert application.enrolment.reused_from == voided.application.enrolment

    _pay(sara_api, application.tracking_code)
    application.refresh_from_db()
    assert application.status == "paid"

    assert applications_release_prepared() == 1
    application.refresh_from_db()
    assert application.status == "enrolled" and application.enrolled_at is not None

    from hoviat.pki import services as pki
    from hoviat.production.services import production_run, stock_deliver

    chips = []
    real = pki.cards_personalise
    monkeypatch.setattr(pki, "cards_personalise", lambda cards: chips.extend(cards) or real(cards))
    stock_deliver(quantity=10, lot="RE", actor=kaveh)
    production_run(date=timezone.localdate(), actor=kaveh)
    new_card = Card.objects.get(application=application)
    assert new_card.status == "personalised"
    assert new_card.office_id == voided.office_id
    # The new chip carries the face and fingers captured at the first visit.
    (chip,) = chips
    assert chip["photo_sha256"] == voided.application.enrolment.face_sha256 == "f" * 64
    assert chip["fingerprint_sha256"] == {"1": "a" * 64}


def test_the_paid_hook_releases_at_once_after_the_payment_commits(
    saras_card_at_office, sara_api, django_capture_on_commit_callbacks
):
    voided = saras_card_at_office[0]
    _void(voided)
    tracking = sara_api.post(f"/api/v1/cards/{voided.csn}/reissue").json()["tracking_code"]
    # The payment's commit runs the applications app's `application_paid` hook, on which
    # delivery registered the release (DeliveryConfig.ready).
    with django_capture_on_commit_callbacks(execute=True):
        _pay(sara_api, tracking)

    assert Application.objects.get(tracking_code=tracking).status == "enrolled"


def test_with_stale_biometrics_the_reissue_waits_for_a_booking(
    saras_card_at_office, sara_api, settings
):
    voided = saras_card_at_office[0]
    _void(voided)
    settings.DELIVERY_BIOMETRIC_RETENTION_DAYS = 1
    Enrolment.objects.filter(application=voided.application).update(
        completed_at=timezone.now() - dt.timedelta(days=2)
    )

    body = sara_api.post(f"/api/v1/cards/{voided.csn}/reissue").json()

    assert body["next_step"] == "payment_then_booking"
    application = Application.objects.get(tracking_code=body["tracking_code"])
    _pay(sara_api, application.tracking_code)
    assert applications_release_prepared() == 0
    assert Application.objects.get(pk=application.pk).status == "paid"


def test_it_refuses_to_reissue_a_card_that_was_not_voided(saras_card_at_office, sara_api):
    response = sara_api.post(f"/api/v1/cards/{saras_card_at_office[0].csn}/reissue")

    assert response.status_code == 409
    assert response.json()["code"] == "CARD_NOT_REISSUABLE"


def test_it_refuses_a_second_reissue_while_the_first_is_open(saras_card_at_office, sara_api):
    voided = saras_card_at_office[0]
    _void(voided)
    assert sara_api.post(f"/api/v1/cards/{voided.csn}/reissue").status_code == 201

    again = sara_api.post(f"/api/v1/cards/{voided.csn}/reissue")

    assert again.status_code == 409
    assert again.json()["code"] == "APPLICATION_ALREADY_OPEN"


def test_a_stranger_cannot_reissue_saras_card(saras_card_at_office):
    voided = saras_card_at_office[0]
    _void(voided)

    response = citizen_client("09350000000").post(f"/api/v1/cards/{voided.csn}/reissue")

    assert response.status_code == 404
    assert response.json()["code"] == "CARD_NOT_YOURS"
    assert not Application.objects.filter(status="pre_registered").exists()
