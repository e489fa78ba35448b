import pytest
from playwright.sync_api import expect

from hoviat.core.tests.factories import browser_sign_in
from hoviat.delivery.tests.fixtures_cards import PASSWORD
from hoviat.delivery.tests.fixtures_handover import enrol_simulator_fingers, keep_face_photo


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reza_receives_the_shipment_and_hands_sara_her_card(
    page, saras_card_in_transit, reza, face_store
):
    transit = saras_card_in_transit
    application = transit.applications[0]
    enrol_simulator_fingers(application)
    keep_face_photo(application)
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

    # Hand-over: the desk shows Sara beside her enrolment photo; a wrong finger first
    # (someone else on the simulator), then Sara's own; no PIN is typed at the desk.
    page.get_by_role("link", name="تحویل کارت", exact=True).click()
    page.get_by_label("شماره سریال کارت").fill(saras_card.csn)
    page.get_by_role("button", name="یافتن کارت").click()
    expect(page.get_by_test_id("holder-name")).to_have_text("سارا محمدی")
    photo = page.get_by_test_id("holder-photo")
    expect(photo).to_be_visible()
    # The photo is a separate request: wait for it to load (a busy machine is slow), then
    # check it drew a picture rather than a broken image.
    photo.evaluate(
        "img => img.complete ? null : new Promise(done => {"
        " img.addEventListener('load', done); img.addEventListener('error', done); })"
    )
    assert photo.evaluate("img => img.naturalWidth") > 0
    expect(page.get_by_test_id("desk-form").locator("input[type=password]")).to_have_count(0)

    def fill_desk(simulated_person: str = "") -> None:
        page.get_by_label("کد ملی", exact=True).fill("۰۴۹۹۳۷۰۸۹۹")
        page.get_by_label("کد رهگیری").fill(application.tracking_code)
        page.locator("#id_simulator_person").fill(simulated_person)
        page.get_by_role("button", name="سنجش هویت و رفتن به صفحهٔ رمز دارنده").click()

    fill_desk(simulated_person="0013542419")
    expect(page.get_by_test_id("error")).to_contain_text("اثر انگشت با اثر ثبت‌شده")

    fill_desk()
    # The holder's pad: the ID PIN on the on-screen keys, the others on the keyboard.
    expect(
        page.get_by_role("heading", name="سارا گرامی، رمزهای کارت خود را انتخاب کنید")
    ).to_be_visible()
    page.get_by_label("رمز شناسایی (ID)").focus()
    for key in "4321":
        page.get_by_test_id("pin-pad").locator(f"[data-key='{key}']").click()
    expect(page.get_by_label("رمز شناسایی (ID)")).to_have_value("4321")
    page.get_by_label("رمز امضا (SIGN)").fill("8765")
    page.get_by_label("رمز NMOC").fill("1357")
    page.get_by_label("رمز شناسایی را دوباره وارد کنید").fill("4321")
    page.get_by_role("button", name="ثبت رمزها و دریافت کارت").click()

    expect(page.get_by_role("heading", name="کارت تحویل شد")).to_be_visible()
    expect(page.get_by_test_id("card-status")).to_have_text("فعال")
    expect(page.get_by_test_id("application-status")).to_have_text("تحویل داده شده")

    # The slip to print and sign: Persian, the national code's last four digits only.
    page.get_by_test_id("slip-link").click()
    expect(page.get_by_test_id("slip")).to_contain_text("برگهٔ تحویل کارت هوشمند ملی")
    expect(page.get_by_test_id("slip-national-code")).to_have_text("••••••۰۸۹۹")
    expect(page.get_by_role("button", name="چاپ برگه")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="چاپ برگه")).to_be_hidden()
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.emulate_media(media="screen")

    # Sara's tracking page says delivered, and that the receipt no longer stands in.
    page.goto("/track/")
    page.get_by_label("کد ملی").fill("0499370899")
    page.get_by_label("کد رهگیری").fill(application.tracking_code)
    page.get_by_role("button", name="پیگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("تحویل داده شده")
    expect(page.get_by_test_id("delivered-note")).to_be_visible()
