"""The planning sweep (`hoviat sweep`, and the nightly huey schedule in hoviat/schedules.py):
how far the promises of cards that became ready were off, then the daily re-forecast."""

from __future__ import annotations

from hoviat.planning.services import planning_nightly


def run() -> str:
    recorded, summary = planning_nightly()
    return f"promise outcomes recorded: {recorded}, {summary}"
