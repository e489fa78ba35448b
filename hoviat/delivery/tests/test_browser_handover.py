import pytest
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in
from hoviat.delivery.tests.fixtures_cards import PASSWORD
from hoviat.delivery.tests.fixtures_handover import enrol_simulator_fingers


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reza_receives_the_shipment_and_hands_sara_her_card(page, saras_card_in_transit, reza):
    transit = saras_card_in_transit
    application = transit.applications[0]
    enrol_simulator_fingers(application)
    saras_card = next(c for c in transit.cards if c.application_id == application.pk)

    page.goto("/accounts/login/?next=/office/delivery/")
    browser_sign_in(page, "reza", PASSWORD)
    expect(page.get_by_role("heading", name="تحویل کارت", exact=True)).to_be_visible()

    # Receiving: the shipment is listed; every card is scanned, one per line.
    page.get_by_test_id("shipments").get_by_role("link", name="دریافت").click()
    page.get_by_label("شماره سریال کارت‌ها").fill("\n".join(c.csn for c in transit.cards))
    page.get_by_role("button", name="ثبت دریافت").click()
    expect(page.get_by_test_id("receive-result")).to_contain_text("۲ کارت دریافت شد")
    expect(page.get_by_test_id("manifest")).to_contain_text("در دفتر")

    # The waiting list shows Sara's card with its deadline.
    page.get_by_role("link", name="کارت‌های در انتظار تحویل").click()
    expect(page.get_by_test_id("waiting")).to_contain_text("سارا محمدی")

    # Hand-over: a wrong finger first (someone else on the simulator), then Sara's own.
    page.get_by_role("link", name="تحویل کارت", exact=True).click()
    page.get_by_label("شماره سریال کارت").fill(saras_card.csn)
    page.get_by_role("button", name="یافتن کارت").click()
    expect(page.get_by_text("نام روی کارت: سارا محمدی")).to_be_visible()

    def fill_desk(simulated_person: str = "") -> None:
        page.get_by_label("کد ملی", exact=True).fill("۰۴۹۹۳۷۰۸۹۹")
        page.get_by_label("کد رهگیری").fill(application.tracking_code)
        page.locator("#id_simulator_person").fill(simulated_person)
        page.get_by_label("رمز شناسایی (ID)").fill("4321")
        page.get_by_label("رمز امضا (SIGN)").fill("8765")
        page.get_by_label("رمز NMOC").fill("1357")
        page.get_by_label("تکرار رمز شناسایی روی کارت").fill("4321")
        page.get_by_role("button", name="تحویل و فعال‌سازی کارت").click()

    fill_desk(simulated_person="0013542419")
    expect(page.get_by_test_id("error")).to_contain_text("اثر انگشت با اثر ثبت‌شده")

    fill_desk()
    expect(page.get_by_role("heading", name="کارت تحویل شد")).to_be_visible()
    expect(page.get_by_test_id("card-status")).to_have_text("فعال")
    expect(page.get_by_test_id("application-status")).to_have_text("تحویل داده شده")

    # Sara's tracking page says delivered, and that the receipt no longer stands in.
    page.goto("/track/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_label("کد رهگیری").fill(application.tracking_code)
    page.get_by_role("button", name="پیگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("تحویل داده شده")
    expect(page.get_by_test_id("delivered-note")).to_be_visible()
