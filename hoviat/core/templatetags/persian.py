"""Template filters for Persian pages: Jalali dates and Persian digits."""

import datetime as dt

from django import template
from django.utils import timezone

from hoviat.core.jalali import WEEKDAYS, format_jalali
from hoviat.core.text import persian_digits, persian_number

register = template.Library()


@register.filter
def jdate(value, style="short"):
    """{{ when|jdate }} → ۱۴۰۳/۰۵/۱۴; {{ when|jdate:"long" }} → ۱۴ مرداد ۱۴۰۳."""
    if not isinstance(value, dt.date):
        return ""
    return format_jalali(value, long=(style == "long"))


@register.filter
def jweekday(value):
    """{{ day|jweekday }} → «سه‌شنبه» (the Persian week starts on Saturday)."""
    if not isinstance(value, dt.date):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return WEEKDAYS[(value.weekday() + 2) % 7]


@register.filter
def jdatetime(value):
    if not isinstance(value, dt.date):
        return ""
    return format_jalali(value, with_time=True)


@register.filter
def fa_digits(value):
    return persian_digits(value)


@register.filter
def fa_number(value):
    """A number with Persian digits and the Persian thousands separator: ۱٬۲۳۴٬۵۶۷."""
    if value is None or value == "":
        return ""
    try:
        return persian_number(value)
    except (TypeError, ValueError):
        return persian_digits(value)


@register.filter
def fa_decimal(value, places=1):
    """{{ 30.04|fa_decimal }} → ۳۰٫۰; {{ x|fa_decimal:2 }} → ۱٬۲۳۴٫۵۰ (Persian separators)."""
    if value is None or value == "":
        return ""
    try:
        return persian_number(float(value), int(places))
    except (TypeError, ValueError):
        return persian_digits(value)


@register.filter
def fa_label(code, labels):
    """A stored code as people read it: {{ row.purpose|fa_label:purposes }} → «افتتاح حساب
    بانکی». `labels` maps code → Persian text, a (Persian, English) pair, or an object with
    `.fa` (the owning app's dict); an unknown code is shown as it is, never hidden."""
    if code is None or code == "":
        return ""
    try:
        label = labels.get(code) if hasattr(labels, "get") else dict(labels).get(code)
    except (TypeError, ValueError):
        label = None
    if label is None:
        return code
    if isinstance(label, tuple | list):
        return label[0]
    return getattr(label, "fa", label)
