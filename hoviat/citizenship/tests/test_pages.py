"""The staff pages, used like a browser would: the county's case list, filing a case for a
family, the case page (documents, inquiries, to the council), an inquiry's answer, a council
member's vote, the overdue inquiries; and the directors' figures (reports)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from hoviat.citizenship.models import Case, CaseStatus, Function, Inquiry
from hoviat.citizenship.tests.conftest import case_body, scan, staff
from hoviat.core.jalali import today_local
from hoviat.core.models import Role
from hoviat.core.tests.factories import staff_sign_in
from hoviat.core.text import persian_digits
from hoviat.registry.models import Citizen
from hoviat.reports.services import reports_refresh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def intake_form(county, **over) -> dict:
    form = {
        "first_name": "عبدالله",
        "last_name": "بلوچ",
        "father_name": "کریم",
        "mother_name": "زینب",
        "grandfather_name": "محمد",
        "gender": "male",
        "birth_date": "",
        "birth_year": "۱۳۶۹",
        "birth_place": "روستای لادیز",
        "birth_county": county.pk,
        "residence_county": county.pk,
        "basis": "parents",
        "mobile": "۰۹۱۵۱۲۳۴۵۶۷",
        "family-TOTAL_FORMS": "3",
        "family-INITIAL_FORMS": "0",
        "family-0-relation": "spouse",
        "family-0-first_name": "فاطمه",
        "family-0-last_name": "ریگی",
        "family-0-father_name": "احمد",
        "family-0-mother_name": "مریم",
        "family-0-gender": "female",
        "family-0-birth_date": "۱۳۷۰/۱۲/۱۰",
        "family-1-relation": "child",
        "family-1-first_name": "یاسر",
        "family-1-last_name": "بلوچ",
        "family-1-father_name": "عبدالله",
        "family-1-mother_name": "فاطمه",
        "family-1-gender": "male",
        "family-1-birth_date": "1394/03/20",
    }
    form.update(over)
    return form


@pytest.fixture
def officer_client(client, hamid):
    staff_sign_in(client, hamid)
    return client


@pytest.fixture
def filed(officer_client, zahedan):
    # Followed to the case page, which shows (and so uses up) the "case filed" message.
    answer = officer_client.post("/citizenship/new/", intake_form(zahedan), follow=True)
    assert answer.redirect_chain, answer.content.decode()[:2000]
    return Case.objects.get()


def fa(number: str) -> str:
    """A case number as the pages show it (Persian digits)."""
    return persian_digits(number)


def as_user(client, user):
    client.logout()
    staff_sign_in(client, user)
    return client


def test_an_officer_files_a_case_for_a_family_and_lands_on_its_page(officer_client, zahedan):
    answer = officer_client.post("/citizenship/new/", intake_form(zahedan), follow=True)

    case = Case.objects.get()
    assert case.family.count() == 2
    assert case.birth_year == 1990 and case.birth_date_approximate
    assert case.mobile == "09151234567"
    text = answer.content.decode()
    assert "پرونده تشکیل شد" in text
    assert "فاطمه" in text and "یاسر" in text
    assert "مدارک هویتی پدربزرگ پدری" in text  # the checklist of its basis


def test_a_bad_intake_says_what_is_wrong_in_the_summary_and_beside_each_field(
    officer_client, zahedan
):
    answer = officer_client.post(
        "/citizenship/new/",
        intake_form(zahedan, first_name="", mobile="123", **{"family-0-birth_date": "1370/13/40"}),
    )

    assert answer.status_code == 422
    text = answer.content.decode()
    assert 'data-testid="error-summary"' in text
    assert 'href="#id_first_name"' in text and 'id="id_first_name_error"' in text
    assert "شماره همراه باید ۱۱ رقم باشد" in text
    assert 'href="#id_family-0-birth_date"' in text
    assert not Case.objects.exists()


def test_a_name_in_latin_letters_is_refused_beside_the_name(officer_client, zahedan):
    answer = officer_client.post("/citizenship/new/", intake_form(zahedan, father_name="Karim"))

    assert answer.status_code == 422
    assert 'id="id_father_name_error"' in answer.content.decode()
    assert not Case.objects.exists()


def test_filing_the_same_person_again_points_to_the_open_case(officer_client, zahedan, filed):
    answer = officer_client.post("/citizenship/new/", intake_form(zahedan))

    assert answer.status_code == 409
    assert f"/citizenship/{filed.case_number}/" in answer.content.decode()
    assert Case.objects.count() == 1


def test_an_officer_may_file_only_in_their_own_county(officer_client, zahedan, zabol):
    answer = officer_client.post(
        "/citizenship/new/", intake_form(zahedan, residence_county=zabol.pk)
    )
    assert answer.status_code == 422
    assert not Case.objects.exists()


def test_staff_without_a_case_officer_post_cannot_file(client, council):
    staff_sign_in(client, council[0])
    assert client.get("/citizenship/new/").status_code == 403


def test_the_case_list_shows_the_countys_cases_and_filters_by_stage_and_overdue(
    officer_client, filed, hamid
):
    from hoviat.citizenship import services

    services.inquiry_order(case=filed, agency="police", officer=hamid)
    Inquiry.objects.update(due_on=today_local() - dt.timedelta(days=2))

    listed = officer_client.get("/citizenship/").content.decode()
    assert fa(filed.case_number) in listed and "استعلام معوق" in listed
    overdue = officer_client.get("/citizenship/?overdue=yes").content.decode()
    assert fa(filed.case_number) in overdue
    assert (
        fa(filed.case_number) not in officer_client.get("/citizenship/?overdue=no").content.decode()
    )
    assert (
        fa(filed.case_number)
        not in officer_client.get("/citizenship/?status=awaiting_decision").content.decode()
    )


def test_another_countys_officer_neither_lists_nor_opens_the_case(filed, zabol):
    client = Client()
    staff_sign_in(client, staff("zabol-officer", zabol, Function.CASE_OFFICER))

    assert fa(filed.case_number) not in client.get("/citizenship/").content.decode()
    assert client.get(f"/citizenship/{filed.case_number}/").status_code == 404
    assert client.get(f"/citizenship/{filed.case_number}/vote/").status_code == 404


def test_a_case_goes_from_documents_and_inquiries_through_the_councils_quorum_to_issuance(
    client, officer_client, filed, council, zahedan
):
    url = f"/citizenship/{filed.case_number}/"
    # Sending it too early names what is missing.
    early = officer_client.post(url, {"action": "submit"})
    assert early.status_code == 422 and "مدارک لازم پرونده کامل نیست" in early.content.decode()

    for kind in ("father_documents", "grandfather_documents"):
        upload = SimpleUploadedFile("scan.png", scan(), content_type="image/png")
        answer = officer_client.post(url, {"action": "document", "kind": kind, "file": upload})
        assert answer.status_code == 302
    for agency in ("police", "security"):
        assert officer_client.post(url, {"action": "inquiry", "agency": agency}).status_code == 302

    for agency, function in (("police", Function.POLICE), ("security", Function.SECURITY)):
        inquiry = filed.inquiries.get(agency=agency)
        as_user(client, staff(agency, zahedan, function))
        form = client.get(f"{url}inquiries/{inquiry.pk}/")
        assert form.status_code == 200 and "تأیید" in form.content.decode()
        answer = client.post(
            f"{url}inquiries/{inquiry.pk}/",
            {"action": "answer", "outcome": "confirmed", "note": "هویت تأیید شد."},
        )
        assert answer.status_code == 302

    as_user(client, filed.filed_by)
    assert client.post(url, {"action": "submit"}).status_code == 302

    for member in council[:2]:
        as_user(client, member)
        answer = client.post(
            f"{url}vote/",
            {"outcome": "approve", "reasons": "مدارک پدر و پدربزرگ ادعا را ثابت می‌کند."},
        )
        assert answer.status_code == 302

    filed.refresh_from_db()
    assert filed.status == CaseStatus.ISSUED
    assert Citizen.objects.count() == 3  # the applicant, the spouse and the child
    page = client.get(url).content.decode()
    assert "صدور شناسنامه" in page and 'data-testid="national-code"' in page


def test_a_vote_without_reasons_is_refused_beside_the_reasons(client, filed, council):
    Case.objects.filter(pk=filed.pk).update(status=CaseStatus.AWAITING_DECISION)
    staff_sign_in(client, council[0])

    answer = client.post(
        f"/citizenship/{filed.case_number}/vote/", {"outcome": "approve", "reasons": "خوب"}
    )

    assert answer.status_code == 422
    text = answer.content.decode()
    assert "رأی بدون دلایل مکتوب پذیرفته نمی‌شود" in text and 'href="#id_reasons"' in text
    assert not filed.votes.exists()


def test_a_second_vote_by_the_same_member_is_refused(client, filed, council):
    Case.objects.filter(pk=filed.pk).update(status=CaseStatus.AWAITING_DECISION)
    staff_sign_in(client, council[0])
    body = {"outcome": "refuse", "reasons": "استعلام‌ها ادعا را ثابت نمی‌کند."}
    assert client.post(f"/citizenship/{filed.case_number}/vote/", body).status_code == 302

    again = client.post(f"/citizenship/{filed.case_number}/vote/", body)

    assert again.status_code == 422
    assert "در این نوبت به این پرونده رأی داده‌اید" in again.content.decode()
    assert filed.votes.count() == 1


def test_only_the_agencys_user_answers_its_inquiry(client, filed, hamid, zahedan):
    from hoviat.citizenship import services

    inquiry = services.inquiry_order(case=filed, agency="police", officer=hamid)
    staff_sign_in(client, staff("security", zahedan, Function.SECURITY))
    url = f"/citizenship/{filed.case_number}/inquiries/{inquiry.pk}/"
    assert client.get(url).status_code == 403
    answer = client.post(url, {"action": "answer", "outcome": "confirmed"})
    assert answer.status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == "ordered"


def test_a_document_of_the_wrong_type_is_refused_beside_the_file(officer_client, filed):
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 not an image", content_type="image/png")

    answer = officer_client.post(
        f"/citizenship/{filed.case_number}/",
        {"action": "document", "kind": "father_documents", "file": upload},
    )

    assert answer.status_code == 422
    assert 'href="#id_file"' in answer.content.decode()
    assert not filed.documents.exists()


@pytest.fixture
def overdue_case(hamid_api, zahedan):
    number = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan), "application/json"
    ).json()["case_number"]
    hamid_api.post(
        f"/api/v1/citizenship/cases/{number}/inquiries", {"agency": "police"}, "application/json"
    )
    Inquiry.objects.update(due_on=today_local() - dt.timedelta(days=2))
    return number


def test_the_director_sees_the_provinces_overdue_inquiries(client, overdue_case, sistan):
    director = UserFactory(
        username="sistan-director", role=Role.PROVINCIAL_DIRECTOR, province=sistan
    )
    staff_sign_in(client, director)

    page = client.get("/citizenship/overdue/")

    assert page.status_code == 200
    text = page.content.decode()
    assert fa(overdue_case) in text and "احراز هویت انتظامی" in text and "۲ روز" in text


def test_another_provinces_director_sees_none_of_it(client, overdue_case, bushehr):
    staff_sign_in(
        client,
        UserFactory(username="bushehr-director", role=Role.PROVINCIAL_DIRECTOR, province=bushehr),
    )
    assert fa(overdue_case) not in client.get("/citizenship/overdue/").content.decode()
    assert fa(overdue_case) not in client.get("/citizenship/").content.decode()


def test_the_directors_figures_are_kept_by_the_refresh_and_shown_in_persian(
    client, overdue_case, sistan, bushehr
):
    reports_refresh(full=True)
    staff_sign_in(
        client,
        UserFactory(username="sistan-director", role=Role.PROVINCIAL_DIRECTOR, province=sistan),
    )

    text = client.get("/reports/citizenship/").content.decode()

    assert "سیستان و بلوچستان" in text and "زاهدان" in text
    assert "استعلام‌های معوق" in text and "۱" in text


def test_the_figures_page_is_for_directors_only(client, hamid):
    staff_sign_in(client, hamid)
    assert client.get("/reports/citizenship/").status_code == 403


def test_the_report_command_prints_the_kept_figures(overdue_case, capsys):
    reports_refresh(full=True)

    call_command("report", "citizenship", "--format", "csv")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("level,code,open")
    county = next(line for line in lines if line.startswith("county,"))
    # one open case, its police inquiry overdue
    assert county.split(",")[2] == "1" and county.split(",")[5] == "1"


def test_staff_without_a_citizenship_role_are_refused(client, reza):
    staff_sign_in(client, reza)
    assert client.get("/citizenship/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    answer = client.get("/citizenship/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_case_list_pages_from_the_newest_to_older_cases(
    officer_client, zahedan, filed, monkeypatch
):
    from hoviat.citizenship import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    officer_client.post("/citizenship/new/", intake_form(zahedan, first_name="رحیم"), follow=True)
    newest = Case.objects.get(first_name="رحیم")

    first = officer_client.get("/citizenship/").content.decode()
    assert fa(newest.case_number) in first and fa(filed.case_number) not in first
    older = officer_client.get(f"/citizenship/?before={newest.pk}").content.decode()
    assert fa(filed.case_number) in older and fa(newest.case_number) not in older
    assert f"before={newest.pk}" in first and "before=" not in older


def test_the_forensic_user_records_the_sample_then_the_dna_result(client, filed, hamid, zahedan):
    from hoviat.citizenship import services

    inquiry = services.inquiry_order(case=filed, agency="forensic", officer=hamid)
    staff_sign_in(client, staff("forensic", zahedan, Function.FORENSIC))
    url = f"/citizenship/{filed.case_number}/inquiries/{inquiry.pk}/"
    assert "ثبت نمونه‌گیری" in client.get(url).content.decode()

    assert client.post(url, {"action": "sample"}).status_code == 302
    answer_form = client.get(url).content.decode()
    assert "انطباق" in answer_form and "ثبت پاسخ" in answer_form
    assert client.post(url, {"action": "answer", "outcome": "match"}).status_code == 302

    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.outcome) == ("answered", "match")
