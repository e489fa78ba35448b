"""The sandbox bank's page, the citizen's pay button, and one payment in a real browser."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from hoviat.applications.models import Application
from hoviat.applications.views import SESSION_KEY
from hoviat.core.text import persian_digits
from hoviat.payments.models import Payment, SandboxTransaction
from hoviat.payments.services import payment_start
from hoviat.payments.tests.conftest import card_form, path_of


@pytest.fixture
def bank_url(application, sara_actor):
    _, url = payment_start(application=application, actor=sara_actor, base_url="http://testserver")
    return path_of(url)


@pytest.fixture
def signed_in(client, sara):
    session = client.session
    session[SESSION_KEY] = sara.mobile
    session.save()
    return client


@pytest.mark.django_db
def test_the_bank_page_shows_the_merchant_and_the_amount_in_persian_digits(client, bank_url):
    response = client.get(bank_url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "سازمان ثبت احوال کشور" in page and "۱٬۴۵۰٬۰۰۰ ریال" in page
    assert "رمز دوم پویا" in page and "۱۲۳۴۵۶" in page
    assert "پرداخت" in page and "انصراف" in page


@pytest.mark.django_db
def test_an_unknown_authority_gets_a_persian_404(client):
    response = client.get("/payments/sandbox/pay/A" + "9" * 35)

    assert response.status_code == 404
    assert "تراکنشی با این شناسه" in response.content.decode()


@pytest.mark.django_db
def test_a_finished_transaction_gets_a_409_with_a_way_back_to_the_merchant(client, bank_url):
    client.post(bank_url, card_form())

    again = client.post(bank_url, card_form())

    assert again.status_code == 409
    page = again.content.decode()
    assert "پیش‌تر انجام" in page and "بازگشت به سایت پذیرنده" in page
    assert SandboxTransaction.objects.filter(status="paid").count() == 1


@pytest.mark.django_db
def test_a_mistyped_card_is_shown_again_with_the_errors_and_nothing_is_charged(client, bank_url):
    form = card_form(pan="6037 9900")
    form["password"] = "000000"

    response = client.post(bank_url, form)

    page = response.content.decode()
    assert response.status_code == 422
    assert "شماره کارت باید ۱۶ رقم باشد" in page and "رمز دوم پویا نادرست است" in page
    assert SandboxTransaction.objects.get().status == "pending"


@pytest.mark.django_db
def test_a_card_typed_with_persian_digits_is_accepted(client, bank_url):
    response = client.post(bank_url, card_form(pan="۶۰۳۷ ۹۹۰۰ ۰۰۰۰ ۰۰۰۰"))

    assert response.status_code == 303
    assert SandboxTransaction.objects.get().status == "paid"


@pytest.mark.django_db
def test_cancel_sends_the_browser_back_with_a_signed_nok(client, bank_url):
    response = client.post(bank_url, {"action": "cancel"})

    params = dict(parse_qsl(urlsplit(response["Location"]).query))
    assert response.status_code == 303
    assert response["Location"].startswith("http://testserver/payments/callback?")
    assert params["Status"] == "NOK" and len(params["Signature"]) == 64


@pytest.mark.django_db
def test_the_pay_button_of_the_application_page_goes_to_the_bank(signed_in, application):
    response = signed_in.post(f"/payments/start/{application.public_id}")

    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"http://testserver/payments/sandbox/pay/{payment.authority}"


@pytest.mark.django_db
def test_the_pay_button_of_a_paid_application_explains_instead(signed_in, application):
    Application.objects.filter(pk=application.pk).update(status="paid")

    response = signed_in.post(f"/payments/start/{application.public_id}", follow=True)

    assert "پیش‌تر پرداخت شده" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_pay_button_needs_a_signed_in_citizen(client, application):
    response = client.post(f"/payments/start/{application.public_id}")

    assert response.status_code == 302 and "/citizen/sign-in/" in response["Location"]
    assert not Payment.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_pays_with_a_test_card_and_sees_the_bank_ref_id(
    page, live_server, application, sara_actor
):
    payment, url = payment_start(
        application=application, actor=sara_actor, base_url=live_server.url
    )

    page.goto(path_of(url))
    expect(page.get_by_test_id("amount")).to_have_text("۱٬۴۵۰٬۰۰۰ ریال")
    page.get_by_label("شماره کارت").fill("6037-9900-0000-0000")
    page.get_by_label("CVV2").fill("123")
    page.get_by_label("ماه انقضا").fill("12")
    page.get_by_label("سال انقضا").fill("08")
    page.get_by_label("رمز دوم پویا").fill("123456")
    page.get_by_role("button", name="پرداخت", exact=True).click()

    expect(page.get_by_test_id("payment-result")).to_contain_text("با موفقیت")
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    expect(page.get_by_test_id("ref-id")).to_have_text(persian_digits(payment.ref_id))
    expect(page.get_by_text(persian_digits(application.tracking_code))).to_be_visible()
    assert urlsplit(page.url).path == "/payments/callback"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_who_cancels_at_the_bank_is_offered_another_try(
    page, live_server, application, sara_actor
):
    _, url = payment_start(application=application, actor=sara_actor, base_url=live_server.url)

    page.goto(path_of(url))
    page.get_by_role("button", name="انصراف").click()

    expect(page.get_by_test_id("payment-result")).to_contain_text("پرداخت انجام نشد")
    expect(page.get_by_test_id("failure-reason")).to_have_text("پرداخت را در صفحه بانک لغو کردید.")
    expect(page.get_by_role("link", name="تلاش دوباره برای پرداخت")).to_be_visible()


@pytest.mark.django_db
def test_a_card_without_funds_is_said_to_be_the_reason(client, bank_url):
    back = client.post(bank_url, {**card_form(), "pan": "6037990000000002", "action": "pay"})
    html = client.get(path_of(back["Location"])).content.decode()
    assert "پرداخت انجام نشد" in html
    assert "موجودی کارت برای این پرداخت کافی نبود." in html


@pytest.mark.django_db
def test_a_card_form_with_mistakes_gets_a_summary_and_marked_fields(client, bank_url):
    html = client.post(bank_url, {"action": "pay", "pan": "1234"}).content.decode()
    assert "data-error-summary" in html
    for name in ("pan", "cvv2", "expiry_month", "expiry_year", "password"):
        assert f'href="#id_{name}"' in html
        assert f'id="id_{name}_error"' in html
    assert "شماره کارت باید ۱۶ رقم باشد." in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_pan"', html)
