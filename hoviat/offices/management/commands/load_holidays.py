"""`hoviat load-holidays`: the official holidays from hoviat/offices/data/holidays.csv."""

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import ValidationFailed
from hoviat.offices.services import holidays_load


class Command(BaseCommand):
    help = "Load or update official holidays from a Jalali CSV (date,title); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--path", help="another CSV file (default: the shipped calendar)")

    def handle(self, *args, path=None, **options):
        try:
            result = holidays_load(path=path)
        except (ValidationFailed, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{result.total} holidays ({result.created} new, {result.updated} updated)"
        )
