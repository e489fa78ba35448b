"""Every SMS template, rendered with sample values: the very text the services wrote before
the templates existed (byte for byte), Persian, with every placeholder filled."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hoviat.notifications.models import SmsMessage
from hoviat.notifications.services import SmsOut, sms_outbox_fill, sms_queue, sms_queue_many
from hoviat.notifications.templates import (
    TEMPLATES,
    SmsTemplate,
    SmsTemplateError,
    digits,
    sms_render,
    text,
)

TRACKING = "739104826551"
APPOINTMENT = dt.datetime(2026, 11, 10, 5, 45, tzinfo=dt.UTC)  # 09:15 in Tehran
OFFICE = {"office_name": "اداره پست مرکزی بوشهر", "office_address": "بوشهر، خیابان امام، پلاک 12"}
READY = {"csn": "IR0000001234", **OFFICE, "hold_until": dt.date(2026, 12, 20)}
RECEIPT = {
    "receipt_number": "140512345678",
    "tracking_code": TRACKING,
    "valid_until": dt.date(2027, 5, 10),
}
REPLACEMENT = {"csn": "IR0000001234", "tracking_code": TRACKING, "fee_rials": 3500000}
PAYMENT = {"amount_rials": 3500000, "ref_id": "204718365092", "tracking_code": TRACKING}
SAMPLES = {
    "otp": {"code": "048213", "minutes": 2},
    "inquiry_digest": {
        "month": "آبان ۱۴۰۵",
        "count": 12,
        "partners": "بانک ملی، همراه اول",
        "locked": 1,
    },
    "inquiry_digest_none": {"month": "آبان ۱۴۰۵"},
    "citizenship_case_opened": {"case_number": "CZ40718263", "temporary_id": "773918204657"},
    "citizenship_decided": {
        "case_number": "CZ40718263",
        "outcome": "تأیید تابعیت و صدور شناسنامه",
        "letter_number": "418203657",
    },
    "pre_registered": {"tracking_code": TRACKING},
    "tracking_code_resent": {"tracking_code": TRACKING},
    "pre_registration_expired": {"tracking_code": TRACKING, "days": 7},
    "booking_confirmed": {"appointment": APPOINTMENT, **OFFICE, "tracking_code": TRACKING},
    "booking_moved": {"appointment": APPOINTMENT, **OFFICE, "tracking_code": TRACKING},
    "booking_reminder": {"appointment": APPOINTMENT, **OFFICE, "tracking_code": TRACKING},
    "booking_unavailable": {"tracking_code": TRACKING},
    "booking_cancelled": {"tracking_code": TRACKING},
    "application_expired": {"appointment_day": APPOINTMENT, "tracking_code": TRACKING},
    "payment_succeeded": PAYMENT,
    "payment_refund_due": PAYMENT,
    "enrolment_completed": RECEIPT,
    "receipt_reissued": RECEIPT,
    "replacement_queued": {"tracking_code": TRACKING},
    "card_ready": READY,
    "card_ready_reminder": READY,
    "card_delivered": {"csn": "IR0000001234", "office_name": OFFICE["office_name"]},
    "card_voided": {"tracking_code": TRACKING, "hold_days": 90},
    "card_reissue": {"tracking_code": TRACKING, "fee_rials": 3500000, "next_step": True},
    "card_lost": {"csn": "IR0000001234"},
    "card_lost_with_replacement": {**REPLACEMENT, "next_step": False},
    "card_stolen": {"csn": "IR0000001234"},
    "card_stolen_with_replacement": {**REPLACEMENT, "next_step": True},
    "card_found": {"csn": "IR0000001234"},
    "card_found_replacement_cancelled": {"csn": "IR0000001234"},
    "grievance_answered": {"number": "359044012606"},
    "card_promise_slipped": {
        "tracking_code": TRACKING,
        "date": dt.date(2026, 12, 10),
        "earliest": dt.date(2026, 12, 7),
        "latest": dt.date(2026, 12, 14),
    },
}

# What the services wrote for SAMPLES before the templates (their f-strings, run once).
EXPECTED = {
    "citizenship_case_opened": (
        "citizenship_case_opened",
        (
            "هویت: پروندهٔ تابعیت شما به شمارهٔ CZ40718263 تشکیل شد. شناسهٔ موقت شما "
            "۷۷۳۹۱۸۲۰۴۶۵۷ است؛ تا پایان رسیدگی آن را نگه دارید."
        ),
    ),
    "citizenship_decided": (
        "citizenship_decided",
        (
            "هویت: دربارهٔ پروندهٔ تابعیت CZ40718263 تصمیم گرفته شد: تأیید تابعیت و صدور "
            "شناسنامه. نامهٔ تصمیم به شمارهٔ ۴۱۸۲۰۳۶۵۷ با دلایل و راه اعتراض آماده است؛ آن را در "
            "سامانه دریافت کنید."
        ),
    ),
    "inquiry_digest": (
        "inquiry_digest",
        (
            "هویت: در آبان ۱۴۰۵ ۱۲ بار دربارهٔ کارت و هویت شما استعلام شد (بانک ملی، همراه اول)؛ "
            "۱ بار قفل شما پاسخ را بست. فهرست کامل در سامانه هویت، بخش «من»."
        ),
    ),
    "inquiry_digest_none": (
        "inquiry_digest",
        "هویت: در آبان ۱۴۰۵ هیچ بانک یا سازمانی دربارهٔ کارت و هویت شما استعلام نکرد.",
    ),
    "otp": (
        "otp",
        "هویت: کد ورود شما ۰۴۸۲۱۳ است. این کد تا ۲ دقیقه معتبر است. آن را به هیچ‌کس ندهید.",
    ),
    "pre_registered": (
        "pre_registered",
        (
            "هویت: پیش‌ثبت‌نام کارت ملی هوشمند انجام شد. کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱. "
            "برای پرداخت هزینه و گرفتن نوبت به سامانه مراجعه کنید."
        ),
    ),
    "tracking_code_resent": (
        "tracking_code_resent",
        (
            "هویت: کد رهگیری درخواست کارت ملی هوشمند شما ۷۳۹۱۰۴۸۲۶۵۵۱ است. "
            "اگر شما آن را نخواسته‌اید، این پیامک را نادیده بگیرید."
        ),
    ),
    "pre_registration_expired": (
        "pre_registration_expired",
        (
            "هویت: پیش‌ثبت‌نام شما با کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱ چون هزینه در مهلت ۷ روزه"
            " پرداخت نشد منقضی شد. هر زمان خواستید دوباره پیش‌ثبت‌نام کنید."
        ),
    ),
    "booking_confirmed": (
        "booking_confirmed",
        (
            "هویت: نوبت ثبت‌نام حضوری کارت ملی هوشمند شما: سه‌شنبه ۱۹ آبان ۱۴۰۵ ساعت "
            "۰۹:۱۵ در «اداره پست مرکزی بوشهر» به نشانی بوشهر، خیابان امام، پلاک 12. "
            "کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱. اصل شناسنامه عکس‌دار را همراه داشته باشید."
        ),
    ),
    "booking_moved": (
        "booking_moved",
        (
            "هویت: نوبت شما تغییر کرد. نوبت تازه: سه‌شنبه ۱۹ آبان ۱۴۰۵ ساعت ۰۹:۱۵ در "
            "«اداره پست مرکزی بوشهر» به نشانی بوشهر، خیابان امام، پلاک 12. کد رهگیری:"
            " ۷۳۹۱۰۴۸۲۶۵۵۱. اصل شناسنامه عکس‌دار را همراه داشته باشید."
        ),
    ),
    "booking_reminder": (
        "booking_reminder",
        (
            "هویت: یادآوری نوبت فردا، سه‌شنبه ۱۹ آبان ۱۴۰۵ ساعت ۰۹:۱۵، در «اداره پست "
            "مرکزی بوشهر» به نشانی بوشهر، خیابان امام، پلاک 12. کد رهگیری: "
            "۷۳۹۱۰۴۸۲۶۵۵۱. اصل شناسنامه عکس‌دار را همراه داشته باشید."
        ),
    ),
    "booking_unavailable": (
        "booking_unavailable",
        (
            "هویت: پرداخت شما انجام شد، ولی نوبتی که انتخاب کرده بودید دیگر در دسترس "
            "نیست. لطفاً در سامانه نوبت دیگری بگیرید. کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱."
        ),
    ),
    "booking_cancelled": (
        "booking_cancelled",
        (
            "هویت: نوبت ثبت‌نام حضوری شما لغو شد. هزینه پرداخت‌شده محفوظ است و "
            "می‌توانید در سامانه نوبت تازه بگیرید. کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱."
        ),
    ),
    "application_expired": (
        "application_expired",
        (
            "هویت: چون در نوبت ۱۹ آبان ۱۴۰۵ برای ثبت‌نام حضوری مراجعه نکردید، درخواست"
            " کارت ملی هوشمند با کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱ منقضی شد. برای دریافت کارت، "
            "دوباره در سامانه پیش‌ثبت‌نام کنید و نوبت بگیرید."
        ),
    ),
    "payment_succeeded": (
        "payment_succeeded",
        (
            "هویت: هزینه کارت ملی هوشمند به مبلغ ۳٬۵۰۰٬۰۰۰ ریال پرداخت شد. شماره "
            "پیگیری بانک: ۲۰۴۷۱۸۳۶۵۰۹۲. کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱."
        ),
    ),
    "payment_refund_due": (
        "payment_refund_due",
        (
            "هویت: مبلغ ۳٬۵۰۰٬۰۰۰ ریال با شماره پیگیری ۲۰۴۷۱۸۳۶۵۰۹۲ دریافت شد، اما "
            "هزینه درخواست ۷۳۹۱۰۴۸۲۶۵۵۱ پیش‌تر پرداخت شده بود. این مبلغ به حساب شما "
            "بازگردانده می‌شود."
        ),
    ),
    "enrolment_completed": (
        "enrolment_completed",
        (
            "هویت: ثبت‌نام حضوری کارت ملی هوشمند شما انجام شد. شماره رسید: "
            "۱۴۰۵۱۲۳۴۵۶۷۸، کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱. رسید تا ۲۰ اردیبهشت ۱۴۰۶ یا تحویل"
            " کارت به جای کارت ملی پذیرفته می‌شود."
        ),
    ),
    "receipt_reissued": (
        "receipt_reissued",
        (
            "هویت: رسید تازهٔ ثبت‌نام کارت ملی هوشمند شما صادر شد و رسید پیشین باطل "
            "است. شماره رسید: ۱۴۰۵۱۲۳۴۵۶۷۸، کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱. رسید تا ۲۰ "
            "اردیبهشت ۱۴۰۶ یا تحویل کارت به جای کارت ملی پذیرفته می‌شود."
        ),
    ),
    "replacement_queued": (
        "replacement_queued",
        (
            "هویت: هزینه دریافت شد و کارت شما بدون نیاز به مراجعه حضوری در صف تولید "
            "قرار گرفت. کد رهگیری: ۷۳۹۱۰۴۸۲۶۵۵۱."
        ),
    ),
    "card_ready": (
        "card_ready",
        (
            "هویت: کارت ملی هوشمند شما (سریال ...۱۲۳۴) در «اداره پست مرکزی بوشهر» به "
            "نشانی بوشهر، خیابان امام، پلاک 12 آماده تحویل است. تا ۲۹ آذر ۱۴۰۵ با کد "
            "رهگیری یا رسید و خود شخص مراجعه کنید؛ پس از این مهلت کارت باطل می‌شود."
        ),
    ),
    "card_ready_reminder": (
        "card_ready_reminder",
        (
            "هویت: یادآوری: کارت ملی هوشمند شما (سریال ...۱۲۳۴) در «اداره پست مرکزی "
            "بوشهر» به نشانی بوشهر، خیابان امام، پلاک 12 آماده تحویل است. تا ۲۹ آذر "
            "۱۴۰۵ با کد رهگیری یا رسید و خود شخص مراجعه کنید؛ پس از این مهلت کارت "
            "باطل می‌شود."
        ),
    ),
    "card_delivered": (
        "card_delivered",
        (
            "هویت: کارت ملی هوشمند شما (سریال ...۱۲۳۴) در «اداره پست مرکزی بوشهر» "
            "تحویل و فعال شد. کارت‌های پیشین شما باطل شد. اگر شما کارت را نگرفته‌اید،"
            " فوراً به نزدیک‌ترین دفتر ثبت احوال خبر دهید."
        ),
    ),
    "card_voided": (
        "card_voided",
        (
            "هویت: کارت ملی هوشمند شما (کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱) در مهلت ۹۰ روزه تحویل"
            " گرفته نشد و باطل شد. برای صدور دوباره به بخش «کارت‌های من» در سامانه "
            "مراجعه کنید."
        ),
    ),
    "card_reissue": (
        "card_reissue",
        (
            "هویت: درخواست صدور دوباره کارت با کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱ ثبت شد. هزینه: "
            "۳٬۵۰۰٬۰۰۰ ریال. پس از پرداخت، بدون مراجعه حضوری به صف تولید می‌رود."
        ),
    ),
    "card_lost": (
        "card_lost",
        "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 مفقود و معلق شد.",
    ),
    "card_lost_with_replacement": (
        "card_lost",
        (
            "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 مفقود و معلق شد. "
            "درخواست کارت جایگزین با کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱ و هزینه ۳٬۵۰۰٬۰۰۰ ریال "
            "ثبت شد؛ پس از پرداخت، برای ثبت‌نام حضوری نوبت بگیرید."
        ),
    ),
    "card_stolen": (
        "card_stolen",
        "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 سرقت‌شده و ابطال شد.",
    ),
    "card_stolen_with_replacement": (
        "card_stolen",
        (
            "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 سرقت‌شده و ابطال "
            "شد. درخواست کارت جایگزین با کد رهگیری ۷۳۹۱۰۴۸۲۶۵۵۱ و هزینه ۳٬۵۰۰٬۰۰۰ "
            "ریال ثبت شد؛ پس از پرداخت، بدون مراجعه حضوری به صف تولید می‌رود."
        ),
    ),
    "card_found": (
        "card_found",
        "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 پیدا شد و دوباره فعال است.",
    ),
    "grievance_answered": (
        "grievance_answered",
        "هویت: به شکایت شما به شمارهٔ ۳۵۹۰۴۴۰۱۲۶۰۶ پاسخ داده شد. پاسخ را در بخش «شکایت‌های "
        "من» در درگاه هویت ببینید.",
    ),
    "card_found_replacement_cancelled": (
        "card_found",
        (
            "هویت: کارت ملی هوشمند شما با شماره سریال IR0000001234 پیدا شد و دوباره "
            "فعال است. درخواست کارت جایگزین لغو شد."
        ),
    ),
    "card_promise_slipped": (
        "card_promise_slipped",
        (
            "هویت: آماده شدن کارت ملی هوشمند درخواست ۷۳۹۱۰۴۸۲۶۵۵۱ دیرتر از وعدهٔ پیشین است. "
            "تاریخ تازه: ۱۹ آذر ۱۴۰۵؛ با اطمینان ۹ از ۱۰ بین ۱۶ آذر ۱۴۰۵ و ۲۳ آذر ۱۴۰۵."
        ),
    ),
}

# The kinds stored on messages before the templates; reports and pages count by them.
KINDS_BEFORE = {
    "otp",
    "pre_registered",
    "tracking_code_resent",  # a lost tracking code sent again (applications.lost_code)
    "pre_registration_expired",
    "booking_confirmed",
    "booking_moved",
    "booking_reminder",
    "booking_unavailable",
    "booking_cancelled",
    "application_expired",
    "payment_succeeded",
    "payment_refund_due",
    "enrolment_completed",
    "receipt_reissued",
    "replacement_queued",
    "card_ready",
    "card_ready_reminder",
    "card_delivered",
    "card_voided",
    "card_reissue",
    "card_lost",
    "card_stolen",
    "card_found",
    # added with citizenship cases (issue 17)
    "citizenship_case_opened",
    "citizenship_decided",
    # added with self-service complaints (issue 19)
    "grievance_answered",
    # added with the card promise (issue 18)
    "card_promise_slipped",
    # added with the monthly summary of inquiries (issue 19)
    "inquiry_digest",
}
PERSIAN_LETTER = re.compile("[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
ASCII_DIGIT = re.compile("[0-9]")


def test_every_template_has_a_sample_and_the_text_it_must_render():
    assert set(SAMPLES) == set(TEMPLATES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_renders_the_text_and_kind_the_service_wrote_before(name):
    kind, body = EXPECTED[name]
    assert TEMPLATES[name].kind == kind
    assert sms_render(template=name, params=SAMPLES[name]) == body


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_rendered_text_is_persian_with_nothing_left_to_fill(name):
    rendered = sms_render(template=name, params=SAMPLES[name])
    assert "{" not in rendered and "}" not in rendered
    assert rendered.startswith("هویت: ")
    assert PERSIAN_LETTER.search(rendered)
    # Names, addresses and the serials of the loss messages are written as given; every
    # other number (codes, amounts, dates, times) is in Persian digits.
    as_given = [str(SAMPLES[name][p]) for p, how in TEMPLATES[name].params.items() if how is text]
    for value in as_given:
        rendered = rendered.replace(value, "")
    assert not ASCII_DIGIT.search(rendered)


def test_the_kinds_stored_are_the_ones_stored_before():
    assert {t.kind for t in TEMPLATES.values()} == KINDS_BEFORE


def test_a_missing_parameter_is_refused_naming_the_template_and_the_parameter():
    with pytest.raises(
        SmsTemplateError, match=r"'pre_registered' is missing parameter.*tracking_code"
    ):
        sms_render(template="pre_registered", params={})


def test_an_unknown_parameter_is_refused_naming_the_template_and_the_parameter():
    params = {**SAMPLES["card_found"], "replacement": True}
    with pytest.raises(SmsTemplateError, match=r"'card_found' has no parameter.*replacement"):
        sms_render(template="card_found", params=params)


def test_an_unknown_template_is_refused():
    with pytest.raises(SmsTemplateError, match="no SMS template named 'card_lose'"):
        sms_render(template="card_lose", params={})


def test_a_template_whose_placeholders_and_parameters_differ_is_refused_when_written():
    with pytest.raises(SmsTemplateError, match="'broken'"):
        SmsTemplate(
            name="broken", kind="otp", body="کد {code} تا {minutes}", params={"code": digits}
        )


def test_the_day_of_an_appointment_is_the_office_s_day_not_the_server_s():
    # 21:00 UTC on 10 November is half past midnight on 11 November (۲۰ آبان) in Tehran.
    late = dt.datetime(2026, 11, 10, 21, 0, tzinfo=dt.UTC)
    rendered = sms_render(
        template="application_expired", params={"appointment_day": late, "tracking_code": "1"}
    )
    assert "در نوبت ۲۰ آبان ۱۴۰۵ برای" in rendered


@pytest.mark.django_db
def test_a_queued_message_stores_the_template_s_kind_and_text():
    message = sms_queue(to="09171234567", template="card_lost", params={"csn": "IR0000001234"})
    assert message.kind == "card_lost"
    assert message.body == EXPECTED["card_lost"][1]


@pytest.mark.django_db
def test_messages_written_in_bulk_are_each_rendered_from_the_template():
    params = SAMPLES["card_ready"]
    ids = sms_queue_many(
        template="card_ready_reminder",
        messages=[SmsOut(to="09171234567", params=params), SmsOut(to="09121234567", params=params)],
    )
    filled = sms_outbox_fill(
        template="card_voided", messages=[SmsOut("09171234567", SAMPLES["card_voided"])]
    )

    assert filled == 1
    rows = SmsMessage.objects.order_by("pk")
    assert [(m.kind, m.body) for m in rows] == [
        EXPECTED["card_ready_reminder"],
        EXPECTED["card_ready_reminder"],
        EXPECTED["card_voided"],
    ]
    assert [m.pk for m in rows[:2]] == ids
