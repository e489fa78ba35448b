"""`hoviat restore FOLDER --yes`: checks every checksum of the backup, then restores the
database (in one transaction) and the folders (hoviat/core/backup.py). Stop the web processes
and the worker first; restart them after."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = "Restore a backup made by `hoviat backup` (the database is replaced)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="really replace the database")
        parser.add_argument("--check", action="store_true", help="only verify the checksums")

    def handle(self, *args, folder, yes, check, **options):
        try:
            if check:
                manifest = backup_verify(folder)
                self.stdout.write(f"{folder}: {len(manifest['sha256'])} files, checksums match")
                return
            if not yes:
                raise CommandError("this replaces the database and the files: add --yes")
            manifest = backup_restore(folder=folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {folder} (made {manifest['created_at']})")
