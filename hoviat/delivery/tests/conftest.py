"""Delivery fixtures are kept in per-concern modules and gathered here."""

from hoviat.delivery.tests.fixtures_cards import *  # noqa: F403
from hoviat.delivery.tests.fixtures_handover import *  # noqa: F403
from hoviat.delivery.tests.fixtures_lifecycle import *  # noqa: F403
