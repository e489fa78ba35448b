"""Receiving a shipment at its office, through the API as the office's software would."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from hoviat.core.models import AuditEntry
from hoviat.delivery.models import Collection, ShipmentReceipt
from hoviat.delivery.tests.fixtures_cards import cards_in_transit, token_client
from hoviat.notifications.models import SmsMessage
from hoviat.production.models import Card


def receive(client, shipment_id, serials):
    return client.post(
        f"/api/v1/shipments/{shipment_id}/receive",
        json.dumps({"card_serials": serials}),
        content_type="application/json",
    )


def test_it_receives_every_scanned_card_and_queues_their_ready_notices(
    in_transit, reza, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_HOLD_DAYS = 90
    cards = in_transit.cards
    with django_capture_on_commit_callbacks(execute=True):
        response = receive(token_client(reza), in_transit.shipment.pk, [c.csn for c in cards])

    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["received"]) == sorted(c.csn for c in cards)
    assert body["missing"] == [] and body["unexpected"] == []
    assert body["sms_queued"] == 2
    for card, app in zip(cards, in_transit.applications, strict=True):
        card.refresh_from_db()
        app.refresh_from_db()
        assert card.status == "at_office"
        assert app.status == "ready_at_office"
        collection = Collection.objects.get(card=card)
        assert (collection.hold_until - collection.arrived_at.date()).days in (89, 90, 91)
        assert collection.next_reminder_on is not None
        sms = collection.last_sms
        assert sms.kind == "card_ready" and sms.to == app.mobile
        # Sent at commit by the (immediate) worker, with the serial's tail and the office.
        assert sms.status == "sent"
        assert card.csn[-4:].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in sms.body
        assert "اداره پست مرکزی بوشهر" in sms.body
    in_transit.shipment.refresh_from_db()
    assert in_transit.shipment.status == "received"
    assert AuditEntry.objects.filter(action="card.at_office").count() == 2
    assert AuditEntry.objects.filter(action="application.ready_at_office").count() == 2


def test_it_reads_persian_digits_spaces_and_one_serial_per_line(in_transit, reza):
    fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    text = "\n".join(f"  {c.csn[:4]} {c.csn[4:].translate(fa)} " for c in in_transit.cards)
    response = receive(token_client(reza), in_transit.shipment.pk, text)
    assert response.status_code == 200, response.content
    assert len(response.json()["received"]) == 2


def test_it_flags_missing_cards_and_receives_the_rest(in_transit, reza):
    first, second = in_transit.cards
    response = receive(token_client(reza), in_transit.shipment.pk, [first.csn, "IR9999999999"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["received"] == [first.csn]
    assert body["missing"] == [second.csn]
    assert body["unexpected"] == ["IR9999999999"]
    second.refresh_from_db()
    assert second.status == "in_transit"
    receipt = ShipmentReceipt.objects.get(shipment=in_transit.shipment)
    assert (receipt.expected, receipt.received) == (2, 1)
    assert receipt.missing == [second.csn] and receipt.unexpected == ["IR9999999999"]
    assert AuditEntry.objects.filter(action="shipment.discrepancy").exists()


def test_a_missing_card_that_turns_up_later_is_received_then(in_transit, reza):
    first, second = in_transit.cards
    client = token_client(reza)
    receive(client, in_transit.shipment.pk, [first.csn])
    response = receive(client, in_transit.shipment.pk, [second.csn])

    assert response.status_code == 200, response.content
    assert response.json()["missing"] == []
    receipt = ShipmentReceipt.objects.get(shipment=in_transit.shipment)
    assert (receipt.received, receipt.missing) == (2, [])
    assert Collection.objects.filter(card__in=in_transit.cards).count() == 2


def test_a_serial_of_another_office_reads_as_unknown_and_the_probe_is_audited(
    in_transit, reza, omid, other_office, kaveh
):
    theirs = cards_in_transit(other_office, omid, kaveh, n=1)
    serials = [c.csn for c in in_transit.cards] + [theirs.cards[0].csn]

    response = receive(token_client(reza), in_transit.shipment.pk, serials)

    # Answered as for a serial that does not exist: listed as not in this shipment.
    assert response.status_code == 200, response.content.decode()
    assert response.json()["unexpected"] == [theirs.cards[0].csn]
    assert other_office.name not in response.content.decode()
    assert sorted(response.json()["received"]) == sorted(c.csn for c in in_transit.cards)
    assert Card.objects.get(pk=theirs.cards[0].pk).status == "in_transit"
    assert AuditEntry.objects.filter(
        action="shipment.receive_foreign_serials", reason="serials_of_other_office"
    ).exists()


def test_only_the_shipments_own_office_may_receive_it(in_transit, omid):
    response = receive(token_client(omid), in_transit.shipment.pk, [in_transit.cards[0].csn])
    unknown = receive(token_client(omid), in_transit.shipment.pk + 1000, ["IR0000000000"])
    assert response.status_code == unknown.status_code == 404
    assert response.json()["code"] == unknown.json()["code"] == "SHIPMENT_NOT_FOUND"
    assert response.json()["detail"] == unknown.json()["detail"]


def test_a_production_operator_cannot_receive(in_transit, kaveh):
    response = receive(token_client(kaveh), in_transit.shipment.pk, [in_transit.cards[0].csn])
    assert response.status_code == 403
    assert response.json()["code"] == "ACCESS_DENIED"


def test_it_refuses_a_shipment_not_yet_dispatched(real_pki, bushehr_post_office, reza, kaveh):
    from hoviat.production.models import Shipment

    transit = cards_in_transit(bushehr_post_office, reza, kaveh, n=1)
    Shipment.objects.filter(pk=transit.shipment.pk).update(status="packed")
    response = receive(token_client(reza), transit.shipment.pk, [transit.cards[0].csn])
    assert response.status_code == 409
    assert response.json()["code"] == "SHIPMENT_NOT_RECEIVABLE"


def test_it_refuses_an_empty_scan_and_one_with_nothing_of_this_shipment(in_transit, reza):
    client = token_client(reza)
    empty = receive(client, in_transit.shipment.pk, "  \n ")
    assert empty.status_code == 422 and empty.json()["code"] == "CARD_SERIALS_REQUIRED"
    stray = receive(client, in_transit.shipment.pk, ["IR0000000000"])
    assert stray.status_code == 422 and stray.json()["code"] == "NOTHING_TO_RECEIVE"
    assert not ShipmentReceipt.objects.exists()


def test_a_shipment_received_twice_receives_nothing_the_second_time(in_transit, reza):
    client = token_client(reza)
    serials = [c.csn for c in in_transit.cards]
    assert receive(client, in_transit.shipment.pk, serials).status_code == 200
    again = receive(client, in_transit.shipment.pk, serials)
    assert again.status_code == 422
    assert again.json()["code"] == "NOTHING_TO_RECEIVE"
    assert SmsMessage.objects.filter(kind="card_ready").count() == 2


_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@given(
    serials=st.lists(st.integers(min_value=0, max_value=10**10 - 1), min_size=1, max_size=8),
    persian=st.booleans(),
    separator=st.sampled_from(["\n", "\r\n", ", ", "،", " ; ", "\n\n  "]),
    grouped=st.booleans(),
)
def test_typed_serials_read_back_as_the_serials_in_order_each_once(
    serials, persian, separator, grouped
):
    from hoviat.delivery.services import card_serials_parse

    expected = list(dict.fromkeys(f"IR{n:010d}" for n in serials))
    typed = []
    for serial in [f"IR{n:010d}" for n in serials]:
        digits = serial[2:].translate(_FA) if persian else serial[2:]
        if grouped:  # as people type it: in groups of four, with spaces or dashes
            digits = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
        typed.append(f" {serial[:2].lower()}-{digits} ")
    assert card_serials_parse(separator.join(typed)) == expected
    assert card_serials_parse(typed) == expected


def test_a_retried_receive_with_the_same_idempotency_key_is_answered_again_not_redone(
    in_transit, reza
):
    client = token_client(reza)
    body = json.dumps({"card_serials": [c.csn for c in in_transit.cards]})
    url = f"/api/v1/shipments/{in_transit.shipment.pk}/receive"
    headers = {"Idempotency-Key": "scan-2026-11-22-001"}
    first = client.post(url, body, content_type="application/json", headers=headers)
    again = client.post(url, body, content_type="application/json", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SmsMessage.objects.filter(kind="card_ready").count() == 2
