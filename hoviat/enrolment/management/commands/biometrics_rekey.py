"""`hoviat biometrics-rekey`: after adding a new first key to HOVIAT_BIOMETRIC_KEY, rewrite
every biometric file under it; then the old key can be removed from the list."""

from django.core.management.base import BaseCommand

from hoviat.enrolment.services import biometric_files_rekey


class Command(BaseCommand):
    help = "Re-encrypt every biometric file under the first HOVIAT_BIOMETRIC_KEY."

    def handle(self, *args, **options):
        self.stdout.write(f"biometric files re-encrypted: {biometric_files_rekey()}")
