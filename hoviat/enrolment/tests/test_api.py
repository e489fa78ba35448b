"""The enrolment through the API, as office software would drive it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hoviat.applications.models import Application
from hoviat.booking.models import Booking
from hoviat.core.models import AuditEntry
from hoviat.enrolment.models import BiometricFile, Enrolment, Receipt
from hoviat.enrolment.tests.conftest import (
    application_for,
    b64,
    book,
    full_payload,
    picture,
    slot_today,
    token_client,
)
from hoviat.notifications.models import SmsMessage
from hoviat.pki.selectors import receipt_qr_verify

pytestmark = pytest.mark.django_db


def post(client, path, body=None, **extra):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **extra)


def test_the_whole_visit_in_one_request_enrols_books_attended_and_issues_a_signed_receipt(
    reza_api, sara_booked, sara_device
):
    response = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device))

    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["tracking_code"] == sara_booked.tracking_code
    assert body["application_status"] == "enrolled"
    receipt = Receipt.objects.get(receipt_number=body["receipt_number"])
    sara_booked.refresh_from_db()
    assert sara_booked.status == "enrolled"
    assert sara_booked.enrolled_at is not None
    assert Booking.objects.get(application=sara_booked).status == "attended"
    enrolment = Enrolment.objects.get(application=sara_booked)
    assert enrolment.status == "completed"
    assert len(enrolment.face_sha256) == 64
    assert sorted(enrolment.fingerprints, key=int) == [str(n) for n in range(1, 11)]
    assert BiometricFile.objects.filter(enrolment=enrolment).count() == 11
    verdict = receipt_qr_verify(text=receipt.qr_text)
    assert verdict.status == "valid"
    assert verdict.claims.receipt_number == receipt.receipt_number
    assert verdict.claims.national_code == "0499370899"
    assert verdict.claims.tracking_code == sara_booked.tracking_code
    sms = SmsMessage.objects.get(kind="enrolment_completed")
    assert sms.to == sara_booked.mobile
    assert "شماره رسید" in sms.body
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "booking.attended",
        "application.enrolled",
        "enrolment.completed",
        "receipt.issued",
        "biometric.face.captured",
        "biometric.finger.captured",
    } <= actions
    # The hashes of what was captured travel with the application's audit row.
    enrolled = AuditEntry.objects.get(action="application.enrolled")
    assert enrolled.data["face_sha256"] == enrolment.face_sha256


def test_the_simulator_can_stand_in_for_every_capture(reza_api, sara_booked):
    response = post(
        reza_api,
        "/api/v1/enrolments",
        {
            "tracking_code": sara_booked.tracking_code,
            "capture": "simulator",
            "documents": ["shenasnameh_original", "form_confirmed"],
            "fingerprints": [{"position": 4, "missing": "AMPUTATED"}],
        },
    )

    assert response.status_code == 201, response.content.decode()
    enrolment = Enrolment.objects.get(application=sara_booked)
    assert enrolment.fingerprints["4"] == {"missing": "AMPUTATED"}
    assert BiometricFile.objects.filter(enrolment=enrolment, kind="finger").count() == 9


def test_step_by_step_the_enrolment_reports_what_is_still_missing(reza_api, sara_booked):
    response = post(reza_api, "/api/v1/enrolments/check-in", {"national_code": "۰۴۹۹۳۷۰۸۹۹"})
    assert response.status_code == 201, response.content.decode()
    enrolment = response.json()
    assert enrolment["status"] == "in_progress"
    assert enrolment["walk_in"] is False
    assert not enrolment["ready"]
    base = f"/api/v1/enrolments/{enrolment['id']}"

    premature = post(reza_api, f"{base}/complete")
    assert premature.status_code == 422
    assert premature.json()["code"] == "ENROLMENT_INCOMPLETE"
    assert premature.json()["missing_documents"] == ["shenasnameh_original", "form_confirmed"]

    reza_api.put(
        f"{base}/documents",
        json.dumps({"documents": ["shenasnameh_original", "form_confirmed"]}),
        content_type="application/json",
    )
    post(reza_api, f"{base}/face", {"capture": "simulator"})
    for position in range(1, 10):
        post(reza_api, f"{base}/fingerprints/{position}", {"capture": "simulator"})
    nine = post(reza_api, f"{base}/complete")
    assert nine.status_code == 422
    assert nine.json()["fingers_undone"] == [10]

    post(reza_api, f"{base}/fingerprints/10", {"missing": "BANDAGED"})
    done = post(reza_api, f"{base}/complete")
    assert done.status_code == 201, done.content.decode()
    assert done.json()["application_status"] == "enrolled"
    assert done.json()["pdf_url"].endswith(".pdf")


def test_todays_appointments_list_only_the_operators_office(reza_api, omid_api, sara_booked):
    mine = reza_api.get("/api/v1/office/appointments").json()
    assert [a["tracking_code"] for a in mine] == [sara_booked.tracking_code]
    assert mine[0]["enrolment_id"] is None
    assert omid_api.get("/api/v1/office/appointments").json() == []


def test_an_operator_of_another_office_cannot_see_or_touch_the_enrolment(
    reza_api, omid_api, sara_booked
):
    enrolment_id = post(
        reza_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code}
    ).json()["id"]

    for response in (
        omid_api.get(f"/api/v1/enrolments/{enrolment_id}"),
        post(omid_api, f"/api/v1/enrolments/{enrolment_id}/face", {"capture": "simulator"}),
        post(omid_api, f"/api/v1/enrolments/{enrolment_id}/complete"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "ENROLMENT_NOT_FOUND"
    assert not BiometricFile.objects.exists()


def test_another_office_cannot_take_over_an_enrolment_started_today(
    reza_api, omid_api, sara_booked, other_office
):
    post(reza_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code})
    slot_today(other_office, hour=13)

    response = post(
        omid_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ENROLMENT_IN_PROGRESS_ELSEWHERE"


def test_another_offices_operator_cannot_download_the_receipt_or_reissue_it(
    reza_api, omid_api, sara_booked, sara_device
):
    number = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device)).json()[
        "receipt_number"
    ]

    pdf = omid_api.get(f"/api/v1/receipts/{number}.pdf")
    reissue = post(omid_api, f"/api/v1/receipts/{sara_booked.tracking_code}/reissue")

    assert pdf.status_code == 404
    assert pdf.json()["code"] == "RECEIPT_NOT_FOUND"
    assert reissue.status_code == 404
    assert reissue.json()["code"] == "ENROLMENT_NOT_FOUND"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("expired", "APPLICATION_EXPIRED"),
        ("cancelled", "APPLICATION_CANCELLED"),
        ("pre_registered", "APPLICATION_NOT_PAID"),
        ("delivered", "APPLICATION_CLOSED"),
    ],
)
def test_it_refuses_an_application_that_cannot_be_enrolled(
    reza_api, sara, office, status, code, sara_device
):
    application = application_for(sara, status=status)

    response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert not Enrolment.objects.exists()
    assert not BiometricFile.objects.exists()


def test_a_second_enrolment_of_the_same_application_is_refused(reza_api, sara_booked, sara_device):
    assert (
        post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device)).status_code
        == 201
    )
    files = BiometricFile.objects.count()

    again = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device))

    assert again.status_code == 409
    assert again.json()["code"] == "ENROLMENT_EXISTS"
    assert Receipt.objects.count() == 1
    assert BiometricFile.objects.count() == files


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        ({"face_image": b64(b"\xff\xd8\xff\xe0 this is not a jpeg at all")}, "IMAGE_CORRUPT"),
        ({"face_image": b64(picture((300, 400)))}, "FACE_TOO_SMALL"),
        ({"face_image": b64(picture((800, 800)))}, "FACE_ASPECT_RATIO"),
        ({"face_image": b64(picture((600, 800), fmt="GIF", mode="P"))}, "IMAGE_FORMAT_UNSUPPORTED"),
        ({"face_image": "not base64 !!"}, "IMAGE_ENCODING_INVALID"),
    ],
)
def test_a_bad_face_image_is_refused_with_its_code_and_nothing_is_written(
    reza_api, sara_booked, sara_device, biometric_store, replace, code
):
    payload = {**full_payload(sara_booked, sara_device), **replace}

    response = post(reza_api, "/api/v1/enrolments", payload)

    assert response.status_code == 422, response.content.decode()
    assert response.json()["code"] == code
    assert response.json()["detail"]  # in Persian
    assert not Enrolment.objects.exists()
    assert not [path for path in biometric_store.rglob("*") if path.is_file()]
    sara_booked.refresh_from_db()
    assert sara_booked.status == "booked"


def test_a_truncated_fingerprint_is_corrupt(reza_api, sara_booked, sara_device):
    payload = full_payload(sara_booked, sara_device)
    payload["fingerprints"][2]["image"] = b64(sara_device.capture_finger(3)[:2000])

    response = post(reza_api, "/api/v1/enrolments", payload)

    assert response.status_code == 422
    assert response.json()["code"] == "IMAGE_CORRUPT"


def test_an_oversized_image_is_refused(reza_api, sara_booked, sara_device, settings):
    settings.BIOMETRIC_MAX_UPLOAD_BYTES = 10_000  # the simulator's face is about 22 kB

    response = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device))

    assert response.status_code == 422
    assert response.json()["code"] == "IMAGE_TOO_LARGE"
    assert not Enrolment.objects.exists()


def test_a_missing_finger_needs_a_reason(reza_api, sara_booked, sara_device):
    payload = full_payload(sara_booked, sara_device)
    payload["fingerprints"][4] = {"position": 5}

    response = post(reza_api, "/api/v1/enrolments", payload)

    assert response.status_code == 422
    assert response.json()["code"] == "FINGER_MISSING_REASON_REQUIRED"
    assert not Enrolment.objects.exists()


def test_a_finger_left_out_altogether_stops_completion_and_the_files_written_go_again(
    reza_api, sara_booked, sara_device, biometric_store
):
    payload = full_payload(sara_booked, sara_device)
    del payload["fingerprints"][9]

    response = post(reza_api, "/api/v1/enrolments", payload)

    assert response.status_code == 422
    assert response.json()["code"] == "ENROLMENT_INCOMPLETE"
    assert response.json()["fingers_undone"] == [10]
    assert not Enrolment.objects.exists()
    assert not BiometricFile.objects.exists()
    # Ten files were written before completion was refused: none is left on disk.
    assert not [path for path in biometric_store.rglob("*") if path.is_file()]


def test_ten_missing_fingers_are_not_an_enrolment(reza_api, sara_booked, sara_device):
    payload = full_payload(
        sara_booked, sara_device, missing={n: "UNABLE_TO_CAPTURE" for n in range(1, 11)}
    )

    response = post(reza_api, "/api/v1/enrolments", payload)

    assert response.status_code == 422
    assert response.json()["fingers_captured"] == 0


@pytest.mark.usefixtures("clock")
def test_a_walk_in_gets_the_next_free_slot_today_when_allowed(
    reza_api, sara, office, sara_device, settings
):
    settings.ENROLMENT_WALK_IN_ALLOWED = True
    application = application_for(sara, status="paid")
    slot = slot_today(office, hour=10, capacity=1)

    response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))

    assert response.status_code == 201, response.content.decode()
    enrolment = Enrolment.objects.get(application=application)
    assert enrolment.walk_in
    assert Booking.objects.get(application=application, status="attended").slot == slot


@pytest.mark.usefixtures("clock")
def test_a_walk_in_is_refused_when_walk_ins_are_off(reza_api, sara, office, sara_device, settings):
    settings.ENROLMENT_WALK_IN_ALLOWED = False
    application = application_for(sara, status="paid")
    slot_today(office, hour=10)

    response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))

    assert response.status_code == 409
    assert response.json()["code"] == "NO_APPOINTMENT_TODAY"


@pytest.mark.usefixtures("clock")
def test_a_walk_in_is_refused_when_today_is_full(reza_api, sara, office, sara_device):
    application = application_for(sara, status="paid")
    slot_today(office, hour=10, capacity=1, taken=1)

    response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))

    assert response.status_code == 409
    assert response.json()["code"] == "WALK_IN_NO_ROOM"
    assert Application.objects.get(pk=application.pk).status == "paid"


@pytest.mark.usefixtures("clock")
def test_a_booking_at_another_office_moves_here_for_a_walk_in(
    reza_api, sara, office, other_office, sara_device
):
    application = application_for(sara)
    elsewhere = slot_today(other_office, hour=10)
    book(application, elsewhere)
    here = slot_today(office, hour=10)

    response = post(reza_api, "/api/v1/enrolments", full_payload(application, sara_device))

    assert response.status_code == 201, response.content.decode()
    assert Booking.objects.get(application=application, status="attended").slot == here
    assert Booking.objects.get(application=application, status="moved").slot == elsewhere


def test_a_staff_member_without_an_office_cannot_enrol(sara_booked, sara_device, maryam):
    response = post(
        token_client(maryam), "/api/v1/enrolments", full_payload(sara_booked, sara_device)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "OFFICE_OPERATOR_REQUIRED"


def test_the_enrolment_api_needs_a_token(client, sara_booked, sara_device):
    response = post(client, "/api/v1/enrolments", full_payload(sara_booked, sara_device))
    assert response.status_code == 401


def test_a_retried_enrolment_with_the_same_idempotency_key_gets_the_same_receipt(
    reza_api, sara_booked, sara_device
):
    payload = full_payload(sara_booked, sara_device)

    first = post(reza_api, "/api/v1/enrolments", payload, HTTP_IDEMPOTENCY_KEY="visit-1")
    again = post(reza_api, "/api/v1/enrolments", payload, HTTP_IDEMPOTENCY_KEY="visit-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert Receipt.objects.count() == 1


def test_an_enrolment_left_unfinished_yesterday_starts_again_at_the_office_of_today(
    clock,
    reza_api,
    omid,
    sara_booked,
    other_office,
    biometric_store,
    django_capture_on_commit_callbacks,
):
    started = post(
        reza_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code}
    ).json()
    post(reza_api, f"/api/v1/enrolments/{started['id']}/face", {"capture": "simulator"})
    clock.shift(dt.timedelta(days=1))  # Sunday
    slot_today(other_office, hour=10)
    omid_api = token_client(omid)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            omid_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code}
        )

    assert response.status_code == 201, response.content.decode()
    again = response.json()
    assert again["id"] == started["id"]
    assert again["office_id"] == other_office.pk
    assert again["walk_in"] is True
    assert again["face_captured"] is False  # yesterday's captures are not trusted
    assert not [path for path in biometric_store.rglob("*") if path.is_file()]
    assert list(
        AuditEntry.objects.filter(object_type="enrolment.enrolment")
        .order_by("id")
        .values_list("to_state", flat=True)
    ) == ["in_progress", "abandoned", "in_progress"]


@pytest.mark.parametrize("position", [0, 11])
def test_a_finger_position_outside_one_to_ten_is_refused(reza_api, sara_booked, position):
    enrolment = post(
        reza_api, "/api/v1/enrolments/check-in", {"tracking_code": sara_booked.tracking_code}
    ).json()

    for body in ({"capture": "simulator"}, {"missing": "AMPUTATED"}):
        response = post(
            reza_api, f"/api/v1/enrolments/{enrolment['id']}/fingerprints/{position}", body
        )
        assert response.status_code == 422
        assert response.json()["code"] == "FINGER_POSITION_INVALID"
