"""`hoviat worker`: the job consumer (huey) with every periodic job of hoviat/schedules.py.

One per site is enough for the schedules (each periodic job is enqueued by the one consumer
that runs the scheduler); more workers (threads) for more jobs at once: HOVIAT_WORKER_THREADS.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background jobs and the periodic schedules (huey consumer)."

    def handle(self, *args, **options):
        call_command(
            "run_huey",
            workers=settings.WORKER_THREADS,
            worker_type="thread",
        )
