"""The lock page in a browser: sign in by SMS, name the national code, lock with the code,
see it in the history. Screenshots at phone and desktop sizes when HOVIAT_SCREENSHOT_DIR is
set (to look at the pages)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hoviat.inquiry import locks
from hoviat.inquiry.services import identity_inquire
from hoviat.notifications.models import SmsMessage
from tests.factories import ApiKeyFactory, PartnerFactory

SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


def sent_code(mobile: str) -> str:
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    return re.search(r"[۰-۹]{6}", body).group(0)


def shoot(page, name: str) -> None:
    folder = os.environ.get("HOVIAT_SCREENSHOT_DIR")
    if not folder:
        return
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.fixture(autouse=True)
def _fresh_lock_copy():
    locks.forget()  # the live server runs in this process: its copy of the locks is ours
    yield
    locks.forget()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_locks_their_card_from_the_lock_page(page, sara):
    for name, purpose in (("بانک ملت", "LOAN"), ("همراه اول", "SIM_CARD")):
        key = ApiKeyFactory(partner=PartnerFactory(name=name))
        identity_inquire(
            key=key,
            national_code=sara.national_code,
            birth_date=sara.birth_date,
            first_name=None,
            last_name=None,
            purpose=purpose,
        )

    page.goto("/me/lock/")
    page.get_by_label("شماره تلفن همراه").fill(sara.mobile)
    page.get_by_role("button", name="دریافت کد").click()
    page.get_by_label("کد پیامک‌شده").fill(sent_code(sara.mobile))
    page.get_by_role("button", name="ورود").click()
    expect(page).to_have_url(re.compile(r"/me/who/"))
    page.get_by_label("کد ملی").fill(sara.national_code)
    page.get_by_role("button", name="ادامه").click()

    expect(page).to_have_url(re.compile(r"/me/lock/$"))
    expect(page.get_by_test_id("lock-status")).to_contain_text("قفل نیست")
    page.get_by_role("button", name="فرستادن کد و قفل کردن").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("دست‌کم یک مورد")
    shoot(page, "lock-error")

    page.get_by_label("همهٔ استعلام‌ها و احراز هویت با کارت").check()
    page.get_by_label("برای چند دقیقه").check()
    page.get_by_label("مدت به دقیقه").fill("۱۲۰")
    shoot(page, "lock")
    page.get_by_role("button", name="فرستادن کد و قفل کردن").click()
    expect(page).to_have_url(re.compile(r"/me/lock/confirm/"))
    page.get_by_label("کد پیامک‌شده").fill(sent_code(sara.mobile))
    shoot(page, "lock-confirm")
    page.get_by_role("button", name="تأیید").click()

    expect(page.get_by_test_id("lock-status")).to_contain_text("کارت شما قفل است")
    expect(page.get_by_test_id("unlock-form")).to_be_visible()
    shoot(page, "lock-locked")

    page.goto("/me/")
    expect(page.get_by_test_id("history")).to_contain_text("کارت را قفل کردید")
    expect(page.get_by_test_id("history")).to_contain_text("همراه اول")
    shoot(page, "history")
