"""Jobs: a personalisation run executed by a worker after the API or a page started it."""

from huey.contrib.djhuey import db_task

from hoviat.core.models import User
from hoviat.production.services import production_run_execute


@db_task()
def production_run_task(run_id: int, actor_id: int | None = None) -> None:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    production_run_execute(run_id=run_id, actor=actor)
