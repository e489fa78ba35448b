"""The pages the API already had: on the case page an appeal, a court ruling, the decision
letter and biometrics through the office's device; the county officer's review queue of
possible duplicates; the applicant's own case page after signing in by SMS code; the site
menu's link for staff with a citizenship post. Used like a browser would."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from hoviat.citizenship.models import Function, PossibleDuplicate
from hoviat.citizenship.tests.conftest import APPLICANT_MOBILE, case_body, staff
from hoviat.citizenship.tests.test_appeal import appeal
from hoviat.citizenship.tests.test_biometrics import body_of, capture, ready_case
from hoviat.citizenship.tests.test_decision import awaiting_decision, vote
from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in
from hoviat.core.text import normalize_code, persian_digits
from hoviat.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

GROUNDS = "پدر متقاضی شناسنامه دارد و آزمایش DNA نسب را ثابت می‌کند."
REASON = "دو شخص متفاوت‌اند: چهره و اثر انگشت در بررسی دستی یکی نبود."


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


@pytest.fixture
def refused(hamid_api, police_api, security_api, zahedan, council_apis):
    case = awaiting_decision(hamid_api, police_api, security_api, zahedan)
    vote(council_apis[0], case, "refuse", "مدارک پدربزرگ با هویت ادعایی نمی‌خواند.")
    vote(council_apis[1], case, "refuse", "استعلام امنیتی ادعای تابعیت را تأیید نمی‌کند.")
    case.refresh_from_db()
    assert case.status == "refused"
    return case


@pytest.fixture
def lawyer(zahedan):
    return staff("lawyer", zahedan, Function.REGISTRY_LAWYER)


# --- 1. The case page: appeal, court ruling, letter, biometrics ------------------------------


def test_the_officer_files_the_appeal_on_the_case_page_within_the_window(hamid, refused):
    client = signed_in(hamid)
    page = client.get(f"/citizenship/{refused.case_number}/").content.decode()
    assert 'name="action" value="appeal"' in page
    assert "مهلت اعتراض در دادگاه تا" in page

    answer = client.post(
        f"/citizenship/{refused.case_number}/",
        {"action": "appeal", "grounds": GROUNDS},
        follow=True,
    )

    refused.refresh_from_db()
    assert refused.status == "appealed" and refused.appeal_grounds == GROUNDS
    assert "اعتراض ثبت شد" in answer.content.decode()
    assert 'value="appeal"' not in answer.content.decode()


def test_an_appeal_without_grounds_is_refused_beside_the_field(hamid, refused):
    answer = signed_in(hamid).post(
        f"/citizenship/{refused.case_number}/", {"action": "appeal", "grounds": "اعتراض"}
    )

    assert answer.status_code == 422
    text = answer.content.decode()
    assert 'data-testid="error-summary"' in text
    assert 'href="#id_grounds"' in text and 'id="id_grounds_error"' in text
    assert "دلایل اعتراض را بنویسید." in text
    refused.refresh_from_db()
    assert refused.status == "refused"


def test_after_the_window_the_page_offers_no_appeal_and_refuses_one(hamid, refused, settings):
    settings.CITIZENSHIP_APPEAL_DAYS = -1
    client = signed_in(hamid)
    assert (
        'value="appeal"' not in client.get(f"/citizenship/{refused.case_number}/").content.decode()
    )

    answer = client.post(
        f"/citizenship/{refused.case_number}/", {"action": "appeal", "grounds": GROUNDS}
    )

    assert answer.status_code == 422
    assert "مهلت" in answer.content.decode()
    refused.refresh_from_db()
    assert refused.status == "refused"


def test_the_registry_lawyer_records_an_overturning_ruling_and_the_family_is_registered(
    hamid, applicant_api, refused, lawyer
):
    assert appeal(applicant_api, refused).status_code == 200
    officer_page = signed_in(hamid).get(f"/citizenship/{refused.case_number}/").content.decode()
    assert 'value="ruling"' not in officer_page  # the lawyer's, not the officer's
    client = signed_in(lawyer)
    assert 'value="ruling"' in client.get(f"/citizenship/{refused.case_number}/").content.decode()

    answer = client.post(
        f"/citizenship/{refused.case_number}/",
        {
            "action": "ruling",
            "outcome": "overturned",
            "ruling_number": "۱۴۰۵۰۹۹۷۰۰۰۱",
            "date": format_jalali(today_local()),
        },
        follow=True,
    )

    refused.refresh_from_db()
    assert refused.status == "issued" and refused.citizen is not None
    text = answer.content.decode()
    assert "حکم دادگاه ثبت شد" in text
    assert persian_digits(refused.citizen.national_code) in text


def test_a_ruling_with_a_date_to_come_is_refused_beside_the_date(applicant_api, refused, lawyer):
    appeal(applicant_api, refused)
    answer = signed_in(lawyer).post(
        f"/citizenship/{refused.case_number}/",
        {"action": "ruling", "outcome": "upheld", "ruling_number": "12", "date": "1499/01/01"},
    )

    assert answer.status_code == 422
    text = answer.content.decode()
    assert 'id="id_date_error"' in text and "تاریخ دادنامه در آینده است." in text
    refused.refresh_from_db()
    assert refused.status == "appealed"


def test_a_ruling_by_someone_who_is_not_the_countys_lawyer_changes_nothing(
    hamid, applicant_api, refused
):
    appeal(applicant_api, refused)
    answer = signed_in(hamid).post(
        f"/citizenship/{refused.case_number}/",
        {"action": "ruling", "outcome": "overturned", "ruling_number": "12", "date": "1404/01/01"},
    )

    assert answer.status_code == 422
    assert "حقوقدان ثبت احوال" in answer.content.decode()
    refused.refresh_from_db()
    assert refused.status == "appealed"


def test_a_decided_case_page_links_its_letter_and_the_letter_is_a_pdf(hamid, refused):
    client = signed_in(hamid)
    page = client.get(f"/citizenship/{refused.case_number}/").content.decode()
    link = f"/citizenship/{refused.case_number}/decision-letter.pdf"
    assert link in page

    answer = client.get(link)

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action__startswith="citizenship_letter").exists()


def test_an_officer_of_another_county_gets_no_letter(zabol, refused):
    other = staff("zabol-officer", zabol, Function.CASE_OFFICER)
    answer = signed_in(other).get(f"/citizenship/{refused.case_number}/decision-letter.pdf")
    assert answer.status_code == 404


def test_the_officer_captures_biometrics_through_the_device_and_sees_the_match(
    hamid, hamid_api, police_api, security_api, zahedan
):
    first = ready_case(hamid_api, police_api, security_api, zahedan)
    client = signed_in(hamid)
    page = client.get(f"/citizenship/{first.case_number}/").content.decode()
    assert 'value="biometrics"' in page

    answer = client.post(
        f"/citizenship/{first.case_number}/", {"action": "biometrics"}, follow=True
    )

    text = answer.content.decode()
    assert "زیست‌سنجی گرفته شد و تکراری یافت نشد." in text
    assert 'data-testid="no-duplicates"' in text
    assert 'value="biometrics"' not in text  # once per case
    assert first.biometrics.exclude(sha256="").count() == 11


def test_a_second_case_of_the_same_person_shows_its_possible_duplicate(
    hamid, hamid_api, police_api, security_api, zahedan
):
    first = ready_case(hamid_api, police_api, security_api, zahedan)
    second = ready_case(
        hamid_api, police_api, security_api, zahedan, first_name="عبدالرحمن", family=[]
    )
    person = f"case {first.case_number}"
    capture(hamid_api, first, body_of(person))
    capture(hamid_api, second, body_of(person))
    page = signed_in(hamid).get(f"/citizenship/{second.case_number}/").content.decode()
    assert persian_digits(first.case_number) in page
    assert "در انتظار بررسی" in page and "صف بررسی احتمال تکرار</a>" in page


def test_only_the_case_officer_gets_the_capture_button(
    council, hamid_api, police_api, security_api, zahedan
):
    case = ready_case(hamid_api, police_api, security_api, zahedan)
    page = signed_in(council[0]).get(f"/citizenship/{case.case_number}/").content.decode()
    assert 'value="biometrics"' not in page
    answer = signed_in(council[0]).post(
        f"/citizenship/{case.case_number}/", {"action": "biometrics"}
    )
    assert answer.status_code == 422
    assert not case.biometrics.exists()


# --- 2. The review queue -----------------------------------------------------------------------


@pytest.fixture
def duplicate(hamid_api, police_api, security_api, zahedan):
    first = ready_case(hamid_api, police_api, security_api, zahedan)
    second = ready_case(
        hamid_api, police_api, security_api, zahedan, first_name="عبدالرحمن", family=[]
    )
    capture(hamid_api, first, body_of("one person"))
    capture(hamid_api, second, body_of("one person"))
    return PossibleDuplicate.objects.get()


def test_the_queue_shows_both_sides_and_a_written_reason_clears_it(hamid, duplicate):
    client = signed_in(hamid)
    page = client.get("/citizenship/duplicates/").content.decode()
    assert page.count('data-testid="duplicate"') == 1
    assert "عبدالرحمن" in page and "عبدالله" in page
    assert persian_digits(duplicate.case.case_number) in page
    assert persian_digits(duplicate.other_case.case_number) in page

    answer = client.post(
        "/citizenship/duplicates/",
        {
            "duplicate": duplicate.pk,
            f"d{duplicate.pk}-decision": "clear",
            f"d{duplicate.pk}-reason": REASON,
        },
        follow=True,
    )

    duplicate.refresh_from_db()
    assert duplicate.status == "cleared" and duplicate.reason == REASON
    text = answer.content.decode()
    assert "بررسی ثبت شد" in text and 'data-testid="queue-empty"' in text
    assert REASON in text  # among the recent reviews


def test_a_link_without_a_reason_is_refused_with_a_persian_message_beside_the_field(
    hamid, duplicate
):
    for reason in ("", "بررسی شد"):
        answer = signed_in(hamid).post(
            "/citizenship/duplicates/",
            {
                "duplicate": duplicate.pk,
                f"d{duplicate.pk}-decision": "link",
                f"d{duplicate.pk}-reason": reason,
            },
        )
        assert answer.status_code == 422
        text = answer.content.decode()
        assert 'data-testid="error-summary"' in text
        assert f'href="#id_d{duplicate.pk}-reason"' in text
        assert f'id="id_d{duplicate.pk}-reason_error"' in text
        assert "دلیل پیوند یا رفع احتمال تکرار را بنویسید." in text
    duplicate.refresh_from_db()
    assert duplicate.status == "open"


def test_an_officer_of_another_county_neither_sees_nor_resolves_it(zabol, duplicate):
    client = signed_in(staff("zabol-officer", zabol, Function.CASE_OFFICER))
    assert 'data-testid="duplicate"' not in client.get("/citizenship/duplicates/").content.decode()
    answer = client.post(
        "/citizenship/duplicates/",
        {
            "duplicate": duplicate.pk,
            f"d{duplicate.pk}-decision": "clear",
            f"d{duplicate.pk}-reason": REASON,
        },
    )
    assert answer.status_code == 404
    duplicate.refresh_from_db()
    assert duplicate.status == "open"


def test_staff_who_are_not_case_officers_are_told_the_queue_is_not_theirs(council):
    answer = signed_in(council[0]).get("/citizenship/duplicates/")
    assert answer.status_code == 403
    assert "کارشناس پرونده" in answer.content.decode()


# --- 3. The applicant's own case ---------------------------------------------------------------


def citizen_signs_in(mobile: str = APPLICANT_MOBILE, next_page: str = "/citizen/") -> Client:
    """Sign in as a citizen does: the mobile, then the code the SMS brought."""
    client = Client()
    client.post(f"/citizen/sign-in/?next={next_page}", {"mobile": mobile, "next": next_page})
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    code = normalize_code(re.search(r"[۰-۹]{6}", body).group(0))
    answer = client.post(f"/citizen/sign-in/verify/?next={next_page}", {"code": code})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return client


def test_the_applicant_signs_in_and_follows_the_case_from_the_citizen_area(hamid_api, zahedan):
    number = hamid_api.post(
        "/api/v1/citizenship/cases",
        case_body(zahedan),
        "application/json",
    ).json()["case_number"]
    inquiry = hamid_api.post(
        f"/api/v1/citizenship/cases/{number}/inquiries", {"agency": "police"}, "application/json"
    ).json()
    client = citizen_signs_in()

    home = client.get("/citizen/").content.decode()
    assert f"/citizenship/my/{number}/" in home

    page = client.get(f"/citizenship/my/{number}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert persian_digits(number) in text and "تشکیل پرونده" in text
    assert "مدارک هویتی پدربزرگ پدری" in text  # what is missing
    due_on = format_jalali(dt.date.fromisoformat(inquiry["due_on"]))
    assert f"در انتظار پاسخ (مهلت {due_on})" in text  # Jalali, Persian digits
    assert inquiry["due_on"] not in text


def test_the_applicant_reads_the_refusal_the_letter_and_the_appeal_deadline(refused):
    client = citizen_signs_in()
    text = client.get(f"/citizenship/my/{refused.case_number}/").content.decode()
    assert "مدارک پدربزرگ با هویت ادعایی نمی‌خواند." in text
    assert 'data-testid="appeal-deadline"' in text and "اعتراض کنید" in text
    assert f"/citizenship/my/{refused.case_number}/decision-letter.pdf" in text
    assert "confirmed" not in text and "police" not in text  # nothing internal, no raw codes

    letter = client.get(f"/citizenship/my/{refused.case_number}/decision-letter.pdf")

    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")


def test_another_persons_case_is_not_found(refused):
    client = citizen_signs_in("09127654321")
    assert client.get(f"/citizenship/my/{refused.case_number}/").status_code == 404
    assert (
        client.get(f"/citizenship/my/{refused.case_number}/decision-letter.pdf").status_code == 404
    )
    assert (
        persian_digits(refused.case_number) not in client.get("/citizenship/my/").content.decode()
    )


def test_someone_not_signed_in_is_sent_to_sign_in(refused):
    answer = Client().get(f"/citizenship/my/{refused.case_number}/")
    assert answer.status_code == 302 and answer["Location"].startswith("/citizen/sign-in/")


# --- 4. The site menu --------------------------------------------------------------------------


def test_staff_with_a_citizenship_post_find_the_cases_in_the_menu(hamid, zahedan):
    from tests.factories import UserFactory

    menu_link = 'href="/citizenship/">پرونده‌های تابعیت</a>'
    assert menu_link in signed_in(hamid).get("/").content.decode()
    someone = UserFactory(username="no-post", role="")
    assert menu_link not in signed_in(someone).get("/").content.decode()
