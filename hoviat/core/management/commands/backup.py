"""`hoviat backup [--to FOLDER]`: the database and the files into one dated folder with a
checksum manifest (hoviat/core/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hoviat.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database, the biometric files and the keys into a dated folder."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=None, help="default HOVIAT_BACKUP_DIR")

    def handle(self, *args, to, **options):
        try:
            made = backup_create(destination=to or settings.BACKUP_DIR)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{made.folder} ({made.files} files, manifest.json)")
