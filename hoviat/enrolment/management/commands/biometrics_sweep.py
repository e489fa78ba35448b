"""`hoviat biometrics-sweep [--older-than-minutes N]`: delete encrypted files no row refers to."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from hoviat.enrolment.services import biometric_orphans_sweep


class Command(BaseCommand):
    help = "Delete biometric files left on disk by a crash or a rolled-back enrolment."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="leave younger files alone: their rows may not be committed yet",
        )

    def handle(self, *args, older_than_minutes=60, **options):
        if older_than_minutes < 10:
            raise CommandError("--older-than-minutes must be at least 10")
        removed = biometric_orphans_sweep(older_than=dt.timedelta(minutes=older_than_minutes))
        self.stdout.write(f"orphan biometric files deleted: {removed}")
