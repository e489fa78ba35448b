"""Every SMS the project sends, in one place: a named template holds the kind stored on the
message, the Persian text with named placeholders, and how each parameter is written into it.

Services name a template and hand over raw values (a tracking code, an amount, a date); the
template decides how they read (Persian digits, ٬ between thousands, Jalali dates in the
office's calendar), so the same value reads the same in every message.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from hoviat.core.jalali import WEEKDAYS, format_jalali
from hoviat.core.text import persian_digits, persian_number
from hoviat.offices.selectors import OFFICE_TZ

__all__ = ["TEMPLATES", "SmsTemplate", "SmsTemplateError", "sms_render", "sms_template"]

Render = Callable[[Any], str]


# --- How a parameter is written ----------------------------------------------------------------


def text(value: Any) -> str:
    """As given: names, addresses, and the card serials the loss messages quote whole."""
    return str(value)


def digits(value: Any) -> str:
    """Codes and counts, in Persian digits: ۱۲۳۴."""
    return persian_digits(value)


def rials(value: int) -> str:
    """An amount, Persian digits with the Persian thousands separator: ۱۵۰٬۰۰۰."""
    return persian_number(value)


def day(value: dt.date | dt.datetime) -> str:
    """«۱۴ مرداد ۱۴۰۳»; a moment is read on the office's calendar, not the server's."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, OFFICE_TZ).date()
    return format_jalali(value, long=True)


def appointment(value: dt.datetime) -> str:
    """«سه‌شنبه ۲۰ آبان ۱۴۰۵ ساعت ۰۹:۱۵», in the office's time."""
    local = timezone.localtime(value, OFFICE_TZ)
    weekday = WEEKDAYS[(local.weekday() + 2) % 7]  # Python counts from Monday, Iran from شنبه
    time = persian_digits(f"{local:%H:%M}")
    return f"{weekday} {format_jalali(local.date(), long=True)} ساعت {time}"


def serial_tail(value: str) -> str:
    """The last four characters of a card serial, enough for the holder to recognise it."""
    return persian_digits(value[-4:])


def next_step(biometrics_current: bool) -> str:
    """What a new application needs after payment: kept biometrics spare a visit."""
    if biometrics_current:
        return "پس از پرداخت، بدون مراجعه حضوری به صف تولید می‌رود."
    return "پس از پرداخت، برای ثبت‌نام حضوری نوبت بگیرید."


# --- The templates ----------------------------------------------------------------------------


class SmsTemplateError(ValueError):
    """A template asked for by a name it does not have, or given the wrong parameters."""


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    kind: str
    body: str
    params: Mapping[str, Render]

    def __post_init__(self) -> None:
        # A placeholder without a declared parameter (or the reverse) is a typo in this file:
        # it fails at import, not when the first citizen should get the message.
        used = {field for _, field, _, _ in string.Formatter().parse(self.body) if field}
        if used != set(self.params):
            raise SmsTemplateError(
                f"SMS template {self.name!r}: placeholders {sorted(used)} "
                f"but parameters {sorted(self.params)}"
            )

    def render(self, params: Mapping[str, Any]) -> str:
        missing = set(self.params) - set(params)
        if missing:
            raise SmsTemplateError(
                f"SMS template {self.name!r} is missing parameter(s) {', '.join(sorted(missing))}"
            )
        unknown = set(params) - set(self.params)
        if unknown:
            raise SmsTemplateError(
                f"SMS template {self.name!r} has no parameter(s) {', '.join(sorted(unknown))}"
            )
        return self.body.format_map({name: how(params[name]) for name, how in self.params.items()})


_APPOINTMENT = {
    "appointment": appointment,
    "office_name": text,
    "office_address": text,
    "tracking_code": digits,
}
_RECEIPT = {"receipt_number": digits, "tracking_code": digits, "valid_until": day}
_READY = {"csn": serial_tail, "office_name": text, "office_address": text, "hold_until": day}
_REPLACEMENT = {"csn": text, "tracking_code": digits, "fee_rials": rials, "next_step": next_step}

_ALL = (
    # citizenship
    SmsTemplate(
        name="citizenship_case_opened",
        kind="citizenship_case_opened",
        body="هویت: پروندهٔ تابعیت شما به شمارهٔ {case_number} تشکیل شد. شناسهٔ موقت شما "
        "{temporary_id} است؛ تا پایان رسیدگی آن را نگه دارید.",
        params={"case_number": text, "temporary_id": digits},
    ),
    SmsTemplate(
        name="citizenship_decided",
        kind="citizenship_decided",
        body="هویت: دربارهٔ پروندهٔ تابعیت {case_number} تصمیم گرفته شد: {outcome}. "
        "نامهٔ تصمیم به شمارهٔ {letter_number} با دلایل و راه اعتراض آماده است؛ آن را در "
        "سامانه دریافت کنید.",
        params={"case_number": text, "outcome": text, "letter_number": digits},
    ),
    # applications
    SmsTemplate(
        name="otp",
        kind="otp",
        body="هویت: کد ورود شما {code} است. این کد تا {minutes} دقیقه معتبر است. "
        "آن را به هیچ‌کس ندهید.",
        params={"code": digits, "minutes": digits},
    ),
    SmsTemplate(
        name="pre_registered",
        kind="pre_registered",
        body="هویت: پیش‌ثبت‌نام کارت ملی هوشمند انجام شد. کد رهگیری: {tracking_code}. "
        "برای پرداخت هزینه و گرفتن نوبت به سامانه مراجعه کنید.",
        params={"tracking_code": digits},
    ),
    SmsTemplate(
        name="tracking_code_resent",
        kind="tracking_code_resent",
        body="هویت: کد رهگیری درخواست کارت ملی هوشمند شما {tracking_code} است. "
        "اگر شما آن را نخواسته‌اید، این پیامک را نادیده بگیرید.",
        params={"tracking_code": digits},
    ),
    SmsTemplate(
        name="pre_registration_expired",
        kind="pre_registration_expired",
        body="هویت: پیش‌ثبت‌نام شما با کد رهگیری {tracking_code} چون هزینه در مهلت {days} روزه "
        "پرداخت نشد منقضی شد. هر زمان خواستید دوباره پیش‌ثبت‌نام کنید.",
        params={"tracking_code": digits, "days": digits},
    ),
    # selfservice: the monthly summary of inquiries about a holder who asked for it
    SmsTemplate(
        name="inquiry_digest",
        kind="inquiry_digest",
        body="هویت: در {month} {count} بار دربارهٔ کارت و هویت شما استعلام شد ({partners})؛ "
        "{locked} بار قفل شما پاسخ را بست. فهرست کامل در سامانه هویت، بخش «من».",
        params={"month": text, "count": digits, "partners": text, "locked": digits},
    ),
    SmsTemplate(
        name="inquiry_digest_none",
        kind="inquiry_digest",
        body="هویت: در {month} هیچ بانک یا سازمانی دربارهٔ کارت و هویت شما استعلام نکرد.",
        params={"month": text},
    ),
    # booking
    SmsTemplate(
        name="booking_confirmed",
        kind="booking_confirmed",
        body="هویت: نوبت ثبت‌نام حضوری کارت ملی هوشمند شما: {appointment} در «{office_name}» "
        "به نشانی {office_address}. کد رهگیری: {tracking_code}. "
        "اصل شناسنامه عکس‌دار را همراه داشته باشید.",
        params=_APPOINTMENT,
    ),
    SmsTemplate(
        name="booking_moved",
        kind="booking_moved",
        body="هویت: نوبت شما تغییر کرد. نوبت تازه: {appointment} در «{office_name}» "
        "به نشانی {office_address}. کد رهگیری: {tracking_code}. "
        "اصل شناسنامه عکس‌دار را همراه داشته باشید.",
        params=_APPOINTMENT,
    ),
    SmsTemplate(
        name="booking_reminder",
        kind="booking_reminder",
        body="هویت: یادآوری نوبت فردا، {appointment}، در «{office_name}» "
        "به نشانی {office_address}. کد رهگیری: {tracking_code}. "
        "اصل شناسنامه عکس‌دار را همراه داشته باشید.",
        params=_APPOINTMENT,
    ),
    SmsTemplate(
        name="booking_unavailable",
        kind="booking_unavailable",
        body="هویت: پرداخت شما انجام شد، ولی نوبتی که انتخاب کرده بودید دیگر در دسترس نیست. "
        "لطفاً در سامانه نوبت دیگری بگیرید. کد رهگیری: {tracking_code}.",
        params={"tracking_code": digits},
    ),
    SmsTemplate(
        name="booking_cancelled",
        kind="booking_cancelled",
        body="هویت: نوبت ثبت‌نام حضوری شما لغو شد. هزینه پرداخت‌شده محفوظ است و "
        "می‌توانید در سامانه نوبت تازه بگیرید. کد رهگیری: {tracking_code}.",
        params={"tracking_code": digits},
    ),
    SmsTemplate(
        name="application_expired",
        kind="application_expired",
        body="هویت: چون در نوبت {appointment_day} برای ثبت‌نام حضوری مراجعه نکردید، "
        "درخواست کارت ملی هوشمند با کد رهگیری {tracking_code} منقضی شد. "
        "برای دریافت کارت، دوباره در سامانه پیش‌ثبت‌نام کنید و نوبت بگیرید.",
        params={"appointment_day": day, "tracking_code": digits},
    ),
    # payments
    SmsTemplate(
        name="payment_succeeded",
        kind="payment_succeeded",
        body="هویت: هزینه کارت ملی هوشمند به مبلغ {amount_rials} ریال پرداخت شد. "
        "شماره پیگیری بانک: {ref_id}. کد رهگیری: {tracking_code}.",
        params={"amount_rials": rials, "ref_id": digits, "tracking_code": digits},
    ),
    SmsTemplate(
        name="payment_refund_due",
        kind="payment_refund_due",
        body="هویت: مبلغ {amount_rials} ریال با شماره پیگیری {ref_id} دریافت شد، "
        "اما هزینه درخواست {tracking_code} پیش‌تر پرداخت شده بود. "
        "این مبلغ به حساب شما بازگردانده می‌شود.",
        params={"amount_rials": rials, "ref_id": digits, "tracking_code": digits},
    ),
    # enrolment
    SmsTemplate(
        name="enrolment_completed",
        kind="enrolment_completed",
        body="هویت: ثبت‌نام حضوری کارت ملی هوشمند شما انجام شد. "
        "شماره رسید: {receipt_number}، کد رهگیری: {tracking_code}. "
        "رسید تا {valid_until} یا تحویل کارت به جای کارت ملی پذیرفته می‌شود.",
        params=_RECEIPT,
    ),
    SmsTemplate(
        name="receipt_reissued",
        kind="receipt_reissued",
        body="هویت: رسید تازهٔ ثبت‌نام کارت ملی هوشمند شما صادر شد و رسید پیشین باطل است. "
        "شماره رسید: {receipt_number}، کد رهگیری: {tracking_code}. "
        "رسید تا {valid_until} یا تحویل کارت به جای کارت ملی پذیرفته می‌شود.",
        params=_RECEIPT,
    ),
    # delivery
    SmsTemplate(
        name="replacement_queued",
        kind="replacement_queued",
        body="هویت: هزینه دریافت شد و کارت شما بدون نیاز به مراجعه حضوری در صف تولید "
        "قرار گرفت. کد رهگیری: {tracking_code}.",
        params={"tracking_code": digits},
    ),
    SmsTemplate(
        name="card_ready",
        kind="card_ready",
        body="هویت: کارت ملی هوشمند شما (سریال ...{csn}) در «{office_name}» "
        "به نشانی {office_address} آماده تحویل است. "
        "تا {hold_until} با کد رهگیری یا رسید و خود شخص مراجعه کنید؛ "
        "پس از این مهلت کارت باطل می‌شود.",
        params=_READY,
    ),
    SmsTemplate(
        name="card_ready_reminder",
        kind="card_ready_reminder",
        body="هویت: یادآوری: کارت ملی هوشمند شما (سریال ...{csn}) در «{office_name}» "
        "به نشانی {office_address} آماده تحویل است. "
        "تا {hold_until} با کد رهگیری یا رسید و خود شخص مراجعه کنید؛ "
        "پس از این مهلت کارت باطل می‌شود.",
        params=_READY,
    ),
    SmsTemplate(
        name="card_delivered",
        kind="card_delivered",
        body="هویت: کارت ملی هوشمند شما (سریال ...{csn}) در «{office_name}» تحویل و فعال شد. "
        "کارت‌های پیشین شما باطل شد. اگر شما کارت را نگرفته‌اید، "
        "فوراً به نزدیک‌ترین دفتر ثبت احوال خبر دهید.",
        params={"csn": serial_tail, "office_name": text},
    ),
    SmsTemplate(
        name="card_voided",
        kind="card_voided",
        body="هویت: کارت ملی هوشمند شما (کد رهگیری {tracking_code}) در مهلت {hold_days} روزه "
        "تحویل گرفته نشد و باطل شد. "
        "برای صدور دوباره به بخش «کارت‌های من» در سامانه مراجعه کنید.",
        params={"tracking_code": digits, "hold_days": digits},
    ),
    SmsTemplate(
        name="card_reissue",
        kind="card_reissue",
        body="هویت: درخواست صدور دوباره کارت با کد رهگیری {tracking_code} ثبت شد. "
        "هزینه: {fee_rials} ریال. {next_step}",
        params={"tracking_code": digits, "fee_rials": rials, "next_step": next_step},
    ),
    SmsTemplate(
        name="card_lost",
        kind="card_lost",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} مفقود و معلق شد.",
        params={"csn": text},
    ),
    SmsTemplate(
        name="card_lost_with_replacement",
        kind="card_lost",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} مفقود و معلق شد. "
        "درخواست کارت جایگزین با کد رهگیری {tracking_code} "
        "و هزینه {fee_rials} ریال ثبت شد؛ {next_step}",
        params=_REPLACEMENT,
    ),
    SmsTemplate(
        name="card_stolen",
        kind="card_stolen",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} سرقت‌شده و ابطال شد.",
        params={"csn": text},
    ),
    SmsTemplate(
        name="card_stolen_with_replacement",
        kind="card_stolen",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} سرقت‌شده و ابطال شد. "
        "درخواست کارت جایگزین با کد رهگیری {tracking_code} "
        "و هزینه {fee_rials} ریال ثبت شد؛ {next_step}",
        params=_REPLACEMENT,
    ),
    # selfservice
    SmsTemplate(
        name="grievance_answered",
        kind="grievance_answered",
        body="هویت: به شکایت شما به شمارهٔ {number} پاسخ داده شد. پاسخ را در بخش «شکایت‌های "
        "من» در درگاه هویت ببینید.",
        params={"number": digits},
    ),
    SmsTemplate(
        name="card_found",
        kind="card_found",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} پیدا شد و دوباره فعال است.",
        params={"csn": text},
    ),
    SmsTemplate(
        name="card_found_replacement_cancelled",
        kind="card_found",
        body="هویت: کارت ملی هوشمند شما با شماره سریال {csn} پیدا شد و دوباره فعال است. "
        "درخواست کارت جایگزین لغو شد.",
        params={"csn": text},
    ),
    # planning
    SmsTemplate(
        name="card_promise_slipped",
        kind="card_promise_slipped",
        body="هویت: آماده شدن کارت ملی هوشمند درخواست {tracking_code} دیرتر از وعدهٔ پیشین "
        "است. تاریخ تازه: {date}؛ با اطمینان ۹ از ۱۰ بین {earliest} و {latest}.",
        params={"tracking_code": digits, "date": day, "earliest": day, "latest": day},
    ),
)

TEMPLATES: Mapping[str, SmsTemplate] = {t.name: t for t in _ALL}
if len(TEMPLATES) != len(_ALL):
    raise SmsTemplateError("two SMS templates share a name")


def sms_template(name: str) -> SmsTemplate:
    """The template of that name; a clear error for a name that is not one."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise SmsTemplateError(f"no SMS template named {name!r}") from None


def sms_render(*, template: str, params: Mapping[str, Any]) -> str:
    """The text of one message: the named template with its parameters written in."""
    return sms_template(template).render(params)
