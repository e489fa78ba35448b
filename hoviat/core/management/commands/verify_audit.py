"""`hoviat verify-audit`: recompute every leaf of the audit log from its row and hold the tree
against the witness directory and every signed checkpoint; non-zero exit at the first bad leaf."""

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.audit_tree import AuditLogError, audit_verify


class Command(BaseCommand):
    help = "Verify the audit log against its signed checkpoints and the witness directory."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=2, help="PostgreSQL connections hashing leaves at once"
        )

    def handle(self, *args, workers, **options):
        try:
            verdict = audit_verify(workers=workers)
        except AuditLogError as error:
            raise CommandError(f"Audit log cannot be verified: {error}") from None
        if not verdict.ok:
            where = (
                f" at leaf {verdict.bad_leaf} (row {verdict.bad_row})"
                if verdict.bad_leaf is not None
                else ""
            )
            raise CommandError(
                f"Audit log broken{where}: {verdict.problem} "
                f"({verdict.checked} leaves verified before it)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {verdict.checked} leaves recomputed from their rows, "
                f"{verdict.witnessed} held against the witness, {verdict.checkpoints} signed "
                f"checkpoints verified; {verdict.unsequenced} rows waiting for the sequencer."
            )
        )
