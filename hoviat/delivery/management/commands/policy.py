"""`hoviat policy show [--on DATE]` and `hoviat policy validity EXPIRES_ON [--on DATE]`: the
card validity policy as the inquiry API and the pages apply it. Decisions are recorded by the
national admin at /cards/policy/ (audited), not here."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date, today_local
from hoviat.delivery import selectors


class Command(BaseCommand):
    help = "The card validity policy in force: extensions and the old paper card's cut-off."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="decisions in force on a date")
        show.add_argument("--on", help="ISO or Jalali date (default today)")
        validity = sub.add_parser("validity", help="last valid day of a card printed EXPIRES_ON")
        validity.add_argument("expires_on", help="the expiry printed on the card, ISO or Jalali")
        validity.add_argument("--on", help="ISO or Jalali date (default today)")

    def handle(self, *args, action: str, **options):
        try:
            on = parse_date(options["on"]) if options.get("on") else today_local()
            if action == "validity":
                printed = parse_date(options["expires_on"])
                until = selectors.card_valid_until(expires_on=printed, on=on)
                self.stdout.write(f"printed {printed}: valid until {until} (policy of {on})")
                return
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
        rows = selectors.extensions_in_force(on=on).order_by("expiring_before")
        for row in rows:
            self.stdout.write(
                f"extension: expiring before {row.expiring_before} valid until {row.valid_until} "
                f"(from {row.effective_from}; {row.reference})"
            )
        if not rows:
            self.stdout.write("extension: none in force")
        standing = selectors.paper_card_standing(on=on)
        until = standing.accepted_until or "no cut-off decided"
        self.stdout.write(
            f"old paper cards on {on}: {'accepted' if standing.accepted else 'refused'} "
            f"(until {until}) {standing.reference}".rstrip()
        )
