"""Complaint pages: the citizen files and follows one; staff answer; directors see overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from hoviat.core.jalali import today_local
from hoviat.core.tests.factories import staff_sign_in
from hoviat.notifications.models import SmsMessage
from hoviat.selfservice.models import Grievance
from hoviat.selfservice.services import grievance_file
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


def sign_in_citizen(client, mobile: str) -> None:
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()


def test_a_citizen_files_a_complaint_about_her_late_card_on_the_page(client, sara, reza):
    card = CardFactory(application__citizen=sara, office=reza.office)
    sign_in_citizen(client, sara.mobile)

    form = client.get("/me/grievances/new/")
    assert form.status_code == 200
    assert "کارت ملی با سریال پایانی" in form.content.decode()
    response = client.post(
        "/me/grievances/new/",
        {"about_event": f"card:{card.csn}", "text": "کارت من یک ماه است در دفتر مانده است."},
        follow=True,
    )

    grievance = Grievance.objects.get()
    assert response.redirect_chain[-1][0] == f"/me/grievances/{grievance.number}/"
    page = response.content.decode()
    assert grievance.office == reza.office
    assert reza.office.name in page
    assert "در انتظار پاسخ" in page


def test_an_empty_complaint_is_refused_beside_the_field_in_persian(client, sara):
    sign_in_citizen(client, sara.mobile)

    response = client.post("/me/grievances/new/", {"about_event": "", "text": " "})

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "متن شکایت را بنویسید" in page
    assert 'aria-invalid="true"' in page
    assert not Grievance.objects.exists()


def test_another_persons_complaint_is_not_shown(client, sara, omid):
    grievance = grievance_file(mobile=sara.mobile, text="پیامک نوبت من هرگز نرسید.")
    sign_in_citizen(client, omid.mobile)

    response = client.get(f"/me/grievances/{grievance.number}/")

    assert response.status_code == 404
    assert "پیامک نوبت" not in response.content.decode()
    assert "شکایتی با این شماره برای شما یافت نشد" in response.content.decode()


def test_office_staff_answer_on_the_page_and_the_citizen_reads_it(client, sara, reza):
    card = CardFactory(application__citizen=sara, office=reza.office)
    grievance = grievance_file(
        mobile=sara.mobile, text="کارت من دیر شده است.", about_event=f"card:{card.csn}"
    )
    staff_sign_in(client, reza)

    listing = client.get("/office/grievances/")
    assert grievance.number[-4:] in listing.content.decode().translate(
        str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    )
    refused = client.post(f"/office/grievances/{grievance.number}/", {"answer": ""})
    assert "متن پاسخ را بنویسید" in refused.content.decode()
    client.post(f"/office/grievances/{grievance.number}/", {"answer": "کارت شما آماده است."})

    assert SmsMessage.objects.filter(to=sara.mobile, kind="grievance_answered").exists()
    client.logout()
    sign_in_citizen(client, sara.mobile)
    page = client.get(f"/me/grievances/{grievance.number}/").content.decode()
    assert "کارت شما آماده است." in page


def test_the_director_sees_overdue_complaints_and_an_operator_does_not(client, sara, maryam, reza):
    late = grievance_file(mobile=sara.mobile, text="استعلامی که من نکرده بودم ثبت شده است.")
    Grievance.objects.filter(pk=late.pk).update(due_on=today_local() - dt.timedelta(days=2))
    on_time = grievance_file(mobile=sara.mobile, text="شکایت دوم که هنوز مهلت دارد.")
    staff_sign_in(client, maryam)

    page = client.get("/office/grievances/overdue/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "استعلامی که من نکرده بودم" in text
    assert "هنوز مهلت دارد" not in text
    assert on_time.number not in text
    client.logout()
    staff_sign_in(client, reza)
    assert client.get("/office/grievances/overdue/").status_code == 403


def test_the_history_page_can_link_a_complaint_to_an_older_message(client, sara):
    from hoviat.notifications.models import SmsMessage as Sms

    old = Sms.objects.create(to=sara.mobile, body="پیامک قدیمی", kind="booking_confirmed")
    for n in range(20):  # newer messages push it off the form's own list
        Sms.objects.create(to=sara.mobile, body=f"پیامک {n}", kind="otp")
    sign_in_citizen(client, sara.mobile)

    form = client.get(f"/me/grievances/new/?about=sms:{old.pk}").content.decode()
    assert f'value="sms:{old.pk}" selected' in form
    client.post(
        "/me/grievances/new/",
        {"about_event": f"sms:{old.pk}", "text": "پیامک نوبت من هیچ‌وقت نرسید."},
    )

    assert Grievance.objects.get().about_ref == str(old.pk)
