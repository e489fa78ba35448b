"""`hoviat payments-abandon-sweep`: give up on payments left at the bank's page."""

from django.core.management.base import BaseCommand

from hoviat.payments.services import payments_abandon_sweep


class Command(BaseCommand):
    help = "Mark payments still waiting at the gateway after N minutes as abandoned."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=30)

    def handle(self, *args, **options):
        count = payments_abandon_sweep(older_than_minutes=options["older_than_minutes"])
        self.stdout.write(self.style.SUCCESS(f"{count} payment(s) marked abandoned."))
