"""Looking a case's biometrics up: an interface, and the simulator that ships.

A real deployment has an ABIS (automated biometric identification system) that searches a
probe's face and fingers against a gallery and returns candidates with scores. The gallery
here is the registry's enrolments and the other open citizenship cases. Which matcher runs is
the setting CITIZENSHIP_BIOMETRIC_MATCHER (a dotted path); a candidate scoring at least
CITIZENSHIP_BIOMETRIC_MATCH_THRESHOLD (0–100) becomes a possible duplicate.

The simulator pairs with enrolment's simulator device, whose pictures are the same bytes for
the same person: its template is the image's SHA-256, and a candidate's score is the share of
the probe's captured positions (face and fingers) whose image it holds at the same position.
Deterministic, so a test makes a real duplicate by capturing the same person twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from hoviat.citizenship import hooks
from hoviat.citizenship.models import OPEN_STATUSES, CaseBiometric


@dataclass(frozen=True)
class Candidate:
    """Someone the probe may be: another open case, or an enrolled citizen of the registry."""

    score: int  # 0–100
    positions: tuple[int, ...]  # the positions that matched
    other_case_id: int | None = None
    national_code: str = ""


@runtime_checkable
class BiometricMatcher(Protocol):
    def search(self, *, case_id: int, templates: dict[int, str]) -> list[Candidate]:
        """Candidates for the probe `templates` (position → template) of case `case_id`,
        from the registry's enrolments and the other open cases (never the case itself)."""
        ...


class SimulatorMatcher:
    """Exact-image matching by SHA-256 (see the module's docstring)."""

    def search(self, *, case_id: int, templates: dict[int, str]) -> list[Candidate]:
        if not templates:
            return []
        hashes = sorted(set(templates.values()))
        by_case: dict[int, set[int]] = {}
        rows = (
            CaseBiometric.objects.filter(
                sha256__in=hashes, case__status__in=sorted(s.value for s in OPEN_STATUSES)
            )
            .exclude(case_id=case_id)
            .values_list("case_id", "position", "sha256")
        )
        for other, position, sha256 in rows:
            if templates.get(position) == sha256:
                by_case.setdefault(other, set()).add(position)
        by_citizen: dict[str, set[int]] = {}
        for found in hooks.enrolled_biometrics_matching.call(sha256s=hashes):
            for row in found:
                if templates.get(row["position"]) == row["sha256"]:
                    by_citizen.setdefault(row["national_code"], set()).add(row["position"])
        probe = len(templates)

        def score(positions: set[int]) -> int:
            return round(100 * len(positions) / probe)

        candidates = [
            Candidate(score=score(p), positions=tuple(sorted(p)), other_case_id=other)
            for other, p in sorted(by_case.items())
        ]
        candidates += [
            Candidate(score=score(p), positions=tuple(sorted(p)), national_code=code)
            for code, p in sorted(by_citizen.items())
        ]
        return candidates


def matcher() -> BiometricMatcher:
    """The matcher the settings name (the simulator unless configured otherwise)."""
    return import_string(settings.CITIZENSHIP_BIOMETRIC_MATCHER)()
