"""`hoviat generate-slots [--days N]`: the slots of every active office, from its calendar."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hoviat.booking.services import slots_generate_all


class Command(BaseCommand):
    help = "Create the booking slots of every active office for the coming days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"days ahead (default {settings.BOOKING_DAYS_AHEAD})",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        created = slots_generate_all(days_ahead=days)
        self.stdout.write(f"slots created: {created}")
