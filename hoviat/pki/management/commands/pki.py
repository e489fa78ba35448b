"""`hoviat pki ...`: keys of the public key infrastructure.

    hoviat pki init                      create the receipt-signing key if none signs now
    hoviat pki receipt-keys              list the receipt keys and their periods
    hoviat pki rotate-receipt-key [--if-due DAYS]
                                         a new signing key; the old one stays published
                                         (--if-due: only when the current one stops signing
                                         within DAYS days, for a daily schedule)
    hoviat pki retire-receipt-key KID --reason TEXT
                                         withdraw a key (leaked): its receipts stop verifying
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.pki import selectors, services
from hoviat.pki.models import ReceiptSigningKey

# Key changes made from the shell are audited as the operator's command, not "the system".
COMMAND_LINE = Actor("command", "hoviat pki", "خط فرمان")


class Command(BaseCommand):
    help = "PKI keys: init, receipt-keys, rotate-receipt-key, retire-receipt-key."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("init", help="create the receipt-signing key if none signs now")
        actions.add_parser("receipt-keys", help="list the receipt-signing keys")
        rotate = actions.add_parser(
            "rotate-receipt-key", help="start signing with a new key; the old one stays published")
        rotate.add_argument("--if-due", type=int, metavar="DAYS",
                            help="only if the signing key stops signing within DAYS days")
        retire = actions.add_parser("retire-receipt-key",
                                    help="withdraw a key: receipts it signed stop verifying")
        retire.add_argument("kid")
        retire.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        try:
            if action == "init":
                key, created = services.receipt_key_init(actor=COMMAND_LINE)
                verb = "Created" if created else "Already signing with"
                self.stdout.write(self.style.SUCCESS(f"{verb} receipt key {self._describe(key)}"))
            elif action == "receipt-keys":
                self._list()
            elif action == "rotate-receipt-key":
                self._rotate(options["if_due"])
            elif action == "retire-receipt-key":
                key = services.receipt_key_retire(kid=options["kid"], reason=options["reason"],
                                                  actor=COMMAND_LINE)
                self.stdout.write(self.style.WARNING(f"Retired receipt key {key.kid}"))
        except DomainError as exc:
            raise CommandError(exc.detail) from None

    def _rotate(self, if_due: int | None) -> None:
        if if_due is None:
            key = services.receipt_key_rotate(actor=COMMAND_LINE)
        else:
            key = services.receipt_key_rotate_if_due(within=dt.timedelta(days=if_due),
                                                     actor=COMMAND_LINE)
        if key is None:
            self.stdout.write(f"Not due: {self._describe(selectors.receipt_key_signing())}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Now signing with {self._describe(key)}"))

    @staticmethod
    def _describe(key: ReceiptSigningKey) -> str:
        return (f"{key.kid} (signs {key.active_from:%Y-%m-%d %H:%M} → "
                f"{key.signs_until:%Y-%m-%d %H:%M} UTC)")

    def _list(self) -> None:
        now = timezone.now()
        signing = selectors.receipt_key_signing(now=now)
        for key in ReceiptSigningKey.objects.order_by("-active_from", "-id"):
            if key.retired_at:
                state = f"retired {key.retired_at:%Y-%m-%d} ({key.retired_reason})"
            elif signing is not None and key.pk == signing.pk:
                state = "signing"
            elif key.active_from > now:
                state = "published, signs later"
            else:
                state = "published, verifies only"
            self.stdout.write(f"{self._describe(key)}  {state}")
