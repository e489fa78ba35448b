"""Delivery writes. Each module owns one concern; its public names are re-exported here."""

from hoviat.delivery.services.handover import *  # noqa: F403
from hoviat.delivery.services.lifecycle import *  # noqa: F403
from hoviat.delivery.services.notices import *  # noqa: F403
from hoviat.delivery.services.policy import *  # noqa: F403
from hoviat.delivery.services.receiving import *  # noqa: F403
