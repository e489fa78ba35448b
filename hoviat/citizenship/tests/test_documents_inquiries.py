"""Documents by basis of claim, inquiries with their clocks, and the way to the council."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hoviat.citizenship.models import Case, Document, Inquiry
from hoviat.citizenship.tests.conftest import case_body, scan
from hoviat.core.jalali import today_local

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(hamid_api, zahedan):
    answer = hamid_api.post("/api/v1/citizenship/cases", case_body(zahedan), "application/json")
    return Case.objects.get(case_number=answer.json()["case_number"])


def upload(api, case, kind, data=None, name="scan.png", **extra):
    return api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/documents",
        {"kind": kind, "file": SimpleUploadedFile(name, data or scan()), **extra},
    )


def test_a_document_is_kept_with_its_checks_and_listed_on_the_case(hamid_api, case):
    answer = upload(hamid_api, case, "father_documents")

    assert answer.status_code == 201, answer.content
    assert answer.json()["content_type"] == "image/png"
    shown = hamid_api.get(f"/api/v1/citizenship/cases/{case.case_number}").json()
    assert [d["kind"] for d in shown["documents"]] == ["father_documents"]
    assert shown["documents_missing"] == ["grandfather_documents"]


def test_the_applicant_uploads_to_their_own_case(applicant_api, case):
    assert upload(applicant_api, case, "grandfather_documents").status_code == 201


@pytest.mark.parametrize(
    ("kind", "data", "extra", "code"),
    [
        ("passport", None, {}, "DOCUMENT_KIND_INVALID"),
        ("father_documents", b"%PDF-1.4 not an image", {}, "IMAGE_CORRUPT"),
        ("father_documents", scan(fmt="GIF"), {}, "IMAGE_FORMAT_UNSUPPORTED"),
        ("local_attestation", None, {"witnesses": "فقط یک شاهد"}, "WITNESSES_REQUIRED"),
    ],
)
def test_a_wrong_document_is_refused_and_nothing_kept(hamid_api, case, kind, data, extra, code):
    answer = upload(hamid_api, case, kind, data, **extra)

    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == code
    assert not Document.objects.exists()


def test_a_document_too_large_is_refused(hamid_api, case, settings):
    settings.CITIZENSHIP_DOCUMENT_MAX_BYTES = 2048
    answer = upload(hamid_api, case, "father_documents", b"x" * 4096)
    assert answer.status_code == 422 and answer.json()["code"] == "DOCUMENT_TOO_LARGE"
    assert not Document.objects.exists()


def test_an_attestation_names_its_witnesses(hamid_api, case):
    answer = upload(hamid_api, case, "local_attestation", witnesses="غلام ریگی\nعیسی نارویی\n")
    assert answer.status_code == 201
    assert answer.json()["witnesses"] == ["غلام ریگی", "عیسی نارویی"]


def test_inquiries_are_due_after_the_days_settings_give(hamid_api, case, settings):
    settings.CITIZENSHIP_POLICE_DAYS = 30
    settings.CITIZENSHIP_SECURITY_DAYS = 90
    settings.CITIZENSHIP_FORENSIC_DAYS = 45
    due = {}
    for agency in ("police", "security", "forensic"):
        answer = hamid_api.post(
            f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
            {"agency": agency},
            "application/json",
        )
        assert answer.status_code == 201, answer.content
        due[agency] = dt.date.fromisoformat(answer.json()["due_on"])
    today = today_local()
    assert due == {
        "police": today + dt.timedelta(days=30),
        "security": today + dt.timedelta(days=90),
        "forensic": today + dt.timedelta(days=45),
    }
    again = hamid_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
        {"agency": "police"},
        "application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "INQUIRY_ALREADY_OPEN"


def test_an_overdue_inquiry_is_listed_for_the_director_and_flagged_on_the_case(
    hamid_api, case, sistan
):
    from hoviat.citizenship.tests.conftest import token_client
    from hoviat.core.models import Role
    from tests.factories import UserFactory

    hamid_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
        {"agency": "police"},
        "application/json",
    )
    Inquiry.objects.update(due_on=today_local() - dt.timedelta(days=1))  # a month went by
    director = token_client(
        UserFactory(username="sistan-director", role=Role.PROVINCIAL_DIRECTOR, province=sistan)
    )

    overdue = director.get("/api/v1/citizenship/inquiries/overdue").json()
    assert [(i["agency"], i["overdue"]) for i in overdue] == [("police", True)]
    late = director.get("/api/v1/citizenship/cases?overdue=true").json()
    assert [row["case_number"] for row in late] == [case.case_number]
    assert director.get("/api/v1/citizenship/cases?overdue=false").json() == []


def test_only_the_agencys_user_answers_and_only_with_its_outcomes(
    hamid_api, case, police_api, security_api
):
    inquiry_id = hamid_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
        {"agency": "police"},
        "application/json",
    ).json()["inquiry_id"]
    url = f"/api/v1/citizenship/inquiries/{inquiry_id}/answer"

    wrong_user = security_api.post(url, {"outcome": "confirmed"}, "application/json")
    assert wrong_user.status_code == 403 and wrong_user.json()["code"] == "NOT_AGENCY_USER"
    wrong_outcome = police_api.post(url, {"outcome": "match"}, "application/json")
    assert wrong_outcome.status_code == 422 and wrong_outcome.json()["code"] == "OUTCOME_INVALID"
    assert Inquiry.objects.get().status == "ordered"

    done = police_api.post(
        url, {"outcome": "confirmed", "note": "هویت تأیید شد"}, "application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "answered"
    twice = police_api.post(url, {"outcome": "confirmed"}, "application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "INVALID_TRANSITION"


def test_a_case_goes_to_the_council_only_with_its_documents_and_answers(
    hamid_api, case, police_api, security_api
):
    submit = f"/api/v1/citizenship/cases/{case.case_number}/submit"
    missing = hamid_api.post(submit)
    assert missing.status_code == 422
    assert missing.json()["code"] == "DOCUMENTS_MISSING"
    assert missing.json()["missing"] == ["father_documents", "grandfather_documents"]

    upload(hamid_api, case, "father_documents")
    upload(hamid_api, case, "grandfather_documents")
    pending = hamid_api.post(submit)
    assert pending.status_code == 422 and pending.json()["code"] == "INQUIRIES_PENDING"
    assert pending.json()["pending"] == ["police", "security"]

    for agency, api in (("police", police_api), ("security", security_api)):
        inquiry_id = hamid_api.post(
            f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
            {"agency": agency},
            "application/json",
        ).json()["inquiry_id"]
        api.post(
            f"/api/v1/citizenship/inquiries/{inquiry_id}/answer",
            {"outcome": "confirmed"},
            "application/json",
        )
    assert Case.objects.get().status == "intake"
    sent = hamid_api.post(submit)
    assert sent.status_code == 200 and sent.json()["status"] == "awaiting_decision"
    late_document = upload(hamid_api, case, "mother_documents")
    assert late_document.status_code == 409


def test_a_dna_test_is_ordered_sampled_then_answered_by_the_forensic_user(
    hamid_api, case, forensic_api, police_api
):
    inquiry_id = hamid_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
        {"agency": "forensic"},
        "application/json",
    ).json()["inquiry_id"]
    answer_url = f"/api/v1/citizenship/inquiries/{inquiry_id}/answer"
    sample_url = f"/api/v1/citizenship/inquiries/{inquiry_id}/sample"

    too_soon = forensic_api.post(answer_url, {"outcome": "match"}, "application/json")
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "INVALID_TRANSITION"
    assert police_api.post(sample_url).json()["code"] == "NOT_AGENCY_USER"
    sampled = forensic_api.post(sample_url)
    assert sampled.status_code == 200 and sampled.json()["status"] == "sample_taken"
    shown = hamid_api.get(f"/api/v1/citizenship/cases/{case.case_number}").json()
    assert shown["inquiries"][0]["status"] == "sample_taken"
    done = forensic_api.post(answer_url, {"outcome": "match"}, "application/json")
    assert done.status_code == 200 and done.json()["outcome"] == "match"


def test_a_document_is_kept_encrypted_and_read_back_by_staff_only(
    hamid_api, case, zabol_officer_api, applicant_api
):
    from hoviat.core.models import AuditEntry

    data = scan()
    document_id = upload(hamid_api, case, "father_documents", data).json()["id"]
    kept = bytes(Document.objects.get(pk=document_id).data)
    # The PNG signature (8 bytes, one of them not ASCII) can never occur in the Fernet token's
    # base64 text; the three letters "PNG" alone turn up in a random token now and then.
    assert kept != data and data[:8] == b"\x89PNG\r\n\x1a\n" and data[:8] not in kept

    url = f"/api/v1/citizenship/cases/{case.case_number}/documents/{document_id}"
    answer = hamid_api.get(url)
    assert answer.status_code == 200 and answer.content == data
    assert answer["Content-Type"] == "image/png" and "no-store" in answer["Cache-Control"]
    assert AuditEntry.objects.filter(action="citizenship_document.viewed").count() == 1
    assert zabol_officer_api.get(url).status_code == 404
    assert applicant_api.get(url).status_code == 401


def test_the_sweep_flags_each_overdue_inquiry_to_the_director_once(
    hamid_api, case, sistan, police_api, caplog, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from hoviat.citizenship.selectors import overdue_inquiries_for
    from hoviat.citizenship.services import inquiries_overdue_flag
    from hoviat.citizenship.tests.conftest import token_client
    from hoviat.core.models import AuditEntry, Role
    from tests.factories import ProvinceFactory, UserFactory

    for agency in ("police", "security"):
        hamid_api.post(
            f"/api/v1/citizenship/cases/{case.case_number}/inquiries",
            {"agency": agency},
            "application/json",
        )
    police = Inquiry.objects.get(agency="police")
    Inquiry.objects.filter(pk=police.pk).update(due_on=today_local() - dt.timedelta(days=1))
    director = UserFactory(username="sistan-dir", role=Role.PROVINCIAL_DIRECTOR, province=sistan)
    elsewhere = UserFactory(
        username="tehran-dir", role=Role.PROVINCIAL_DIRECTOR, province=ProvinceFactory()
    )
    assert [i.overdue_flagged_at for i in overdue_inquiries_for(user=director)] == [None]

    with (
        caplog.at_level("WARNING", logger="hoviat.citizenship.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = inquiries_overdue_flag()

    assert "1 inquiries newly overdue in IR-13" in caplog.text

    assert first.inquiry_ids == [police.pk] and first.by_province == {"IR-13": 1}
    flagged = overdue_inquiries_for(user=director).get()
    assert flagged.pk == police.pk and flagged.overdue_flagged_at is not None
    assert not overdue_inquiries_for(user=elsewhere).exists()
    entry = AuditEntry.objects.get(action="citizenship_inquiry.overdue_flagged")
    assert entry.object_id == str(police.pk) and entry.data["province"] == "IR-13"
    # Run again (the schedule, or `hoviat sweep`): nothing new is flagged or audited.
    assert inquiries_overdue_flag().inquiry_ids == []
    call_command("sweep")
    assert AuditEntry.objects.filter(action="citizenship_inquiry.overdue_flagged").count() == 1
    assert Inquiry.objects.get(pk=police.pk).overdue_flagged_at == flagged.overdue_flagged_at
    shown = token_client(director).get("/api/v1/citizenship/inquiries/overdue").json()
    assert [i["inquiry_id"] for i in shown] == [police.pk]
    assert shown[0]["overdue_flagged_at"] is not None
    # Once answered, it leaves the list; a new overdue one is flagged on the next run.
    police_api.post(
        f"/api/v1/citizenship/inquiries/{police.pk}/answer",
        {"outcome": "confirmed"},
        "application/json",
    )
    assert not overdue_inquiries_for(user=director).exists()
    Inquiry.objects.filter(agency="security").update(due_on=today_local() - dt.timedelta(days=2))
    assert len(inquiries_overdue_flag().inquiry_ids) == 1
