"""`hoviat worker`: the job consumer (huey) with every periodic job of hoviat/schedules.py.

Run exactly one worker that runs the schedules per site (each consumer with the scheduler on
enqueues every periodic job); more workers for more jobs at once take `--no-periodic`.
Threads per worker: HOVIAT_WORKER_THREADS.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the background jobs and the periodic schedules (huey consumer)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="do not enqueue the periodic jobs (every worker but one)",
        )

    def handle(self, *args, no_periodic: bool, **options):
        from hoviat.core.health import migrations

        try:
            migrations()
        except Exception as error:
            raise CommandError(
                f"the database is not ready: {error} (run `hoviat migrate`)"
            ) from None
        call_command(
            "run_huey",
            workers=settings.WORKER_THREADS,
            worker_type="thread",
            periodic=not no_periodic,
        )
