"""The county council's decision and, on approval, the registry entries: through the API."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hoviat.citizenship.models import Case, FamilyMember, Vote
from hoviat.citizenship.tests.conftest import APPLICANT_MOBILE, ZAHEDAN_PREFIX, case_body, scan
from hoviat.core.models import AuditEntry
from hoviat.core.national_code import make_national_code, parse_national_code
from hoviat.notifications.models import SmsMessage
from hoviat.registry.models import Citizen, NationalCodeSequence
from tests.factories import CitizenFactory, CitizenSessionFactory

pytestmark = pytest.mark.django_db

REASONS = "هویت و نسب با مدارک پدر و پدربزرگ و پاسخ استعلام‌ها ثابت شد."


def awaiting_decision(hamid_api, police_api, security_api, county, **over) -> Case:
    """A case filed, documented, answered and sent to the council."""
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
    assert hamid_api.post(f"/api/v1/citizenship/cases/{number}/submit").status_code == 200
    return Case.objects.get(case_number=number)


@pytest.fixture
def case(hamid_api, police_api, security_api, zahedan):
    return awaiting_decision(hamid_api, police_api, security_api, zahedan)


def vote(api, case, outcome="approve", reasons=REASONS):
    return api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/votes",
        {"outcome": outcome, "reasons": reasons},
        "application/json",
    )


def test_a_vote_without_reasons_is_refused_and_nothing_written(council_apis, case):
    for reasons in ("", "   ", "تأیید"):
        answer = vote(council_apis[0], case, reasons=reasons)
        assert answer.status_code == 422, answer.content
        assert answer.json()["code"] == "REASONS_REQUIRED"
    assert not Vote.objects.exists()


def test_a_non_member_or_a_member_of_another_county_cannot_vote(
    hamid_api, zabol, case, council_apis
):
    from hoviat.citizenship.models import Function
    from hoviat.citizenship.tests.conftest import staff, token_client

    other = token_client(staff("zabol-council", zabol, Function.COUNCIL_MEMBER))
    for api in (hamid_api, other):
        answer = vote(api, case)
        assert answer.status_code == 403 and answer.json()["code"] == "NOT_COUNCIL_MEMBER"
    assert not Vote.objects.exists()


def test_a_member_votes_once(council_apis, case):
    assert vote(council_apis[0], case).json()["status"] == "awaiting_decision"
    again = vote(council_apis[0], case, outcome="refuse")
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_VOTED"
    assert Vote.objects.count() == 1


def test_the_quorum_approves_and_the_family_is_registered_in_one_go(council_apis, case):
    first = vote(council_apis[0], case)
    assert first.json()["status"] == "awaiting_decision"
    assert not Citizen.objects.exists()

    second = vote(council_apis[1], case, reasons="مدارک کامل و پاسخ استعلام‌ها مثبت است.")
    assert second.status_code == 200, second.content
    assert second.json()["status"] == "issued"

    shown = Client(
        headers={
            "Authorization": "Bearer "
            + CitizenSessionFactory(mobile=APPLICANT_MOBILE, token="applicant-token").token
        }
    ).get(f"/api/v1/citizenship/cases/{case.case_number}")
    body = shown.json()
    assert body["decision"]["status"] == "issued"
    assert REASONS in body["decision"]["reasons"]
    people = body["people"]
    assert [p["relation"] for p in people] == ["self", "spouse", "child"]
    codes = [p["national_code"] for p in people]
    assert len(set(codes)) == 3
    for code in codes:
        assert parse_national_code(code) == code and code.startswith(ZAHEDAN_PREFIX)
    applicant = Citizen.objects.get(national_code=codes[0])
    assert applicant.first_name == "عبدالله" and applicant.birth_date == dt.date(1990, 7, 1)
    assert (
        applicant.shenasnameh_number == codes[0]
        and applicant.issuing_county == case.residence_county
    )
    assert applicant.mobile == APPLICANT_MOBILE
    assert FamilyMember.objects.filter(case=case, citizen__isnull=False).count() == 2
    assert Case.objects.get().citizen == applicant
    assert AuditEntry.objects.filter(action="citizen.registered_late").count() == 3
    assert SmsMessage.objects.filter(kind="citizenship_decided", to=APPLICANT_MOBILE).exists()
    # A third member's vote comes too late: the case is decided.
    late = vote(council_apis[2], case)
    assert late.status_code == 409


def test_the_registered_applicant_pre_registers_for_a_card_with_their_mobile(
    council_apis, case, applicant_api
):
    vote(council_apis[0], case)
    vote(council_apis[1], case)
    citizen = Case.objects.get().citizen

    answer = applicant_api.post(
        "/api/v1/applications",
        {
            "national_code": citizen.national_code,
            "shenasnameh_serial": f"{citizen.shenasnameh_series}/{citizen.shenasnameh_letter} "
            f"{citizen.shenasnameh_serial}",
            "birth_date": citizen.birth_date.isoformat(),
            "mother_name": "زینب",
            "gender": "male",
        },
        "application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "pre_registered"


def test_a_refusal_registers_nobody(council_apis, case):
    vote(council_apis[0], case, "refuse", "پاسخ استعلام امنیتی و مدارک کافی نیست.")
    answer = vote(council_apis[1], case, "refuse", "ادعای تابعیت با مدارک ثابت نشد.")
    assert answer.json()["status"] == "refused"
    assert not Citizen.objects.exists()
    assert "ثابت نشد" in Case.objects.get().decision_reasons


def test_more_evidence_sends_the_case_back_for_a_new_round(council_apis, case, hamid_api):
    vote(council_apis[0], case, "more_evidence", "حکم دادگاه در اثبات نسب لازم است.")
    assert (
        vote(council_apis[1], case, "more_evidence", "آزمایش DNA لازم است.").json()["status"]
        == "more_evidence"
    )
    upload = hamid_api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/documents",
        {"kind": "court_ruling", "file": SimpleUploadedFile("ruling.png", scan())},
    )
    assert upload.status_code == 201
    assert (
        hamid_api.post(f"/api/v1/citizenship/cases/{case.case_number}/submit").json()["status"]
        == "awaiting_decision"
    )
    # A new round: the same members vote again.
    vote(council_apis[0], case)
    assert vote(council_apis[1], case).json()["status"] == "issued"


def test_a_national_code_already_in_the_registry_is_stepped_over_and_none_is_reused(
    council_apis, case, hamid_api, police_api, security_api, zahedan
):
    taken = make_national_code(ZAHEDAN_PREFIX, 1)
    CitizenFactory(national_code=taken, issuing_county=zahedan)
    vote(council_apis[0], case)
    vote(council_apis[1], case)
    first = list(
        Citizen.objects.exclude(national_code=taken).values_list("national_code", flat=True)
    )
    assert taken not in first and len(first) == 3
    assert NationalCodeSequence.objects.get(prefix=ZAHEDAN_PREFIX).next_sequence == 5

    other = awaiting_decision(
        hamid_api, police_api, security_api, zahedan, first_name="حمید", family=[]
    )
    vote(council_apis[0], other)
    vote(council_apis[1], other)
    second = Case.objects.get(pk=other.pk).citizen.national_code
    assert second == make_national_code(ZAHEDAN_PREFIX, 5)
    assert second not in first


def test_an_approval_that_cannot_allocate_codes_writes_nothing(council_apis, case):
    from hoviat.places.models import NationalCodePrefix

    NationalCodePrefix.objects.filter(county=case.residence_county).delete()
    vote(council_apis[0], case)
    answer = vote(council_apis[1], case)

    assert answer.status_code == 409 and answer.json()["code"] == "NATIONAL_CODES_EXHAUSTED"
    assert Case.objects.get().status == "awaiting_decision"
    assert Vote.objects.count() == 1  # the second vote went with the failed decision
    assert not Citizen.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="citizenship_case.approved").exists()
