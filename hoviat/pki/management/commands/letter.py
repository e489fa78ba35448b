"""`hoviat letter verify QR_TEXT`: say whether a citizenship decision letter's QR is genuine.

The letter's twin of `hoviat receipt verify`: exit status 0 only for a valid letter; 1 for
tampered, unknown key or malformed. Keys come from this system's database, or with --keys
from a saved copy of /pki/receipt-keys (as a court or a school would verify, offline).
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.core.jalali import format_jalali
from hoviat.pki import selectors
from hoviat.pki.images import receipt_qr_text_from_image
from hoviat.pki.letters import LetterVerdict, verify_letter_qr
from hoviat.pki.receipts import keys_from_jwks


class Command(BaseCommand):
    help = "Decision letters: `verify QR_TEXT` checks a citizenship decision letter's QR text."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify", help="verify a decision letter's QR text (exit 0 only when valid)"
        )
        verify.add_argument(
            "text",
            nargs="?",
            default="-",
            metavar="QR_TEXT",
            help="the text of the QR code; '-' or nothing reads it from standard input",
        )
        verify.add_argument(
            "--image", type=Path, help="read the QR code from a PNG, JPEG or PDF of the letter"
        )
        verify.add_argument(
            "--keys",
            type=Path,
            help="verify against a saved /pki/receipt-keys JSON file "
            "instead of this system's database",
        )

    def handle(self, *args, action, **options):
        if action == "verify":
            self._verify(options["text"], image=options["image"], keys=options["keys"])

    def _verify(self, text: str, *, image: Path | None, keys: Path | None) -> None:
        if image is not None:
            try:
                text = receipt_qr_text_from_image(data=image.read_bytes())
            except (OSError, DomainError) as exc:
                raise CommandError(f"{image}: {getattr(exc, 'detail', exc)}") from None
        elif text == "-":
            text = sys.stdin.read()
        if keys is not None:
            try:
                published = keys_from_jwks(json.loads(keys.read_text()))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{keys}: not a receipt key list ({exc})") from None
            verdict = verify_letter_qr(text, published)
        else:
            verdict = selectors.decision_letter_qr_verify(text=text)
        self._print(verdict)
        if not verdict.is_valid:
            raise CommandError(f"letter is {verdict.status}: {verdict.reason}", returncode=1)

    def _print(self, verdict: LetterVerdict) -> None:
        style = self.style.SUCCESS if verdict.is_valid else self.style.ERROR
        self.stdout.write(style(f"status:         {verdict.status}"))
        self.stdout.write(f"message:        {verdict.message_fa}")
        if verdict.kid:
            self.stdout.write(f"key:            {verdict.kid}")
        claims = verdict.claims
        if claims is None:
            return

        def both(value, **kwargs) -> str:
            return f"{value.isoformat()} ({format_jalali(value, persian=False, **kwargs)})"

        rows = [
            ("letter number", claims.letter_number),
            ("case number", claims.case_number),
            ("temporary id", claims.temporary_id),
            ("name", f"{claims.first_name} {claims.last_name}"),
            ("outcome", claims.outcome),
            ("decided on", both(claims.decided_on)),
            ("appeal until", both(claims.appeal_closes_on) if claims.appeal_closes_on else "-"),
            ("reasons hash", claims.reasons_digest),
            ("national codes", " ".join(claims.national_codes) or "-"),
            ("issued", both(claims.issued_at, with_time=True)),
        ]
        for label, value in rows:
            self.stdout.write(f"{label + ':':<16}{value}")
