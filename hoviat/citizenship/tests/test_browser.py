"""A family without birth certificates, from the office to a card application, in a real
browser: case officer Hamid files the case for a man, his wife and his son and attaches the
documents; the police and the security council answer their inquiries; two of the county
council's three members approve (the quorum); the man signs in with his own mobile and
pre-registers for his smart card with the national code and birth certificate just issued."""

import pytest
from playwright.sync_api import expect

from hoviat.applications.models import Application
from hoviat.applications.tests.test_pages import _last_sms_code, close_date_picker
from hoviat.citizenship.models import Case, Function
from hoviat.citizenship.tests.conftest import scan, staff
from hoviat.core.tests.factories import audit_log_holds, browser_sign_in

PASSWORD = "correct horse battery"  # tests' UserFactory
MOBILE = "09151112233"


def context_for(browser, live_server, *, phone: bool):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = browser.new_context(
        locale="fa-IR",
        base_url=live_server.url,
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(15_000)
    return context


def staff_page(browser, live_server, username: str, *, phone: bool = False):
    page = context_for(browser, live_server, phone=phone).new_page()
    page.goto("/accounts/login/")
    browser_sign_in(page, username, PASSWORD)
    return page


def fill_date(page, label: str, value: str, *, nth: int = 0) -> None:
    page.get_by_label(label).nth(nth).fill(value)
    close_date_picker(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_files_for_a_family_the_council_approves_and_the_man_pre_registers(
    browser, live_server, zahedan, hamid, council, tmp_path
):
    police = staff("police", zahedan, Function.POLICE)
    security = staff("security", zahedan, Function.SECURITY)
    scan_file = tmp_path / "scan.png"
    scan_file.write_bytes(scan())

    # The case officer files the case for the family at the office (a desktop).
    office = staff_page(browser, live_server, hamid.username)
    office.goto("/citizenship/")
    office.get_by_role("link", name="تشکیل پرونده برای یک خانواده").click()
    office.get_by_label("نام", exact=True).first.fill("عبدالکریم")
    office.get_by_label("نام خانوادگی").first.fill("شه‌بخش")
    office.get_by_role("radio", name="مرد").check()
    fill_date(office, "تاریخ تولد (اگر معلوم است)", "۱۳۶۸/۰۶/۱۲")
    office.get_by_label("محل تولد (روستا یا شهر)").fill("روستای کورین")
    office.get_by_label("شهرستان محل تولد").select_option(label="زاهدان")
    office.get_by_label("شهرستان محل سکونت").select_option(label="زاهدان")
    office.get_by_label("شماره تلفن همراه متقاضی").fill("۰۹۱۵۱۱۱۲۲۳۳")
    office.get_by_label("نام پدر", exact=True).first.fill("دادمحمد")
    office.get_by_label("نام مادر", exact=True).first.fill("گل‌بی‌بی")
    office.get_by_label("نام پدربزرگ پدری").fill("شیرمحمد")
    office.get_by_role("radio", name="مدارک پدر و پدربزرگ").check()
    spouse = office.locator("fieldset", has_text="عضو خانوادهٔ ۱")
    spouse.get_by_label("نسبت").select_option(label="همسر")
    spouse.get_by_label("نام", exact=True).fill("ماه‌گل")
    spouse.get_by_label("نام خانوادگی").fill("ریگی")
    spouse.get_by_label("جنسیت").select_option(label="زن")
    spouse.get_by_label("نام پدر").fill("عیسی")
    spouse.get_by_label("نام مادر").fill("خدیجه")
    spouse.get_by_label("تاریخ تولد").fill("۱۳۷۱/۰۲/۰۱")
    close_date_picker(office)
    son = office.locator("fieldset", has_text="عضو خانوادهٔ ۲")
    son.get_by_label("نسبت").select_option(label="فرزند")
    son.get_by_label("نام", exact=True).fill("امید")
    son.get_by_label("نام خانوادگی").fill("شه‌بخش")
    son.get_by_label("جنسیت").select_option(label="مرد")
    son.get_by_label("نام پدر").fill("عبدالکریم")
    son.get_by_label("نام مادر").fill("ماه‌گل")
    son.get_by_label("تاریخ تولد").fill("۱۳۹۵/۰۸/۱۵")
    close_date_picker(office)
    office.get_by_role("button", name="تشکیل پرونده و پیامک شمارهٔ پرونده").click()
    expect(office.get_by_role("alert").first).to_contain_text("پرونده تشکیل شد")
    expect(office.locator("#family")).to_contain_text("ماه‌گل")
    case = Case.objects.get(mobile=MOBILE)
    assert case.family.count() == 2

    for kind in ("مدارک هویتی پدر", "مدارک هویتی پدربزرگ پدری"):
        office.get_by_label("نوع مدرک").select_option(label=kind)
        office.get_by_label("فایل اسکن (JPEG یا PNG)").set_input_files(scan_file)
        office.get_by_role("button", name="پیوست مدرک").click()
        expect(office.get_by_role("alert").first).to_contain_text("مدرک پیوست شد")
    for agency in ("احراز هویت انتظامی", "استعلام شورای تأمین"):
        office.get_by_label("مرجع استعلام").select_option(label=agency)
        office.get_by_role("button", name="فرستادن استعلام").click()
        expect(office.get_by_role("alert").first).to_contain_text("فرستاده شد")

    # The police and the security council answer, each from their own desk.
    for user in (police, security):
        desk = staff_page(browser, live_server, user.username)
        desk.goto(f"/citizenship/{case.case_number}/")
        desk.get_by_role("link", name="ثبت پاسخ").click()
        desk.get_by_role("radio", name="تأیید", exact=True).check()
        desk.get_by_label("توضیح").fill("هویت و سکونت در زاهدان تأیید شد.")
        desk.get_by_role("button", name="ثبت پاسخ").click()
        expect(desk.get_by_role("alert").first).to_contain_text("پاسخ استعلام ثبت شد")
        desk.context.close()

    office.reload()
    office.get_by_role("button", name="فرستادن پرونده به شورا").click()
    expect(office.get_by_test_id("case-status")).to_have_text("در انتظار تصمیم شورا")

    # Two council members approve with written reasons, on their phones: the quorum.
    for member, expected in ((council[0], "در انتظار رأی"), (council[1], "صدور شناسنامه")):
        phone = staff_page(browser, live_server, member.username, phone=True)
        phone.goto(f"/citizenship/{case.case_number}/")
        phone.get_by_role("link", name="دادن رأی").click()
        phone.get_by_role("radio", name="تأیید", exact=True).check()
        phone.get_by_label("دلایل مکتوب").fill(
            "مدارک پدر و پدربزرگ و پاسخ استعلام‌ها تابعیت ایرانی را ثابت می‌کند."
        )
        phone.get_by_role("button", name="ثبت رأی").click()
        expect(phone.get_by_role("alert").first).to_contain_text(expected)
        phone.context.close()

    office.reload()
    expect(office.get_by_test_id("case-status")).to_have_text("صدور شناسنامه")
    case.refresh_from_db()
    citizen = case.citizen
    assert citizen is not None and citizen.national_code.startswith("361")
    expect(office.get_by_test_id("national-code")).to_have_text(
        citizen.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )
    office.context.close()

    # The man signs in with his own mobile and pre-registers for his first smart card.
    page = context_for(browser, live_server, phone=True).new_page()
    page.goto("/citizen/")
    page.get_by_label("شماره تلفن همراه").fill("۰۹۱۵۱۱۱۲۲۳۳")
    page.get_by_role("button", name="دریافت کد").click()
    expect(page.get_by_role("heading", name="کد ورود")).to_be_visible()
    page.get_by_label("کد پیامک‌شده").fill(_last_sms_code(MOBILE))
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="درخواست‌های من")).to_be_visible()
    page.get_by_role("link", name="پیش‌ثبت‌نام کارت ملی هوشمند").click()
    page.get_by_label("کد ملی").fill(citizen.national_code)
    page.get_by_label("سری و سریال شناسنامه").fill(
        f"{citizen.shenasnameh_series}/{citizen.shenasnameh_letter} {citizen.shenasnameh_serial}"
    )
    page.get_by_label("تاریخ تولد").fill("1368/06/12")
    close_date_picker(page)
    page.get_by_label("نام کوچک مادر").fill("گل‌بی‌بی")
    page.get_by_role("radio", name="مرد").check()
    page.get_by_role("radio", name="صدور نخستین کارت").check()
    page.get_by_role("button", name="ادامه").click()
    page.get_by_role("button", name="درست است؛ ثبت و دریافت کد رهگیری").click()
    expect(page.get_by_test_id("status")).to_have_text("پیش‌ثبت‌نام شده")
    page.context.close()

    assert Application.objects.filter(citizen=citizen).count() == 1
    assert audit_log_holds()
