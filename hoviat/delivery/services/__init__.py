"""Delivery writes. Each module owns one concern; its public names are re-exported here."""

from hoviat.delivery.services._shared import CHUNK
from hoviat.delivery.services.handover import *  # noqa: F403
from hoviat.delivery.services.losses import *  # noqa: F403
from hoviat.delivery.services.notices import *  # noqa: F403
from hoviat.delivery.services.policy import *  # noqa: F403
from hoviat.delivery.services.receiving import *  # noqa: F403
from hoviat.delivery.services.reissue import *  # noqa: F403
from hoviat.delivery.services.replacements import *  # noqa: F403
from hoviat.delivery.services.uncollected import *  # noqa: F403

__all__ = ["CHUNK"]  # and every module's own __all__, through the star imports
