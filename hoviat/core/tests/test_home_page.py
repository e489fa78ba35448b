import pytest
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_page_is_persian_right_to_left_and_links_to_what_exists(page):
    page.goto("/")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    expect(page.get_by_role("heading", level=1)).to_contain_text("کارت ملی هوشمند")
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Vazirmatn" in font
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")

    page.get_by_role("link", name="ورود کارکنان").first.click()
    expect(page.get_by_role("heading", name="ورود کارکنان")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_sign_in_through_the_login_page(page, maryam):
    page.goto("/accounts/login/")
    browser_sign_in(page, "maryam", "correct horse battery")

    expect(page.get_by_text("مریم کاظمی")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_gets_a_persian_message(page, maryam):
    page.goto("/accounts/login/")
    page.get_by_label("نام کاربری").fill("maryam")
    page.get_by_label("گذرواژه").fill("wrong")
    page.get_by_role("button", name="ورود").click()

    expect(page.get_by_role("alert")).to_contain_text("نادرست")
