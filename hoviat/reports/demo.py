"""Demo data for reports: nothing of its own; the figures of the demo data are computed once
so the dashboard shows them at once (the worker then refreshes them every ten minutes)."""

from hoviat.reports.services import reports_refresh


def build(*, citizens: int, seed: int) -> str:
    result = reports_refresh(full=True)
    return f"figures computed ({result.rows} aggregate rows, {result.seconds:.1f} s)"
