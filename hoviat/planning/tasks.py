"""Jobs of planning. The periodic one is declared in hoviat/schedules.py; this one makes the
promises of a prediction point in the background, after the move that reached it committed."""

from huey.contrib.djhuey import db_task

from hoviat.planning.services import promise_renew, promises_make


@db_task()
def promises_make_task(application_ids: list[int], point: str) -> int:
    """The promises of `point` for applications that just reached it."""
    return promises_make(application_ids=application_ids, point=point)


@db_task()
def promise_renew_task(application_id: int) -> bool:
    """The forecast of an application whose appointment moved, told as new."""
    return promise_renew(application_id=application_id)
