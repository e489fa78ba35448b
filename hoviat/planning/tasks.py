"""Jobs: the capacity-plan search and the director's what-if, on the digital twin."""

from huey.contrib.djhuey import db_task

from hoviat.planning.plan_services import plan_run_execute


@db_task()
def plan_run_task(run_id: int) -> None:
    plan_run_execute(run_id=run_id)
