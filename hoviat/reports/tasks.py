"""Jobs: the refresh of the figures' aggregates, asked for by a page or an admin."""

from huey.contrib.djhuey import db_task

from hoviat.reports.services import reports_refresh


@db_task()
def reports_refresh_task(full: bool = False) -> None:
    reports_refresh(full=full)
