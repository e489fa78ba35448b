"""The selfservice app's part of `hoviat sweep`: last month's summaries of inquiries."""

from __future__ import annotations

from hoviat.selfservice.digest import inquiry_digests_send


def run() -> str:
    return f"{inquiry_digests_send()} monthly inquiry summaries queued"
