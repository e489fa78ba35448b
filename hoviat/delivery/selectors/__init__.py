"""Delivery reads. Each module owns one concern; its public names are re-exported here."""

from hoviat.delivery.selectors.cards import *  # noqa: F403
from hoviat.delivery.selectors.office import *  # noqa: F403
from hoviat.delivery.selectors.policy import *  # noqa: F403
