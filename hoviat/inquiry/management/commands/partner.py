"""`hoviat partner create NAME --scopes card,receipt [...]` and the key commands.

The raw key is printed once, on its own line (so a script can capture it), and never again.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hoviat.core.errors import DomainError
from hoviat.inquiry import services
from hoviat.inquiry.models import ApiKey, Partner


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class Command(BaseCommand):
    help = "Relying parties (banks, agencies) and their API keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register a partner and print its first key")
        create.add_argument("name")
        create.add_argument(
            "--scopes", required=True, help="card,receipt,identity,paper_card,card_auth"
        )
        create.add_argument("--attributes", default="", help="e.g. card_status,expires_on")
        create.add_argument("--rate-limit", type=int, default=None, help="requests/minute/key")
        create.add_argument("--daily-quota", type=int, default=None, help="requests/day/key")
        create.add_argument("--networks", default="", help="CIDRs, comma-separated")
        key_create = sub.add_parser("key-create", help="another key for a partner")
        key_create.add_argument("name")
        key_create.add_argument("--label", default="")
        rotate = sub.add_parser("key-rotate", help="a successor key; the old one overlaps")
        rotate.add_argument("prefix")
        rotate.add_argument("--overlap-days", type=int, default=None)
        revoke = sub.add_parser("key-revoke", help="stop a key at once")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", default="revoked by command")
        sub.add_parser("list", help="partners and their keys (never the secrets)")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None

    def _key(self, prefix: str) -> ApiKey:
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"No key with prefix {prefix}")
        return key

    def _print_key(self, raw: str, key: ApiKey) -> None:
        self.stderr.write(
            f"Key {key.prefix} of «{key.partner.name}» — shown once, store it safely:"
        )
        self.stdout.write(raw)

    def _create(self, options):
        partner = services.partner_create(
            name=options["name"],
            scopes=_csv(options["scopes"]),
            attributes=_csv(options["attributes"]),
            rate_limit_per_minute=options["rate_limit"],
            daily_quota=options["daily_quota"],
            networks=_csv(options["networks"]),
        )
        raw, key = services.api_key_create(partner_id=partner.pk, label="first key")
        self._print_key(raw, key)

    def _key_create(self, options):
        partner = Partner.objects.filter(name=options["name"]).first()
        if partner is None:
            raise CommandError(f"No partner named {options['name']}")
        raw, key = services.api_key_create(partner_id=partner.pk, label=options["label"])
        self._print_key(raw, key)

    def _key_rotate(self, options):
        old = self._key(options["prefix"])
        days = options["overlap_days"]
        raw, key = services.api_key_rotate(
            key_id=old.pk, overlap=dt.timedelta(days=days) if days is not None else None
        )
        old.refresh_from_db()
        self.stderr.write(f"Old key {old.prefix} works until {old.expires_at.isoformat()}.")
        self._print_key(raw, key)

    def _key_revoke(self, options):
        key = services.api_key_revoke(
            key_id=self._key(options["prefix"]).pk, reason=options["reason"]
        )
        self.stdout.write(f"Key {key.prefix} revoked at {key.revoked_at.isoformat()}.")

    def _list(self, options):
        for partner in Partner.objects.order_by("name"):
            self.stdout.write(
                f"{partner.name}: scopes={','.join(partner.scopes)} "
                f"rate={partner.rate_limit_per_minute}/min quota={partner.daily_quota}/day"
            )
            for key in partner.keys.order_by("created_at"):
                state = key.state_at(timezone.now())
                self.stdout.write(f"  {key.prefix} {state} {key.label}")
