"""Validity policy: extensions and the paper card cut-off, recorded by the national admin
(page and API), followed by the expiry sweep and the validity answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from hoviat.core.errors import AccessDenied
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in
from hoviat.delivery.models import PaperCardCutoff, ValidityExtension
from hoviat.delivery.selectors import card_valid_until, paper_card_standing
from hoviat.delivery.services import cards_expire, validity_extension_record
from hoviat.production.models import Card

TODAY = dt.date(2026, 11, 22)


def _signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def test_nasrin_records_an_extension_on_the_policy_page_in_jalali_dates(nasrin):
    page = _signed_in(nasrin)

    response = page.post(
        "/cards/policy/",
        {
            "action": "extension",
            "expiring_before": "۱۴۰۴/۰۱/۰۱",  # 2025-03-21
            "valid_until": "1405/12/29",  # 2027-03-20
            "effective_from": "1403/10/01",
            "reference": "مصوبه هیئت وزیران",
        },
    )

    assert response.status_code == 302
    extension = ValidityExtension.objects.get()
    assert extension.expiring_before == dt.date(2025, 3, 21)
    assert extension.valid_until == dt.date(2027, 3, 20)
    assert card_valid_until(expires_on=dt.date(2025, 1, 1), on=TODAY) == dt.date(2027, 3, 20)
    assert card_valid_until(expires_on=dt.date(2025, 6, 1), on=TODAY) == dt.date(2025, 6, 1)
    assert AuditEntry.objects.filter(action="policy.extension_recorded").count() == 1
    listing = page.get("/cards/policy/").content.decode()
    assert "مصوبه هیئت وزیران" in listing and "۱۴۰۵/۱۲/۲۹" in listing


def test_a_wrong_date_is_said_beside_its_field_and_the_others_are_kept(nasrin):
    response = _signed_in(nasrin).post(
        "/cards/policy/",
        {
            "action": "extension",
            "expiring_before": "1404/01/01",
            "valid_until": "1405/13/40",
            "effective_from": "1403/10/01",
            "reference": "مصوبه",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "data-error-summary" in html and 'href="#e_until"' in html
    assert 'id="e_until_error"' in html and 'aria-describedby="e_until_error"' in html
    assert 'value="1404/01/01"' in html and 'value="مصوبه"' in html
    assert not ValidityExtension.objects.exists()


def test_it_refuses_an_extension_that_would_shorten_validity_with_a_clear_message(nasrin):
    response = _signed_in(nasrin).post(
        "/cards/policy/",
        {
            "action": "extension",
            "expiring_before": "1405/01/01",
            "valid_until": "1404/01/01",
            "effective_from": "1403/10/01",
            "reference": "x",
        },
    )

    assert response.status_code == 422
    assert "نمی‌تواند اعتبار را کوتاه کند" in response.content.decode()
    assert not ValidityExtension.objects.exists()


def test_only_the_national_admin_sees_the_policy_page(reza, maryam):
    for user in (reza, maryam):
        response = _signed_in(user).get("/cards/policy/")
        assert response.status_code == 403
        assert "مدیر ملی" in response.content.decode()


def test_a_deactivated_national_admin_records_no_policy(nasrin):
    nasrin.is_active = False
    nasrin.save(update_fields=["is_active"])

    with pytest.raises(AccessDenied):
        validity_extension_record(
            expiring_before=dt.date(2025, 3, 21),
            valid_until=dt.date(2027, 3, 20),
            effective_from=dt.date(2024, 12, 1),
            reference="مصوبه",
            actor=nasrin,
        )
    assert not ValidityExtension.objects.exists()


def test_the_policy_api_records_and_withdraws_an_extension(nasrin_api, reza_counter_api):
    body = {
        "expiring_before": "2025-03-21",
        "valid_until": "2027-03-20",
        "effective_from": "2024-12-21",
        "reference": "مصوبه ۱",
    }
    refused = reza_counter_api.post(
        "/api/v1/policy/validity-extensions", body, content_type="application/json"
    )
    assert refused.status_code == 403

    made = nasrin_api.post(
        "/api/v1/policy/validity-extensions", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    extension_id = made.json()["id"]
    assert (
        nasrin_api.get("/api/v1/policy/validity?expires_on=2025-01-01&on=2026-11-22").json()[
            "valid_until"
        ]
        == "2027-03-20"
    )

    withdrawn = nasrin_api.post(
        f"/api/v1/policy/validity-extensions/{extension_id}/withdraw",
        {"reason": "اشتباه"},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200
    assert card_valid_until(expires_on=dt.date(2025, 1, 1), on=TODAY) == dt.date(2025, 1, 1)
    again = nasrin_api.post(
        f"/api/v1/policy/validity-extensions/{extension_id}/withdraw",
        {},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "POLICY_ALREADY_WITHDRAWN"


def test_an_extension_counts_only_from_its_effective_date(nasrin):
    validity_extension_record(
        expiring_before=dt.date(2027, 1, 1),
        valid_until=dt.date(2028, 1, 1),
        effective_from=dt.date(2026, 12, 1),
        reference="later",
        actor=nasrin,
    )

    assert card_valid_until(expires_on=dt.date(2026, 6, 1), on=TODAY) == dt.date(2026, 6, 1)
    assert card_valid_until(expires_on=dt.date(2026, 6, 1), on=dt.date(2026, 12, 1)) == dt.date(
        2028, 1, 1
    )


def test_the_paper_card_cutoff_is_recorded_and_followed(nasrin_api):
    made = nasrin_api.post(
        "/api/v1/policy/paper-card-cutoffs",
        {"accepted_until": "1403/03/31", "effective_from": "1402/12/01", "reference": "مصوبه"},
        content_type="application/json",
    )

    assert made.status_code == 201, made.content
    cutoff = PaperCardCutoff.objects.get()
    assert cutoff.accepted_until == dt.date(2024, 6, 20)
    assert paper_card_standing(on=dt.date(2024, 6, 20)).accepted
    assert not paper_card_standing(on=dt.date(2024, 6, 21)).accepted


# --- The expiry sweep ------------------------------------------------------------------------


def test_the_sweep_expires_cards_past_validity_unless_an_extension_covers_them(
    saras_active_card, nasrin
):
    Card.objects.filter(pk=saras_active_card.pk).update(expires_on=dt.date(2025, 1, 1))
    extension = validity_extension_record(
        expiring_before=dt.date(2025, 3, 21),
        valid_until=dt.date(2027, 3, 20),
        effective_from=dt.date(2024, 12, 1),
        reference="تمدید",
        actor=nasrin,
    )

    assert cards_expire(today=TODAY) == 0
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"

    assert cards_expire(today=dt.date(2027, 3, 21)) == 1
    card = Card.objects.get(pk=saras_active_card.pk)
    assert card.status == "expired"
    entry = AuditEntry.objects.get(action="card.expired")
    assert entry.object_id == str(card.pk) and entry.from_state == "active"
    assert extension.pk


def test_a_withdrawn_extension_no_longer_saves_a_card_from_expiry(saras_active_card, nasrin):
    from hoviat.delivery.services import validity_extension_withdraw

    Card.objects.filter(pk=saras_active_card.pk).update(expires_on=dt.date(2025, 1, 1))
    extension = validity_extension_record(
        expiring_before=dt.date(2025, 3, 21),
        valid_until=dt.date(2027, 3, 20),
        effective_from=dt.date(2024, 12, 1),
        reference="تمدید",
        actor=nasrin,
    )
    validity_extension_withdraw(extension_id=extension.pk, actor=nasrin)

    assert cards_expire(today=TODAY) == 1
    assert Card.objects.get(pk=saras_active_card.pk).status == "expired"


def test_the_policy_command_shows_what_is_in_force(nasrin, capsys):
    from django.core.management import call_command

    validity_extension_record(
        expiring_before=dt.date(2025, 3, 21),
        valid_until=dt.date(2027, 3, 20),
        effective_from=dt.date(2024, 12, 1),
        reference="مصوبه",
        actor=nasrin,
    )

    call_command("policy", "show", "--on", "2026-11-22")
    call_command("policy", "validity", "1403/10/11", "--on", "2026-11-22")

    out = capsys.readouterr().out
    assert "valid until 2027-03-20" in out
    assert "printed 2024-12-31: valid until 2027-03-20" in out
    assert "old paper cards on 2026-11-22: accepted (until no cut-off decided)" in out
