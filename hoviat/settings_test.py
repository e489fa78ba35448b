"""Settings for the test suite: the real settings, with fast hashing and inline jobs."""

import os
import tempfile
from pathlib import Path

from hoviat.settings import *  # noqa: F403
from hoviat.settings import DATABASES

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
