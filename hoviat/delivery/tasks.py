"""Jobs of delivery. The periodic ones are declared in hoviat/schedules.py; these run the same
services when a page or the API asks for them in the background."""

from huey.contrib.djhuey import db_task

from hoviat.delivery.services import application_release_prepared


@db_task()
def application_release_task(application_id: int) -> bool:
    """A paid application with kept biometrics, into the production queue."""
    return application_release_prepared(application_id=application_id)
