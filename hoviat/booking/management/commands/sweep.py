"""`hoviat sweep`: release lapsed holds, expire missed appointments, send reminders."""

from django.core.management.base import BaseCommand

from hoviat.booking.services import bookings_sweep


class Command(BaseCommand):
    help = "Release lapsed holds, expire missed appointments and send tomorrow's reminders."

    def handle(self, *args, **options):
        self.stdout.write(str(bookings_sweep()))
