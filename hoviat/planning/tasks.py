"""Jobs of planning. The periodic one is declared in hoviat/schedules.py; these make the
promises of a prediction point in the background, after the move that reached it committed,
and run the capacity-plan search and the director's what-if on the digital twin."""

from huey.contrib.djhuey import db_task

from hoviat.planning.plan_services import plan_run_execute
from hoviat.planning.services import promise_renew, promises_make


@db_task()
def promises_make_task(application_ids: list[int], point: str) -> int:
    """The promises of `point` for applications that just reached it."""
    return promises_make(application_ids=application_ids, point=point)


@db_task()
def promise_renew_task(application_id: int) -> bool:
    """The forecast of an application whose appointment moved, told as new."""
    return promise_renew(application_id=application_id)


@db_task()
def plan_run_task(run_id: int) -> None:
    plan_run_execute(run_id=run_id)
