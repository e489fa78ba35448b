"""`hoviat pki ...`: keys of the public key infrastructure.

hoviat pki init                      create (or, with PKI_*_FILE settings, import) the
                                     root and issuing CA if missing, and the
                                     receipt-signing key if none signs now
hoviat pki export DIR                write root.pem, issuing.pem, chain.pem, crl.der
hoviat pki cas                       list the certificate authorities
hoviat pki crl [--if-due HOURS]      publish a fresh CRL (--if-due: only when the
                                     current one's nextUpdate is within HOURS hours)
hoviat pki revoke-ca ID --reason TEXT
                                     stop issuing under a CA (compromised)
hoviat pki receipt-keys              list the receipt keys and their periods
hoviat pki rotate-receipt-key [--if-due DAYS]
                                     a new signing key; the old one stays published
                                     (--if-due: only when the current one stops signing
                                     within DAYS days, for a daily schedule)
hoviat pki retire-receipt-key KID --reason TEXT
                                     withdraw a key (leaked): its receipts stop verifying
"""

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.pki import selectors, services
from hoviat.pki.models import CaKind, CertificateAuthority, ReceiptSigningKey

# Key changes made from the shell are audited as the operator's command, not "the system".
COMMAND_LINE = Actor("command", "hoviat pki", "خط فرمان")


class Command(BaseCommand):
    help = (
        "PKI: init, export, cas, crl, revoke-ca, receipt-keys, rotate-receipt-key, "
        "retire-receipt-key."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("init", help="create the CAs if missing and the receipt-signing key")
        export = actions.add_parser("export", help="write the CA chain and the CRL to DIR")
        export.add_argument("dir")
        actions.add_parser("cas", help="list the certificate authorities")
        crl = actions.add_parser("crl", help="publish a fresh CRL")
        crl.add_argument(
            "--if-due",
            type=int,
            metavar="HOURS",
            help="only if the current CRL's nextUpdate is within HOURS hours",
        )
        revoke = actions.add_parser("revoke-ca", help="stop issuing under a CA")
        revoke.add_argument("ca_id", type=int)
        revoke.add_argument("--reason", required=True)
        actions.add_parser("receipt-keys", help="list the receipt-signing keys")
        rotate = actions.add_parser(
            "rotate-receipt-key", help="start signing with a new key; the old one stays published"
        )
        rotate.add_argument(
            "--if-due",
            type=int,
            metavar="DAYS",
            help="only if the signing key stops signing within DAYS days",
        )
        retire = actions.add_parser(
            "retire-receipt-key", help="withdraw a key: receipts it signed stop verifying"
        )
        retire.add_argument("kid")
        retire.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        try:
            if action == "init":
                for ca in services.ca_init(actor=COMMAND_LINE):
                    self.stdout.write(self.style.SUCCESS(f"Created {self._describe_ca(ca)}"))
                key, created = services.receipt_key_init(actor=COMMAND_LINE)
                verb = "Created" if created else "Already signing with"
                self.stdout.write(self.style.SUCCESS(f"{verb} receipt key {self._describe(key)}"))
            elif action == "export":
                self._export(Path(options["dir"]))
            elif action == "cas":
                for ca in CertificateAuthority.objects.order_by("kind", "-not_before", "-id"):
                    self.stdout.write(self._describe_ca(ca))
            elif action == "crl":
                self._crl(options["if_due"])
            elif action == "revoke-ca":
                ca = services.ca_revoke(
                    ca_id=options["ca_id"], reason=options["reason"], actor=COMMAND_LINE
                )
                self.stdout.write(self.style.WARNING(f"Revoked {self._describe_ca(ca)}"))
            elif action == "receipt-keys":
                self._list()
            elif action == "rotate-receipt-key":
                self._rotate(options["if_due"])
            elif action == "retire-receipt-key":
                key = services.receipt_key_retire(
                    kid=options["kid"], reason=options["reason"], actor=COMMAND_LINE
                )
                self.stdout.write(self.style.WARNING(f"Retired receipt key {key.kid}"))
        except DomainError as exc:
            raise CommandError(exc.detail) from None

    def _rotate(self, if_due: int | None) -> None:
        if if_due is None:
            key = services.receipt_key_rotate(actor=COMMAND_LINE)
        else:
            key = services.receipt_key_rotate_if_due(
                within=dt.timedelta(days=if_due), actor=COMMAND_LINE
            )
        if key is None:
            self.stdout.write(f"Not due: {self._describe(selectors.receipt_key_signing())}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Now signing with {self._describe(key)}"))

    @staticmethod
    def _describe(key: ReceiptSigningKey) -> str:
        return (
            f"{key.kid} (signs {key.active_from:%Y-%m-%d %H:%M} → "
            f"{key.signs_until:%Y-%m-%d %H:%M} UTC)"
        )

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

    @staticmethod
    def _describe_ca(ca: CertificateAuthority) -> str:
        state = f"revoked {ca.revoked_at:%Y-%m-%d}" if ca.revoked_at else "active"
        return (
            f"#{ca.pk} {ca.kind} CA {ca.subject} serial {ca.serial} "
            f"({ca.not_before:%Y-%m-%d} → {ca.not_after:%Y-%m-%d}, {state})"
        )

    def _crl(self, if_due: int | None) -> None:
        if if_due is None:
            crl = services.crl_publish()
        else:
            crl = services.crl_publish_if_due(within=dt.timedelta(hours=if_due))
        if crl is None:
            self.stdout.write("Not due")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Published CRL {crl.number} ({crl.revoked_count} revoked, next update "
                    f"{crl.next_update:%Y-%m-%d %H:%M} UTC)"
                )
            )

    def _export(self, folder: Path) -> None:
        pems = {}
        for kind in (CaKind.ROOT, CaKind.ISSUING):
            ca = selectors.ca_current(kind)
            if ca is None:
                raise CommandError("No CA yet: run `hoviat pki init` first")
            # Re-encoded so the files hold exactly one clean PEM block each.
            pems[kind] = x509.load_pem_x509_certificate(ca.cert_pem.encode()).public_bytes(
                serialization.Encoding.PEM
            )
        der = selectors.crl_current_der()
        if der is None:
            der = bytes(services.crl_publish().der)
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "root.pem": pems[CaKind.ROOT],
            "issuing.pem": pems[CaKind.ISSUING],
            "chain.pem": pems[CaKind.ISSUING] + pems[CaKind.ROOT],
            "crl.der": der,
        }
        for name, content in files.items():
            (folder / name).write_bytes(content)
            self.stdout.write(f"Wrote {folder / name}")
