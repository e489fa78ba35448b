"""Two desks at once (PostgreSQL): one hand-over of a card, one reminder per card per day,
one receiving of a shipment; and the audit chain stays whole."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from hoviat.core.errors import DomainError
from hoviat.core.tests.factories import audit_log_holds
from hoviat.delivery.models import Collection, Handover, ShipmentReceipt
from hoviat.delivery.services import (
    ChosenPins,
    FingerprintSample,
    card_handover,
    collection_reminders_send,
    shipment_receive,
)
from hoviat.delivery.tests.fixtures_handover import simulator_finger
from hoviat.notifications.models import SmsMessage


def race(work: Callable[[], object], n: int = 2) -> list[object]:
    start = threading.Barrier(n)
    outcomes: list[object] = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append(work())
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_handing_over_one_card_hand_it_over_once(sara_ready, reza):
    def hand_over():
        return card_handover(
            card_serial=sara_ready.card.csn,
            operator=reza,
            national_code="0499370899",
            tracking_code=sara_ready.application.tracking_code,
            fingerprint=FingerprintSample(position=1, image=simulator_finger("0499370899")),
            pins=ChosenPins("4321", "8765", "1357", "4321"),
        ).pk

    outcomes = race(hand_over)

    assert len(outcomes) == 2
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert next(o for o in outcomes if not isinstance(o, int)) in {
        "INVALID_TRANSITION",
        "CARD_NOT_AT_OFFICE",
    }
    assert Handover.objects.count() == 1
    assert audit_log_holds()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_send_each_reminder_once(in_transit, reza, settings):
    settings.DELIVERY_REMINDER_DAYS = (7,)
    shipment_receive(
        shipment_id=in_transit.shipment.pk,
        card_serials=[c.csn for c in in_transit.cards],
        actor=reza,
    )
    day = timezone.localdate() + dt.timedelta(days=7)

    outcomes = race(lambda: collection_reminders_send(today=day), n=3)

    assert sum(outcomes) == 2  # however the rows fell between the workers
    assert SmsMessage.objects.filter(kind="card_ready_reminder").count() == 2
    assert set(Collection.objects.values_list("reminders_sent", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_receiving_one_shipment_receive_it_once(in_transit, reza):
    serials = [c.csn for c in in_transit.cards]

    outcomes = race(
        lambda: len(
            shipment_receive(
                shipment_id=in_transit.shipment.pk, card_serials=serials, actor=reza
            ).received
        )
    )

    assert sorted(outcomes, key=str) == sorted([2, "NOTHING_TO_RECEIVE"], key=str)
    assert ShipmentReceipt.objects.get().received == 2
    assert Collection.objects.count() == 2
    assert SmsMessage.objects.filter(kind="card_ready").count() == 2
    assert audit_log_holds()
