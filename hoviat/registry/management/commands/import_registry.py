"""`hoviat import-registry FILE.csv`: load a population registry file (see services.py)."""

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.registry.services import registry_import


class Command(BaseCommand):
    help = (
        "Load citizens from a registry CSV in batches; bad rows go to a report file. "
        "Safe to run again: codes already in the registry are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the registry CSV (UTF-8, header row required)")
        parser.add_argument(
            "--report",
            help="where to write rejected rows "
            "(default: FILE's name with .rejected.csv, beside it)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="rows per transaction (default: HOVIAT_IMPORT_BATCH_SIZE)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file, report, batch_size, no_progress, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            result = registry_import(
                path=file, report_path=report, batch_size=batch_size, progress=not no_progress
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.detail}") from None
        self.stdout.write(
            f"read {result.read:,} · loaded {result.loaded:,} · "
            f"already present {result.already_present:,} · rejected {result.rejected:,} "
            f"(report: {result.report_path}) · {result.seconds:.1f} s, "
            f"{result.rows_per_second:,.0f} rows/s"
        )
