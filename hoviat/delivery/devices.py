"""Fingerprint matching at hand-over: an interface, and the simulator that ships.

A real office has a scanner with a matcher (match-on-server or match-on-card); it gives a
score from 0 to 100 for a presented finger against the one kept at enrolment. The simulator
pairs with enrolment's simulator device, whose pictures are the same bytes for the same
person and finger: a finger matches when its image hashes to what enrolment stored. Which
matcher runs is the setting DELIVERY_FINGERPRINT_MATCHER (a dotted path).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MatchResult:
    position: int
    score: int  # 0–100
    enrolled: bool  # False: enrolment holds no image of this finger (missing, amputated…)


@runtime_checkable
class FingerprintMatcher(Protocol):
    def match(self, *, enrolled: dict, position: int, image: bytes) -> MatchResult:
        """Score `image` against the enrolment's record of finger `position`."""
        ...


class SimulatorMatcher:
    """Exact-image matching against the SHA-256 enrolment kept: the simulator's fingers are
    deterministic, so the same person scores 100 and anyone else 0."""

    def match(self, *, enrolled: dict, position: int, image: bytes) -> MatchResult:
        entry = enrolled.get(str(position)) or {}
        expected = entry.get("sha256")
        if not expected:
            return MatchResult(position=position, score=0, enrolled=False)
        score = 100 if hashlib.sha256(image).hexdigest() == expected else 0
        return MatchResult(position=position, score=score, enrolled=True)


def matcher() -> FingerprintMatcher:
    """The matcher the settings name (the simulator unless configured otherwise)."""
    return import_string(settings.DELIVERY_FINGERPRINT_MATCHER)()


def enrolled_positions(enrolled: dict) -> list[int]:
    """The finger positions enrolment kept an image of, in position order."""
    return sorted(int(p) for p, entry in enrolled.items() if entry.get("sha256"))
