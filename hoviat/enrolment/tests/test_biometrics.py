"""Biometric capture and storage: the simulator, image checks, encryption at rest, and who may
look at a captured image."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from PIL import Image, UnidentifiedImageError

from hoviat.core.models import AuditEntry
from hoviat.enrolment import storage
from hoviat.enrolment.devices import BiometricDevice, MissingFinger, SimulatorDevice
from hoviat.enrolment.images import ImageRejected, image_check
from hoviat.enrolment.models import BiometricFile, Enrolment
from hoviat.enrolment.services import (
    biometric_files_rekey,
    biometric_orphans_sweep,
    enrolment_abandon,
    enrolment_capture_face,
    enrolment_capture_fingerprint,
    enrolment_check_in,
)
from hoviat.enrolment.tests.conftest import full_payload, picture, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(reza_api, sara_booked, sara_device) -> Enrolment:
    response = reza_api.post(
        "/api/v1/enrolments",
        json.dumps(full_payload(sara_booked, sara_device)),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content.decode()
    return Enrolment.objects.get(application=sara_booked)


def stored_path(bio: BiometricFile):
    return storage._path_of(bio.storage_name)


# --- The simulator -------------------------------------------------------------------------


def test_the_simulator_gives_the_same_person_the_same_pictures_and_others_different_ones():
    sara = SimulatorDevice(person="0499370899", initials="س. م.")
    again = SimulatorDevice(person="0499370899", initials="س. م.")
    other = SimulatorDevice(person="0012345679", initials="ع. ر.")

    assert isinstance(sara, BiometricDevice)
    assert sara.capture_face() == again.capture_face()
    assert sara.capture_finger(2) == again.capture_finger(2)
    assert sara.capture_finger(2) != sara.capture_finger(3)
    assert sara.capture_face() != other.capture_face()


def test_the_simulators_pictures_pass_the_checks_a_real_capture_must_pass():
    device = SimulatorDevice(person="0499370899")

    face = image_check(device.capture_face(), kind="face")
    finger = image_check(device.capture_finger(7), kind="finger")

    assert (face.content_type, face.width, face.height) == ("image/jpeg", 600, 800)
    assert (finger.content_type, finger.width, finger.height) == ("image/png", 400, 500)
    assert Image.open(io.BytesIO(finger.data)).info["dpi"] == pytest.approx((500, 500), abs=1)


def test_the_simulator_can_report_a_missing_finger_with_its_reason():
    device = SimulatorDevice(missing={6: "AMPUTATED"})

    assert device.capture_finger(6) == MissingFinger("AMPUTATED")
    assert isinstance(device.capture_finger(1), bytes)
    with pytest.raises(ValueError):
        SimulatorDevice(missing={11: "AMPUTATED"})
    with pytest.raises(ValueError):
        SimulatorDevice(missing={1: "LOST"})


# --- Image checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "code"),
    [
        (b"", "face", "IMAGE_EMPTY"),
        (b"GIF89a not really", "face", "IMAGE_CORRUPT"),
        (picture((600, 800), fmt="BMP"), "face", "IMAGE_FORMAT_UNSUPPORTED"),
        (picture((470, 640)), "face", "FACE_TOO_SMALL"),
        (picture((640, 480)), "face", "FACE_ASPECT_RATIO"),
        (picture((200, 400), fmt="PNG", mode="L"), "finger", "FINGER_TOO_SMALL"),
    ],
)
def test_each_bad_image_has_its_own_code(data, kind, code):
    with pytest.raises(ImageRejected) as refused:
        image_check(data, kind=kind)
    assert refused.value.code == code


def test_a_face_within_ten_percent_of_three_by_four_is_accepted():
    assert image_check(picture((540, 720)), kind="face").width == 540  # exactly 3:4
    assert image_check(picture((600, 740)), kind="face").height == 740  # 0.81, within 10%


def test_a_phone_photo_turned_by_exif_is_judged_as_shown():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: stored 800×600, shown 600×800
    Image.new("RGB", (800, 600), "white").save(buffer, "JPEG", exif=exif)

    checked = image_check(buffer.getvalue(), kind="face")

    assert (checked.width, checked.height) == (600, 800)


def test_a_decompression_bomb_is_refused_as_too_large(settings):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # a few kB, 400 megapixels

    with pytest.raises(ImageRejected) as refused:
        image_check(buffer.getvalue(), kind="finger")

    assert refused.value.code == "IMAGE_TOO_LARGE"


# --- At rest -------------------------------------------------------------------------------


def test_biometric_files_on_disk_are_encrypted_and_decrypt_to_their_recorded_hash(enrolled):
    files = list(enrolled.biometrics.all())
    assert len(files) == 11
    for bio in files:
        path = stored_path(bio)
        raw = path.read_bytes()
        with pytest.raises(UnidentifiedImageError):
            Image.open(io.BytesIO(raw))
        assert hashlib.sha256(raw).hexdigest() != bio.sha256
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        plain = storage.encrypted_read(bio.storage_name, sha256=bio.sha256)
        assert hashlib.sha256(plain).hexdigest() == bio.sha256
    face = enrolled.biometrics.get(kind="face")
    assert enrolled.face_sha256 == face.sha256
    assert enrolled.fingerprints["1"]["sha256"] == enrolled.biometrics.get(position=1).sha256


def test_a_file_swapped_for_another_on_disk_is_detected(enrolled):
    one, two = enrolled.biometrics.filter(kind="finger")[:2]
    stored_path(two).write_bytes(stored_path(one).read_bytes())

    with pytest.raises(storage.BiometricFileDamaged):
        storage.encrypted_read(two.storage_name, sha256=two.sha256)


def test_after_a_key_rotation_old_files_still_open_and_rekey_moves_them_to_the_new_key(
    enrolled, settings
):
    old_key = settings.BIOMETRIC_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.BIOMETRIC_KEYS = [new_key, old_key]
    face = enrolled.biometrics.get(kind="face")

    assert storage.encrypted_read(face.storage_name, sha256=face.sha256)
    assert biometric_files_rekey() == 11
    assert biometric_files_rekey() == 0

    settings.BIOMETRIC_KEYS = [new_key]
    assert storage.encrypted_read(face.storage_name, sha256=face.sha256)
    settings.BIOMETRIC_KEYS = [old_key]
    with pytest.raises(storage.BiometricFileDamaged):
        storage.encrypted_read(face.storage_name, sha256=face.sha256)


def test_a_recaptured_finger_replaces_the_earlier_file(
    reza, sara_booked, sara_device, django_capture_on_commit_callbacks
):
    enrolment = enrolment_check_in(operator=reza, tracking_code=sara_booked.tracking_code)
    first = enrolment_capture_fingerprint(
        enrolment=enrolment, operator=reza, position=2, image=sara_device.capture_finger(2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = enrolment_capture_fingerprint(
            enrolment=enrolment, operator=reza, position=2, image=sara_device.capture_finger(3)
        )

    assert list(enrolment.biometrics.values_list("pk", flat=True)) == [second.pk]
    assert not stored_path(first).exists()
    assert stored_path(second).exists()


def test_recording_a_finger_as_missing_removes_its_earlier_capture(
    reza, sara_booked, sara_device, django_capture_on_commit_callbacks
):
    enrolment = enrolment_check_in(operator=reza, tracking_code=sara_booked.tracking_code)
    bio = enrolment_capture_fingerprint(
        enrolment=enrolment, operator=reza, position=9, image=sara_device.capture_finger(9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_capture_fingerprint(
            enrolment=enrolment, operator=reza, position=9, missing_reason="BANDAGED"
        )

    enrolment.refresh_from_db()
    assert enrolment.fingerprints["9"] == {"missing": "BANDAGED"}
    assert not enrolment.biometrics.exists()
    assert not stored_path(bio).exists()


def test_an_abandoned_enrolment_keeps_no_pictures_and_can_start_again(
    reza, sara_booked, sara_face, django_capture_on_commit_callbacks
):
    enrolment = enrolment_check_in(operator=reza, tracking_code=sara_booked.tracking_code)
    face = enrolment_capture_face(
        enrolment=enrolment, operator=reza, image=sara_face, source="device"
    )

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_abandon(enrolment=enrolment, operator=reza)

    assert not stored_path(face).exists()
    assert Enrolment.objects.get(pk=enrolment.pk).status == "abandoned"
    again = enrolment_check_in(operator=reza, tracking_code=sara_booked.tracking_code)
    assert again.pk == enrolment.pk and again.status == "in_progress"
    assert again.face_sha256 == ""


def test_files_no_row_refers_to_are_swept(reza, sara_booked, biometric_store):
    kept = enrolment_check_in(operator=reza, tracking_code=sara_booked.tracking_code)
    orphan = storage.encrypted_write(b"left behind by a crash")
    os.utime(storage._path_of(orphan), (0, 0))
    enrolment_capture_face(
        enrolment=kept, operator=reza, image=SimulatorDevice().capture_face(), source="device"
    )

    assert biometric_orphans_sweep() == 1
    assert not storage._path_of(orphan).exists()
    assert BiometricFile.objects.count() == 1


# --- Looking at a captured image -----------------------------------------------------------


def test_a_captured_image_is_shown_to_its_office_and_admins_only_never_cached_and_audited(
    enrolled, reza_api, omid_api, nasrin, maryam
):
    face = enrolled.biometrics.get(kind="face")
    url = f"/api/v1/biometrics/{face.pk}"

    seen = reza_api.get(url)
    assert seen.status_code == 200
    assert seen["Content-Type"] == "image/jpeg"
    assert "no-store" in seen["Cache-Control"]
    assert hashlib.sha256(seen.content).hexdigest() == face.sha256
    assert token_client(nasrin).get(url).status_code == 200
    for stranger in (omid_api, token_client(maryam)):
        refused = stranger.get(url)
        assert refused.status_code == 404
        assert refused.json()["code"] == "ENROLMENT_NOT_FOUND"
    assert AuditEntry.objects.filter(action="biometric.viewed", object_id=str(face.pk)).count() == 2


def test_the_sweep_and_rekey_commands_report_what_they_did(enrolled, capsys):
    call_command("biometrics_sweep")
    call_command("biometrics_rekey")

    out = capsys.readouterr().out
    assert "orphan biometric files deleted: 0" in out
    assert "biometric files re-encrypted: 0" in out
