"""Cards past the counter: Sara's card received at Reza's office (through the receiving
service) and, for the lost/stolen tests, in her hand and active. Citizen and staff clients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.delivery.models import Collection
from hoviat.delivery.tests.fixtures_cards import token_client
from hoviat.production.models import Card
from tests.factories import (
    ApplicationFactory,
    CardFactory,
    CitizenFactory,
    CitizenSessionFactory,
    CollectionFactory,
)

__all__ = [
    "cards_at_office",
    "cards_waiting",
    "citizen_client",
    "hand_over_directly",
    "nasrin_api",
    "reza_counter_api",
    "sara_api",
    "saras_active_card",
    "saras_card_at_office",
]


def cards_received(transit, operator) -> list[Card]:
    """What receiving does, through its service: cards at_office with a Collection row each."""
    from hoviat.delivery.services.receiving import shipment_receive

    shipment_receive(
        shipment_id=transit.shipment.pk,
        card_serials=[c.csn for c in transit.cards],
        actor=operator,
    )
    return [Card.objects.get(pk=c.pk) for c in transit.cards]


def hand_over_directly(card: Card, *, days_ago: int = 0) -> Card:
    """The state a hand-over leaves (tested by the hand-over's own tests): active, delivered."""
    now = timezone.now() - dt.timedelta(days=days_ago)
    Card.objects.filter(pk=card.pk).update(status="active")
    Application.objects.filter(pk=card.application_id).update(status="delivered", closed_at=now)
    Collection.objects.filter(card=card).update(collected_at=now)
    return Card.objects.get(pk=card.pk)


@pytest.fixture
def cards_at_office(in_transit, reza):
    return cards_received(in_transit, reza)


@pytest.fixture
def saras_card_at_office(saras_card_in_transit, reza):
    """Sara's card (first) and a stranger's, received at Reza's office today."""
    return cards_received(saras_card_in_transit, reza)


@pytest.fixture
def saras_active_card(saras_card_at_office):
    """Sara's card in her hand (active); the stranger's card is still at the office."""
    return hand_over_directly(saras_card_at_office[0])


def citizen_client(mobile: str) -> Client:
    """An API client signed in as a citizen (as if the SMS code had been entered)."""
    session = CitizenSessionFactory(mobile=mobile, token=f"test-token-{mobile}")
    return Client(headers={"Authorization": f"Bearer {session.token}"})


@pytest.fixture
def sara_api(sara):
    return citizen_client(sara.mobile)


@pytest.fixture
def reza_counter_api(reza):
    return token_client(reza)


@pytest.fixture
def nasrin_api(nasrin):
    return token_client(nasrin)


def cards_waiting(office, *, n: int, hold_until: dt.date, run) -> list[Card]:
    """n strangers' cards waiting at `office` until `hold_until`, built by the factories and
    written in bulk (no chips: the void sweep's certificate step then has nothing to revoke
    for them)."""
    citizens = CitizenFactory.create_batch(n)
    apps = Application.objects.bulk_create(
        [
            ApplicationFactory.build(
                tracking_code=f"8{c.pk:011d}",
                citizen=c,
                fee_rials=1,
                mobile=f"0912{c.pk:07d}"[:11],
                status="ready_at_office",
            )
            for c in citizens
        ]
    )
    cards = Card.objects.bulk_create(
        [
            CardFactory.build(
                csn=f"IW{a.pk:010d}",
                crn=f"7{a.pk:09d}",
                application=a,
                status="at_office",
                run=run,
                office=office,
            )
            for a in apps
        ]
    )
    Collection.objects.bulk_create(
        [CollectionFactory.build(card=c, office=office, hold_until=hold_until) for c in cards]
    )
    return cards
