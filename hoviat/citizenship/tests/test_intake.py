"""Filing a case, through the API as a case officer or the applicant would."""

import pytest

from hoviat.citizenship.models import Case, FamilyMember
from hoviat.citizenship.services import temporary_id_new
from hoviat.citizenship.tests.conftest import APPLICANT_MOBILE, case_body
from hoviat.core.checkdigits import damm_digit
from hoviat.core.models import AuditEntry
from hoviat.core.national_code import is_valid_national_code, parse_national_code
from hoviat.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db


def test_an_officer_files_a_case_for_a_family_and_the_applicant_gets_an_sms(hamid_api, zahedan):
    answer = hamid_api.post("/api/v1/citizenship/cases", case_body(zahedan), "application/json")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "intake"
    assert body["case_number"].startswith("CZ") and len(body["case_number"]) == 10
    temporary_id = body["temporary_id"]
    assert len(temporary_id) == 12 and temporary_id.startswith("77")
    assert damm_digit(temporary_id) == 0
    case = Case.objects.get(case_number=body["case_number"])
    assert case.filed_by.username == "hamid" and not case.filed_online
    assert case.birth_date is None and case.birth_year == 1990 and case.birth_date_approximate
    assert sorted(FamilyMember.objects.filter(case=case).values_list("relation", flat=True)) == [
        "child",
        "spouse",
    ]
    sms = SmsMessage.objects.get(kind="citizenship_case_opened")
    assert sms.to == APPLICANT_MOBILE and "CZ" in sms.body
    assert AuditEntry.objects.filter(action="citizenship_case.filed", object_id=str(case.pk))


def test_a_temporary_identifier_is_never_a_national_code():
    for _ in range(200):
        temporary_id = temporary_id_new()
        assert not is_valid_national_code(temporary_id)
        with pytest.raises(Exception, match="NATIONAL_CODE_LENGTH"):
            parse_national_code(temporary_id)


def test_the_applicant_files_online_with_their_own_mobile(applicant_api, zahedan):
    answer = applicant_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan, family=[]), "application/json"
    )

    assert answer.status_code == 201, answer.content
    case = Case.objects.get()
    assert case.filed_online and case.filed_by is None and case.mobile == APPLICANT_MOBILE
    mine = applicant_api.get(f"/api/v1/citizenship/cases/{case.case_number}")
    assert mine.status_code == 200 and mine.json()["temporary_id"] == case.temporary_id


def test_an_applicant_cannot_file_with_someone_elses_mobile(applicant_api, zahedan):
    answer = applicant_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan, mobile="09150000000"), "application/json"
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "MOBILE_NOT_VERIFIED"
    assert not Case.objects.exists()


def test_without_a_token_nobody_files(client, zahedan):
    answer = client.post("/api/v1/citizenship/cases", case_body(zahedan), "application/json")
    assert answer.status_code == 401
    assert not Case.objects.exists()


def test_a_case_filed_twice_for_the_same_person_is_linked_not_duplicated(
    hamid_api, applicant_api, zahedan
):
    first = hamid_api.post("/api/v1/citizenship/cases", case_body(zahedan), "application/json")
    # The same person, names typed with Arabic letters and extra spaces, online this time.
    again = applicant_api.post(
        "/api/v1/citizenship/cases",
        case_body(zahedan, first_name="عبدالله ", mother_name="زينب", family=[]),
        "application/json",
    )

    assert again.status_code == 409
    problem = again.json()
    assert problem["code"] == "CASE_DUPLICATE"
    assert problem["case_number"] == first.json()["case_number"]
    assert "پرونده" in problem["detail"]
    assert Case.objects.count() == 1 and FamilyMember.objects.count() == 2
    case = Case.objects.get()
    assert AuditEntry.objects.filter(
        action="citizenship_case.filed_again", object_id=str(case.pk)
    ).exists()
    assert SmsMessage.objects.filter(kind="citizenship_case_opened").count() == 1


def test_an_officer_of_another_county_can_neither_file_nor_see_a_case(
    hamid_api, zabol_officer_api, zahedan
):
    refused = zabol_officer_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan), "application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "NOT_CASE_OFFICER"
    assert not Case.objects.exists()

    number = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan), "application/json"
    ).json()["case_number"]
    hidden = zabol_officer_api.get(f"/api/v1/citizenship/cases/{number}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "CASE_NOT_FOUND"
    assert zabol_officer_api.get("/api/v1/citizenship/cases").json() == []
    assert [row["case_number"] for row in hamid_api.get("/api/v1/citizenship/cases").json()] == [
        number
    ]


def test_another_citizen_does_not_see_the_case(hamid_api, zahedan):
    from django.test import Client

    from tests.factories import CitizenSessionFactory

    number = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan), "application/json"
    ).json()["case_number"]
    other = CitizenSessionFactory(mobile="09159999999", token="other-token").token
    answer = Client(headers={"Authorization": f"Bearer {other}"}).get(
        f"/api/v1/citizenship/cases/{number}"
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"first_name": "Abdullah"}, "NAME_INVALID"),
        ({"birth_year": None}, "BIRTH_DATE_REQUIRED"),
        ({"birth_year": 1990, "father_national_code": "1234567890"}, "NATIONAL_CODE_CHECKSUM"),
        ({"mobile": "12345"}, "MOBILE_INVALID"),
    ],
)
def test_bad_intake_is_refused_with_a_stable_code_and_nothing_written(
    hamid_api, zahedan, change, code
):
    answer = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan, **change), "application/json"
    )

    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    assert not Case.objects.exists() and not SmsMessage.objects.exists()


def test_online_filings_from_one_mobile_are_limited_a_day(applicant_api, zahedan, settings):
    settings.CITIZENSHIP_ONLINE_FILINGS_PER_DAY = 2
    names = ["حسن", "حسین", "علی"]
    codes = [
        applicant_api.post(
            "/api/v1/citizenship/cases",
            case_body(zahedan, first_name=name, family=[]),
            "application/json",
        ).status_code
        for name in names
    ]
    assert codes == [201, 201, 429]
    assert Case.objects.count() == 2


def test_online_a_duplicate_names_the_case_only_to_the_mobile_it_was_filed_with(hamid_api, zahedan):
    from django.test import Client

    from tests.factories import CitizenSessionFactory

    hamid_api.post("/api/v1/citizenship/cases", case_body(zahedan), "application/json")
    stranger = CitizenSessionFactory(mobile="09159999999", token="stranger-token").token
    answer = Client(headers={"Authorization": f"Bearer {stranger}"}).post(
        "/api/v1/citizenship/cases",
        case_body(zahedan, mobile="09159999999", family=[]),
        "application/json",
    )
    assert answer.status_code == 409 and answer.json()["code"] == "CASE_DUPLICATE"
    assert "case_number" not in answer.json()
    assert Case.objects.count() == 1
