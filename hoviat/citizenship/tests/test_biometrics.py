"""Biometrics of a case through enrolment's device interface, the matcher's search of the
registry's enrolments and the other open cases, and the review queue of possible duplicates."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hoviat.citizenship.models import Case, CaseBiometric, Function, PossibleDuplicate
from hoviat.citizenship.tests.conftest import case_body, scan, staff, token_client
from hoviat.citizenship.tests.test_decision import vote
from hoviat.core.models import AuditEntry
from hoviat.enrolment.devices import SimulatorDevice, capture_all, simulator_for
from hoviat.enrolment.models import BiometricFile
from tests.factories import CitizenFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

CLEARED = "دو شخص متفاوت‌اند: چهره و اثر انگشت در بررسی دستی یکی نبود."


def ready_case(hamid_api, police_api, security_api, county, **over) -> Case:
    """A case filed, documented and answered: all it lacks is the submission."""
    number = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(county, **over), "application/json"
    ).json()["case_number"]
    for kind in ("father_documents", "grandfather_documents"):
        hamid_api.post(
            f"/api/v1/citizenship/cases/{number}/documents",
            {"kind": kind, "file": SimpleUploadedFile("scan.png", scan())},
        )
    for agency, api in (("police", police_api), ("security", security_api)):
        inquiry_id = hamid_api.post(
            f"/api/v1/citizenship/cases/{number}/inquiries", {"agency": agency}, "application/json"
        ).json()["inquiry_id"]
        api.post(
            f"/api/v1/citizenship/inquiries/{inquiry_id}/answer",
            {"outcome": "confirmed"},
            "application/json",
        )
    return Case.objects.get(case_number=number)


@pytest.fixture
def ready(hamid_api, police_api, security_api, zahedan):
    return lambda **over: ready_case(hamid_api, police_api, security_api, zahedan, **over)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def body_of(person: str, missing: dict[int, str] | None = None) -> dict:
    """What an office's capture of this person uploads (enrolment's simulator pictures)."""
    captured = capture_all(SimulatorDevice(person=person, missing=dict(missing or {})))
    return {
        "face_image": b64(captured["face"]),
        "fingerprints": [
            {"position": p, "image": b64(captured["fingers"][p])}
            if p in captured["fingers"]
            else {"position": p, "missing": (missing or {})[p]}
            for p in range(1, 11)
        ],
    }


def capture(api, case, body):
    return api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/biometrics", body, "application/json"
    )


def submit(api, case):
    return api.post(f"/api/v1/citizenship/cases/{case.case_number}/submit")


def test_the_officer_captures_face_and_fingers_through_the_device_and_they_are_kept_sealed(
    hamid_api, ready
):
    case = ready()

    answer = capture(hamid_api, case, {"device": True})

    assert answer.status_code == 201, answer.content
    assert answer.json() == {"captured": list(range(11)), "possible_duplicates": []}
    face = CaseBiometric.objects.get(case=case, position=0)
    plain = SimulatorDevice(person=case.temporary_id, initials="ع. ب.").capture_face()
    assert face.sha256 == hashlib.sha256(plain).hexdigest()
    assert bytes(face.data) != plain and plain[:64] not in bytes(face.data)
    shown = hamid_api.get(f"/api/v1/citizenship/cases/{case.case_number}").json()
    assert shown["biometrics_captured"] == list(range(11))
    assert AuditEntry.objects.filter(action="citizenship_biometrics.captured").count() == 1
    again = capture(hamid_api, case, {"device": True})
    assert again.status_code == 409 and again.json()["code"] == "BIOMETRICS_ALREADY_CAPTURED"
    assert submit(hamid_api, case).json()["status"] == "awaiting_decision"


def test_a_finger_not_taken_is_kept_with_its_reason(hamid_api, ready):
    case = ready()

    answer = capture(hamid_api, case, body_of("someone", missing={3: "AMPUTATED"}))

    assert answer.status_code == 201, answer.content
    assert 3 not in answer.json()["captured"] and len(answer.json()["captured"]) == 10
    assert CaseBiometric.objects.get(case=case, position=3).missing_reason == "AMPUTATED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda body: body.pop("face_image"), "FACE_REQUIRED"),
        (lambda body: body["fingerprints"].pop(), "FINGERS_INCOMPLETE"),
        (lambda body: body["fingerprints"][0].update(position=11), "FINGER_POSITION_INVALID"),
        (
            lambda body: body["fingerprints"][0].update(image=None, missing="LOST"),
            "MISSING_REASON_INVALID",
        ),
        (lambda body: body.update(face_image="not base64!"), "IMAGE_BASE64"),
        (lambda body: body.update(face_image=b64(scan(800, 600))), "FACE_ASPECT_RATIO"),
    ],
)
def test_bad_biometrics_are_refused_and_nothing_kept(hamid_api, ready, change, code):
    case = ready()
    body = body_of("someone")
    change(body)

    answer = capture(hamid_api, case, body)

    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == code
    assert not CaseBiometric.objects.exists()


def test_only_a_case_officer_of_the_county_captures(ready, zabol_officer_api, council_apis):
    case = ready()
    assert capture(zabol_officer_api, case, {"device": True}).status_code == 404
    refused = capture(council_apis[0], case, {"device": True})
    assert refused.status_code == 403 and refused.json()["code"] == "NOT_CASE_OFFICER"
    assert not CaseBiometric.objects.exists()


def test_the_same_person_in_two_open_cases_waits_for_review_before_the_council(
    hamid_api, ready, council_apis
):
    first = ready()
    second = ready(first_name="عبدالرحمن", father_name="کریم‌بخش", family=[])
    assert capture(hamid_api, first, body_of("one person")).json()["possible_duplicates"] == []

    answer = capture(hamid_api, second, body_of("one person"))

    found = answer.json()["possible_duplicates"]
    assert [(d["case_number"], d["other_case_number"], d["score"]) for d in found] == [
        (second.case_number, first.case_number, 100)
    ]
    assert found[0]["positions"] == list(range(11)) and found[0]["status"] == "open"
    for case in (first, second):  # both sides wait
        refused = submit(hamid_api, case)
        assert refused.status_code == 409, refused.content
        assert refused.json()["code"] == "DUPLICATE_UNRESOLVED"
        assert refused.json()["possible_duplicates"] == [found[0]["id"]]
    queue = hamid_api.get("/api/v1/citizenship/duplicates").json()
    assert [d["id"] for d in queue] == [found[0]["id"]]
    assert AuditEntry.objects.filter(action="citizenship_duplicate.found").count() == 1

    for reason in ("", "   ", "بررسی شد"):
        answer = hamid_api.post(
            f"/api/v1/citizenship/duplicates/{found[0]['id']}/clear",
            {"reason": reason},
            "application/json",
        )
        assert answer.status_code == 422 and answer.json()["code"] == "RESOLUTION_REASON_REQUIRED"
    assert PossibleDuplicate.objects.get().status == "open"

    cleared = hamid_api.post(
        f"/api/v1/citizenship/duplicates/{found[0]['id']}/clear",
        {"reason": CLEARED},
        "application/json",
    )

    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    assert cleared.json()["reason"] == CLEARED
    entry = AuditEntry.objects.get(action="citizenship_duplicate.cleared")
    assert (entry.from_state, entry.to_state, entry.reason) == ("open", "cleared", CLEARED)
    assert hamid_api.get("/api/v1/citizenship/duplicates").json() == []
    again = hamid_api.post(
        f"/api/v1/citizenship/duplicates/{found[0]['id']}/link",
        {"reason": CLEARED},
        "application/json",
    )
    assert again.status_code == 409
    assert submit(hamid_api, first).json()["status"] == "awaiting_decision"
    assert vote(council_apis[0], first).status_code == 200


def test_an_enrolled_citizen_filing_again_is_found_in_the_registry_and_linked(
    hamid_api, ready, council_apis
):
    citizen = CitizenFactory()
    enrolment = EnrolmentFactory(application__citizen=citizen)
    captured = capture_all(simulator_for(citizen=citizen))
    for position, image in [(0, captured["face"]), *captured["fingers"].items()]:
        BiometricFile.objects.create(
            enrolment=enrolment,
            kind="face" if position == 0 else "finger",
            position=position,
            source="device",
            sha256=hashlib.sha256(image).hexdigest(),
            content_type="image/png",
            size=len(image),
            width=400,
            height=500,
            storage_name=secrets.token_hex(16),
            captured_at=timezone.now(),
        )
    case = ready()
    body = body_of("a stranger")
    # The enrolled citizen's face, thumbs and index fingers; the other fingers someone else's.
    body["face_image"] = b64(captured["face"])
    for position in (1, 2, 6, 7):
        body["fingerprints"][position - 1]["image"] = b64(captured["fingers"][position])

    found = capture(hamid_api, case, body).json()["possible_duplicates"]

    assert [(d["national_code"], d["positions"], d["score"]) for d in found] == [
        (citizen.national_code, [0, 1, 2, 6, 7], 45)
    ]
    linked = hamid_api.post(
        f"/api/v1/citizenship/duplicates/{found[0]['id']}/link",
        {"reason": "همان شخص است: پیش‌تر با کد ملی خود کارت هوشمند گرفته است."},
        "application/json",
    )
    assert linked.status_code == 200 and linked.json()["status"] == "linked"
    shown = hamid_api.get(f"/api/v1/citizenship/cases/{case.case_number}").json()
    assert shown["possible_duplicates"][0]["national_code"] == citizen.national_code
    assert AuditEntry.objects.filter(action="citizenship_duplicate.linked").count() == 1
    assert submit(hamid_api, case).status_code == 200
    refused = vote(council_apis[0], case)
    assert refused.status_code == 409 and refused.json()["code"] == "PERSON_ALREADY_REGISTERED"


def test_a_low_score_is_not_a_possible_duplicate(hamid_api, ready, settings):
    settings.CITIZENSHIP_BIOMETRIC_MATCH_THRESHOLD = 50
    first, second = ready(), ready(first_name="عبدالرحمن", family=[])
    capture(hamid_api, first, body_of("one person"))
    body = body_of("another person")
    body["face_image"] = body_of("one person")["face_image"]  # 1 of 11 positions

    assert capture(hamid_api, second, body).json()["possible_duplicates"] == []
    assert not PossibleDuplicate.objects.exists()


def test_an_officer_of_another_county_neither_sees_nor_resolves_the_queue(hamid_api, ready, zabol):
    first, second = ready(), ready(first_name="عبدالرحمن", family=[])
    capture(hamid_api, first, body_of("one person"))
    duplicate = capture(hamid_api, second, body_of("one person")).json()["possible_duplicates"][0]
    zabol_api = token_client(staff("zabol-2", zabol, Function.CASE_OFFICER))

    assert zabol_api.get("/api/v1/citizenship/duplicates").json() == []
    answer = zabol_api.post(
        f"/api/v1/citizenship/duplicates/{duplicate['id']}/clear",
        {"reason": CLEARED},
        "application/json",
    )
    assert answer.status_code == 404 and answer.json()["code"] == "DUPLICATE_NOT_FOUND"
    assert PossibleDuplicate.objects.get().status == "open"


def test_a_duplicate_across_two_counties_is_in_both_officers_queues(
    hamid_api, ready, zabol_officer_api, zabol
):
    here = ready()
    capture(hamid_api, here, body_of("one person"))
    number = zabol_officer_api.post(
        "/api/v1/citizenship/cases",
        case_body(zabol, first_name="عبدالرحمن", family=[]),
        "application/json",
    ).json()["case_number"]
    there = Case.objects.get(case_number=number)

    found = capture(zabol_officer_api, there, body_of("one person")).json()
    duplicate = found["possible_duplicates"][0]

    assert duplicate["other_case_number"] == here.case_number
    for api in (hamid_api, zabol_officer_api):
        assert [d["id"] for d in api.get("/api/v1/citizenship/duplicates").json()] == [
            duplicate["id"]
        ]
    cleared = hamid_api.post(
        f"/api/v1/citizenship/duplicates/{duplicate['id']}/clear",
        {"reason": CLEARED},
        "application/json",
    )
    assert cleared.status_code == 200
    assert submit(hamid_api, here).json()["status"] == "awaiting_decision"


def test_a_case_linked_to_a_registered_person_cannot_be_approved_only_refused(
    hamid_api, ready, council_apis
):
    first, second = ready(), ready(first_name="عبدالرحمن", family=[])
    capture(hamid_api, first, body_of("one person"))
    duplicate = capture(hamid_api, second, body_of("one person")).json()["possible_duplicates"][0]
    hamid_api.post(
        f"/api/v1/citizenship/duplicates/{duplicate['id']}/link",
        {"reason": "همان شخص با دو نام: چهره و ده انگشت یکی است."},
        "application/json",
    )
    assert submit(hamid_api, first).status_code == 200
    vote(council_apis[0], first)
    assert vote(council_apis[1], first).json()["status"] == "issued"
    code = Case.objects.get(pk=first.pk).citizen.national_code

    assert submit(hamid_api, second).status_code == 200
    refused = vote(council_apis[0], second)

    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "PERSON_ALREADY_REGISTERED"
    assert refused.json()["national_codes"] == [code]
    assert Case.objects.get(pk=second.pk).status == "awaiting_decision"
    reasons = "این شخص پیش‌تر با پروندهٔ دیگری ثبت شده است."
    vote(council_apis[0], second, "refuse", reasons)
    assert vote(council_apis[1], second, "refuse", reasons).json()["status"] == "refused"
