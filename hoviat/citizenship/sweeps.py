"""Citizenship's sweep (`hoviat sweep`; the huey schedule in hoviat/schedules.py)."""

from hoviat.citizenship.services import inquiries_overdue_flag


def run() -> str:
    return str(inquiries_overdue_flag())
