"""The hand-over counter as a browser posts it: the holder's photo at the desk (only for the
office holding the card, never cached), the PINs typed by the holder on the pad and never on the
operator's form, an operator's typo that costs the holder nothing, and the printable slip."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.core.jalali import format_jalali
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in
from hoviat.delivery import services
from hoviat.delivery.models import Handover, HandoverAttempt
from hoviat.delivery.pinpad import ChosenPins, SimulatorPinPad, pin_pad
from hoviat.delivery.services import handover_failures_today
from hoviat.delivery.tests.fixtures_handover import simulator_finger
from hoviat.delivery.views import CHECK_SESSION_KEY
from hoviat.pki import services as pki

SARA = "0499370899"
DESK = "/office/delivery/handover/"


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


@pytest.fixture
def reza_pages(reza):
    return signed_in(reza)


def text(response) -> str:
    return response.content.decode()


def desk_form(ready, **changes) -> dict:
    return {
        "step": "verify",
        "card_serial": ready.card.csn,
        "national_code": SARA,
        "tracking_code": ready.application.tracking_code,
        "capture": "simulator",
        "finger_position": "1",
        **changes,
    }


def pad_form(pins=("4321", "8765", "1357"), confirmation=None) -> dict:
    return {
        "pad_id_pin": pins[0],
        "pad_sign_pin": pins[1],
        "pad_nmoc_pin": pins[2],
        "pad_id_pin_confirmation": pins[0] if confirmation is None else confirmation,
    }


def pad_url(ready) -> str:
    return f"/office/delivery/handover/{ready.card.csn}/pad/"


def photo_url(ready) -> str:
    return f"/office/delivery/handover/{ready.card.csn}/photo/"


# --- The photo beside the holder's data ----------------------------------------------------


def test_the_desk_shows_the_holder_beside_the_enrolment_photo_and_has_no_pin_field(
    sara_ready, saras_photo, reza_pages
):
    page = reza_pages.get(DESK, {"card_serial": sara_ready.card.csn})
    assert page.status_code == 200
    body = text(page)
    assert f'src="{photo_url(sara_ready)}"' in body
    assert "سارا محمدی" in body and "۰۸۹۹" in body
    assert SARA not in body  # the national code is typed by the operator, not shown
    assert 'type="password"' not in body
    assert not any(f'name="{f}"' in body for f in ("id_pin", "sign_pin", "nmoc_pin", "puk"))


def test_the_desk_says_so_when_enrolment_kept_no_photo(sara_ready, reza_pages):
    body = text(reza_pages.get(DESK, {"card_serial": sara_ready.card.csn}))
    assert 'data-testid="no-photo"' in body and 'data-testid="holder-photo"' not in body
    assert reza_pages.get(photo_url(sara_ready)).status_code == 404


def test_the_photo_is_decrypted_for_the_office_holding_the_card_and_never_cached(
    sara_ready, saras_photo, reza_pages, reza
):
    response = reza_pages.get(photo_url(sara_ready))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == saras_photo  # decrypted from enrolment's encrypted store
    assert "no-store" in response["Cache-Control"]
    seen = AuditEntry.objects.get(action="biometric.viewed")
    assert str(seen.actor_id) == str(reza.pk)


def test_no_one_but_the_office_holding_the_card_sees_the_photo(
    sara_ready, saras_photo, omid, kaveh, client
):
    assert signed_in(omid).get(photo_url(sara_ready)).status_code == 404
    assert signed_in(kaveh).get(photo_url(sara_ready)).status_code == 403
    anonymous = client.get(photo_url(sara_ready))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not AuditEntry.objects.filter(action="biometric.viewed").exists()


def test_a_handed_over_card_no_longer_shows_its_photo(sara_ready, saras_photo, reza_pages):
    reza_pages.post(DESK, desk_form(sara_ready))
    assert reza_pages.post(pad_url(sara_ready), pad_form()).status_code == 302
    assert reza_pages.get(photo_url(sara_ready)).status_code == 404


def test_a_card_from_reused_biometrics_shows_the_photo_of_the_visit_they_came_from(
    sara_ready, saras_photo, reza_pages
):
    from hoviat.enrolment.models import BiometricFile, Enrolment
    from hoviat.enrolment.selectors import enrolment_face_of
    from tests.factories import ApplicationFactory

    visit = sara_ready.application.enrolment
    later = ApplicationFactory(citizen=sara_ready.application.citizen, status="cancelled")
    reused = Enrolment.objects.create(
        application=later, office_id=visit.office_id, operator_id=visit.operator_id,
        status="completed", started_at=timezone.now(), face_sha256=visit.face_sha256,
        fingerprints=visit.fingerprints,
        reused_from=visit,
    )  # fmt: skip
    assert not BiometricFile.objects.filter(enrolment=reused).exists()
    assert enrolment_face_of(application_id=later.pk).enrolment_id == visit.pk


# --- PINs on the holder's pad --------------------------------------------------------------


def test_the_holder_types_the_pins_on_the_pad_and_the_card_is_handed_over(
    sara_ready, saras_photo, reza_pages
):
    desk = reza_pages.post(DESK, desk_form(sara_ready))
    assert desk.status_code == 302 and desk["Location"] == pad_url(sara_ready)
    assert AuditEntry.objects.filter(action="card.handover_identity_checked").exists()
    assert not Handover.objects.exists()  # nothing handed over before the holder's PINs

    pad = reza_pages.get(pad_url(sara_ready))
    assert pad.status_code == 200
    assert 'name="pad_id_pin"' in text(pad) and "سارا گرامی" in text(pad)
    assert "delivery:" not in text(pad) and "محموله" not in text(pad)  # no desk on it

    done = reza_pages.post(pad_url(sara_ready), pad_form())
    assert done.status_code == 302
    assert done["Location"] == f"/office/delivery/handover/{sara_ready.card.csn}/done/"
    assert pki.chip_verify_pin(csn=sara_ready.card.csn, pin_kind="id", pin="4321")
    assert CHECK_SESSION_KEY not in reza_pages.session
    chosen = AuditEntry.objects.get(action="card.pins_chosen")
    assert chosen.data["pins"] == ["id", "nmoc", "sign"]
    assert AuditEntry.objects.filter(action="card.handover_identity_checked").count() == 1
    assert "4321" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_pins_sent_with_the_operators_form_are_ignored(sara_ready, reza_pages):
    form = desk_form(
        sara_ready, step="handover", id_pin="4321", sign_pin="8765", nmoc_pin="1357",
        id_pin_confirmation="4321",
    )  # fmt: skip
    reza_pages.post(DESK, form)
    assert not Handover.objects.exists()
    # Even on the verify step, the desk's PIN fields never reach the chip.
    assert reza_pages.post(DESK, {**form, "step": "verify"}).status_code == 302
    assert not Handover.objects.exists()
    assert reza_pages.post(pad_url(sara_ready), {}).status_code == 422
    assert not Handover.objects.exists()


def test_the_pad_refuses_without_an_identity_check_of_this_card(sara_ready, reza_pages):
    page = reza_pages.post(pad_url(sara_ready), pad_form())
    assert page.status_code == 422
    assert "هویت را دوباره بسنجید" in text(page)
    assert 'name="pad_id_pin"' not in text(page)
    assert not Handover.objects.exists()


def test_a_wrong_confirmation_on_the_pad_counts_and_the_holder_tries_again(sara_ready, reza_pages):
    reza_pages.post(DESK, desk_form(sara_ready))
    wrong = reza_pages.post(pad_url(sara_ready), pad_form(confirmation="9999"))
    assert wrong.status_code == 403
    assert 'name="pad_id_pin"' in text(wrong)  # still on the pad, the check kept
    assert handover_failures_today(card_id=sara_ready.card.pk) == 1
    assert HandoverAttempt.objects.get().reason == "pin_wrong"
    assert reza_pages.post(pad_url(sara_ready), pad_form()).status_code == 302


def test_an_identity_check_older_than_the_pads_wait_must_be_done_again(sara_ready, reza, settings):
    settings.DELIVERY_PIN_PAD_MINUTES = 10
    check = services.card_handover_verify(
        card_serial=sara_ready.card.csn,
        operator=reza,
        national_code=SARA,
        tracking_code=sara_ready.application.tracking_code,
        fingerprint=services.FingerprintSample(position=1, image=simulator_finger(SARA)),
    )
    stale = services.HandoverCheck(
        **{**check.as_dict(), "checked_at": (timezone.now() - dt.timedelta(minutes=11)).isoformat()}
    )
    pins = ChosenPins("4321", "8765", "1357", "4321")
    with pytest.raises(services.HandoverCheckExpired):
        services.card_handover_complete(check=stale, operator=reza, pins=pins)
    other = services.HandoverCheck(**{**check.as_dict(), "card_id": sara_ready.other_card.pk})
    with pytest.raises(services.HandoverCheckExpired):
        services.card_handover_complete(check=other, operator=reza, pins=pins)
    assert services.card_handover_complete(check=check, operator=reza, pins=pins).pk


class FixedPad:
    """A pad with its own keys: it ignores what any page posts."""

    def read(self, *, csn, screen):
        return ChosenPins("2468", "1357", "9753", "2468")


def test_the_setting_picks_the_pin_pad(sara_ready, reza_pages, settings):
    assert isinstance(pin_pad(), SimulatorPinPad)
    settings.DELIVERY_PIN_PAD = f"{__name__}.FixedPad"
    assert isinstance(pin_pad(), FixedPad)
    reza_pages.post(DESK, desk_form(sara_ready))
    assert reza_pages.post(pad_url(sara_ready), {}).status_code == 302
    assert pki.chip_verify_pin(csn=sara_ready.card.csn, pin_kind="id", pin="2468")


def test_chosen_pins_never_show_in_a_repr():
    assert "4321" not in repr(ChosenPins("4321", "8765", "1357", "4321"))


# --- An operator's typo ----------------------------------------------------------------------


def test_a_mistyped_tracking_code_at_the_desk_is_not_found_and_costs_no_try(
    sara_ready, reza_pages, settings
):
    settings.DELIVERY_HANDOVER_MAX_FAILURES = 3
    for _ in range(4):
        page = reza_pages.post(DESK, desk_form(sara_ready, tracking_code="12345678901"))
        assert page.status_code == 422
        assert "کد رهگیری پیدا نشد" in text(page)
        assert 'data-testid="not-counted"' in text(page)
    assert handover_failures_today(card_id=sara_ready.card.pk) == 0
    assert reza_pages.post(DESK, desk_form(sara_ready)).status_code == 302


def test_a_wrong_finger_at_the_desk_counts(sara_ready, reza_pages):
    page = reza_pages.post(DESK, desk_form(sara_ready, simulator_person="0013542419"))
    assert page.status_code == 422
    assert "اثر انگشت با اثر ثبت‌شده" in text(page)
    assert "تلاش‌های باقی‌ماندهٔ امروز: ۲" in text(page)
    assert handover_failures_today(card_id=sara_ready.card.pk) == 1


# --- The slip ----------------------------------------------------------------------------------


def test_the_printable_slip_is_persian_jalali_and_carries_no_pin_nor_the_full_national_code(
    sara_ready, reza_pages, omid
):
    reza_pages.post(DESK, desk_form(sara_ready))
    reza_pages.post(pad_url(sara_ready), pad_form())
    done = reza_pages.get(f"/office/delivery/handover/{sara_ready.card.csn}/done/")
    slip_url = f"/office/delivery/handover/{sara_ready.card.csn}/slip/"
    assert slip_url in text(done)

    slip = reza_pages.get(slip_url)
    assert slip.status_code == 200
    body = text(slip)
    handover = Handover.objects.get()
    assert "برگهٔ تحویل کارت هوشمند ملی" in body
    assert format_jalali(handover.handed_over_at, with_time=True) in body
    assert "••••••۰۸۹۹" in body
    assert SARA not in body and "۰۴۹۹۳۷۰۸۹۹" not in body
    assert sara_ready.application.tracking_code not in body
    for pin in ("4321", "8765", "1357", "۴۳۲۱", "۸۷۶۵", "۱۳۵۷"):
        assert pin not in body
    assert "css/handover.css" in body and "js/print.js" in body and "data-print" in body
    assert "<script>" not in body and "style=" not in body  # the CSP: static files only
    assert signed_in(omid).get(slip_url).status_code == 404


def test_the_slip_stylesheet_prints_without_the_sites_navigation():
    from django.contrib.staticfiles import finders

    with open(finders.find("css/handover.css"), encoding="utf-8") as file:
        css = file.read()
    assert "@media print" in css
    assert "nav, footer, .no-print" in css
