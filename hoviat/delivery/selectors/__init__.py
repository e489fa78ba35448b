"""Delivery reads. Each module owns one concern; names are re-exported here."""

from hoviat.delivery.selectors.policy import *  # noqa: F403
