"""The citizen portal: the step indicator, the booked visit, countdowns (static JS)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from hoviat.applications.tests.test_pages import _last_sms_code
from hoviat.core.jalali import WEEKDAYS, format_jalali
from hoviat.offices.selectors import OFFICE_TZ
from tests.factories import ApplicationFactory, BookingFactory, SlotFactory


def _citizen(client: Client, mobile: str) -> Client:
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()
    return client


def _visit_day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


def _booking(sara, *, status="booked", hold_expires_at=None):
    application = ApplicationFactory(
        citizen=sara,
        mobile=sara.mobile,
        status="booked" if status == "booked" else "pre_registered",
    )
    starts = dt.datetime.combine(_visit_day(), dt.time(9, 30), tzinfo=OFFICE_TZ)
    BookingFactory(
        application=application,
        slot=SlotFactory(starts_at=starts),
        status=status,
        hold_expires_at=hold_expires_at,
    )
    return application


@pytest.mark.django_db
def test_the_booked_page_shows_the_weekday_and_what_to_bring(client, sara):
    application = _booking(sara)
    html = (
        _citizen(client, sara.mobile)
        .get(f"/citizen/applications/{application.public_id}/")
        .content.decode()
    )
    visit = html[html.index('data-testid="visit"') :]
    assert WEEKDAYS[(_visit_day().weekday() + 2) % 7] in visit
    assert format_jalali(_visit_day(), long=True) in visit
    assert "۰۹:۳۰" in visit
    bring = visit[visit.index('data-testid="what-to-bring"') :]
    assert "شناسنامه" in bring
    # Step 4 of 5 (attend) is the current one.
    assert re.search(r'aria-current="step"[^>]*>\s*۴\. مراجعه به دفتر', html)


@pytest.mark.django_db
def test_a_held_seat_shows_a_countdown_to_its_deadline(client, sara):
    deadline = timezone.now() + dt.timedelta(minutes=10)
    application = _booking(sara, status="held", hold_expires_at=deadline)
    html = (
        _citizen(client, sara.mobile)
        .get(f"/citizen/applications/{application.public_id}/")
        .content.decode()
    )
    assert f'data-countdown-until="{deadline.isoformat()}"' in html
    assert "js/countdown.js" in html and "<script>" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_countdowns_tick_in_persian_digits_and_say_when_time_is_up(page, sara):
    page.goto("/citizen/sign-in/")
    page.get_by_label("شماره تلفن همراه").fill(sara.mobile)
    page.get_by_role("button", name="دریافت کد").click()
    clock = page.locator("[data-countdown-until]")
    # The server writes «۲:۰۰»; the script rewrites it as two-digit minutes and seconds.
    expect(clock).to_have_text(re.compile(r"^[۰-۹]{2}:[۰-۹]{2}$"))

    page.get_by_label("کد پیامک‌شده").fill(_last_sms_code(sara.mobile))
    page.get_by_role("button", name="ورود").click()
    gone = _booking(sara, status="held", hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    page.goto(f"/citizen/applications/{gone.public_id}/")
    expect(page.get_by_test_id("hold-countdown").locator("[data-countdown-until]")).to_have_text(
        "پایان مهلت؛ نوبت آزاد شد"
    )
