"""Settings for the test suite: the real settings, with fast hashing and inline jobs."""

import os
import tempfile
from pathlib import Path

# The suite runs the production settings (HOVIAT_DEBUG off: HSTS, Secure cookies, no generated
# secrets), with fixed test-only secrets and hosts given here as a server's environment would.
for _name, _value in {
    "HOVIAT_SECRET_KEY": "test-only-secret-key-" + "x" * 50,
    "HOVIAT_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "HOVIAT_SANDBOX_GATEWAY_SECRET": "test-only-sandbox-gateway-secret",
    "HOVIAT_PKI_PASSPHRASE": "test-only-pki-passphrase",
    "HOVIAT_CHIP_STORE_KEY": "test-only-chip-store-key",
    "HOVIAT_BIOMETRIC_KEY": "dGVzdC1vbmx5LWJpb21ldHJpYy1rZXktMzItYnl0ZXM=",
    "HOVIAT_AUDIT_SIGNING_KEY": "test-only-audit-signing-key",
}.items():
    os.environ.setdefault(_name, _value)

from hoviat.settings import *  # noqa: E402, F403
from hoviat.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
HUEY = {"huey_class": "huey.MemoryHuey", "name": "hoviat-test", "immediate": True}
SMS_BACKEND = "file"
SMS_FILE_PATH = Path(tempfile.gettempdir()) / f"hoviat-test-sms-{os.getpid()}.jsonl"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In memory: fast, and parallel test runs in one checkout never share a file.
    DATABASES["default"]["TEST"] = {"NAME": None}
# Tests create CAs explicitly (services.ca_init) so "no CA yet" stays testable.
PKI_CA_AUTO_CREATE = False
# The simulator capture device, whatever HOVIAT_DEBUG says (off by default outside DEBUG).
ENROLMENT_SIMULATOR_ENABLED = True
# Tests build the places and holidays they need (factories, or places_load where the real
# reference data matters); migrating the test database loads none.
LOAD_REFERENCE_DATA = False

# test_replica.py starts its own real replica; the suite never reads through a configured one.
DATABASES.pop("replica", None)
# The test client and the live server speak plain http; test_headers asks for https itself.
SECURE_SSL_REDIRECT = False
# Keys made on demand, as in development (tests that need "no key yet" turn this off).
PKI_RECEIPT_KEY_AUTO_CREATE = True
INQUIRY_SIGNING_KEY_AUTO_CREATE = True
