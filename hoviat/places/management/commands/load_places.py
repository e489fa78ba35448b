"""`hoviat load-places`: provinces, counties, national-code prefixes and cities."""

from django.core.management.base import BaseCommand

from hoviat.places.services import places_load


class Command(BaseCommand):
    help = (
        "Load or update provinces, counties, national-code prefixes and cities from "
        "hoviat/places/data (idempotent)."
    )

    def handle(self, *args, **options):
        places_load(stdout=self.stdout)
