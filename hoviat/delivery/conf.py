"""DELIVERY_* settings, declared once in hoviat/settings.py (from HOVIAT_* environment variables).

No defaults here: a name hoviat/settings.py does not declare stops the program.
"""

from __future__ import annotations

from typing import Any

from hoviat.core.env import setting


def conf(name: str) -> Any:
    return setting(name)
