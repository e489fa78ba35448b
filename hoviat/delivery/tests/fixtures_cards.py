"""Real cards in transit to Reza's office (Bushehr post office), made by the real pipeline:
enrolled applications → production run with the real PKI (chips, certificates) → shipment
packed and dispatched. Shared by every delivery test module."""

from __future__ import annotations

import pytest
from django.test import Client

from hoviat.core.services import staff_token_issue
from tests.factories import InTransit, cards_in_transit

__all__ = [
    "PASSWORD",
    "InTransit",
    "cards_in_transit",
    "in_transit",
    "saras_card_in_transit",
    "token_client",
]

PASSWORD = "correct horse battery"
# The PINs production prints on the PIN mailer are random; tests read them from the run.


@pytest.fixture
def in_transit(real_pki, bushehr_post_office, reza, kaveh):
    """Two strangers' cards bound for Reza's office, dispatched and not yet received."""
    return cards_in_transit(bushehr_post_office, reza, kaveh, n=2)


@pytest.fixture
def saras_card_in_transit(real_pki, bushehr_post_office, reza, kaveh, sara):
    """Sara's card (first in the shipment) and one stranger's, bound for Reza's office."""
    return cards_in_transit(bushehr_post_office, reza, kaveh, n=1, sara=sara)


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})
