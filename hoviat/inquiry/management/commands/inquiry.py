"""`hoviat inquiry rotate-key | retire-key KID | seal-log | verify-log`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.inquiry import services, signing


class Command(BaseCommand):
    help = "The answer-signing key and the inquiry log's seals."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rotate-key", help="a new answer-signing key from now on")
        retire = sub.add_parser("retire-key", help="withdraw a (leaked) answer-signing key")
        retire.add_argument("kid")
        retire.add_argument("--reason", required=True)
        sub.add_parser("seal-log", help="seal settled inquiry-log rows into the audit chain")
        sub.add_parser("verify-log", help="check every seal against the log rows")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "rotate-key":
                key = signing.signing_key_rotate()
                self.stdout.write(f"Signing with {key.kid} until {key.signs_until.isoformat()}.")
            elif action == "retire-key":
                key = signing.signing_key_retire(kid=options["kid"], reason=options["reason"])
                self.stdout.write(f"Key {key.kid} retired.")
            elif action == "seal-log":
                sealed = 0
                while (seal := services.inquiry_log_seal()) is not None:
                    sealed += seal.count
                self.stdout.write(f"Sealed {sealed} inquiry-log rows.")
            else:
                verdict = services.inquiry_log_verify()
                if not verdict.ok:
                    raise CommandError(f"Inquiry log broken: {verdict.problem}")
                self.stdout.write(
                    f"Inquiry log intact: {verdict.rows} rows under {verdict.seals} seals."
                )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
