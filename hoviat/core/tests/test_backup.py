"""`hoviat backup` and `hoviat restore`: the database and the folders come back; a damaged
backup is refused before anything is touched."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from hoviat.core.backup import BackupError, backup_create, backup_restore, backup_verify
from hoviat.places.models import Province
from tests.factories import ProvinceFactory


@pytest.fixture
def folders(settings, tmp_path):
    biometrics = tmp_path / "var" / "biometrics"
    (biometrics / "ab").mkdir(parents=True)
    (biometrics / "ab" / "face.enc").write_bytes(b"encrypted face")
    keys = tmp_path / "var" / "keys"
    keys.mkdir()
    (keys / "audit.pem").write_text("a key")
    settings.BACKUP_FILE_DIRS = {"biometrics": biometrics, "keys": keys}
    return biometrics, keys, tmp_path / "backups"


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_rows_and_the_files(folders):
    biometrics, keys, destination = folders
    ProvinceFactory(code="IR-06")
    made = backup_create(destination=destination)
    manifest = json.loads((made.folder / "manifest.json").read_text())
    assert set(manifest["sha256"]) >= {
        manifest["database"],
        "files/biometrics/ab/face.enc",
        "files/keys/audit.pem",
    }

    # The disaster: rows and files gone.
    Province.objects.all().delete()
    (biometrics / "ab" / "face.enc").unlink()
    (keys / "audit.pem").write_text("overwritten")

    call_command("restore", str(made.folder), "--yes")
    assert list(Province.objects.values_list("code", flat=True)) == ["IR-06"]
    assert (biometrics / "ab" / "face.enc").read_bytes() == b"encrypted face"
    assert (keys / "audit.pem").read_text() == "a key"
    # What was there before the restore is kept aside, not destroyed.
    assert any(p.name.startswith("keys.before-restore-") for p in keys.parent.iterdir())


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_naming_the_files_and_nothing_is_restored(folders):
    _biometrics, _keys, destination = folders
    ProvinceFactory(code="IR-06")
    made = backup_create(destination=destination)
    ProvinceFactory(code="IR-07")
    (made.folder / "files" / "biometrics" / "ab" / "face.enc").write_bytes(b"tampered")
    (made.folder / "files" / "keys" / "audit.pem").unlink()

    with pytest.raises(BackupError) as refused:
        backup_restore(folder=made.folder)
    message = str(refused.value)
    assert "files/biometrics/ab/face.enc: checksum does not match" in message
    assert "files/keys/audit.pem: missing" in message
    assert Province.objects.count() == 2  # untouched
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(made.folder), "--check")


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(BackupError, match="not a Hoviat backup"):
        backup_verify(tmp_path)


@pytest.mark.django_db
def test_restore_asks_for_yes(folders, tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path))
