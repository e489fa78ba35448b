import re

import pytest
from playwright.sync_api import expect

from hoviat.notifications.models import SmsMessage


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sign_in_page_solves_the_proof_of_work_and_the_code_is_sent(page, settings):
    settings.OTP_CHALLENGE_AFTER = 0  # every request from this address needs a solved challenge
    settings.POW_CHALLENGE_MAX_NUMBER = 20_000

    posted: list[str] = []
    page.on(
        "request",
        lambda r: posted.append(r.post_data or "") if r.method == "POST" else None,
    )
    page.goto("/citizen/sign-in/")
    page.get_by_label("شماره تلفن همراه").fill("09171234567")
    page.get_by_role("button", name="دریافت کد").click()

    # The server asks for a challenge; the page's script solves it and sends the form again.
    expect(page).to_have_url(re.compile(r"/citizen/sign-in/verify/"), timeout=30_000)
    assert len(posted) == 2
    assert re.search(r"challenge_solution=[A-Za-z0-9%]{20,}", posted[1])
    assert SmsMessage.objects.filter(to="09171234567", kind="otp").count() == 1
