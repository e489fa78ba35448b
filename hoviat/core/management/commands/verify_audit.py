"""`hoviat verify-audit`: walk the audit hash chain; non-zero exit at the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def handle(self, *args, **options):
        verdict = audit_verify()
        if not verdict.ok:
            raise CommandError(
                f"Audit chain broken at row {verdict.broken_id}: {verdict.problem} "
                f"({verdict.checked} rows verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {verdict.checked} rows."))
