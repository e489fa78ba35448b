"""The production pages' forms: daily capacity, a card-body delivery or order, a run's date.

Each says in Persian what is wrong beside its field (and in the page's error summary); the
services check the same bounds again for the API.
"""

from __future__ import annotations

import re

from django import forms

from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date, parse_jalali
from hoviat.core.text import fold_digits, persian_number
from hoviat.production.services import MAX_CAPACITY, MAX_DELIVERY

_NUMBER = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}
# Thousands separators a person may type: Persian ٬, Arabic ، , Latin comma, spaces.
_SEPARATORS = re.compile(r"[\s,٬،]")


def _count(value: str, *, maximum: int, what: str) -> int:
    text = _SEPARATORS.sub("", fold_digits(value or ""))
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= maximum:
        raise forms.ValidationError(
            f"{what} را به عدد صحیح، از ۱ تا {persian_number(maximum)} وارد کنید."
        )
    return int(text)


class CapacityForm(forms.Form):
    daily_capacity = forms.CharField(
        label="ظرفیت روزانه",
        max_length=20,
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={"required": "ظرفیت روزانه را وارد کنید."},
    )

    def clean_daily_capacity(self) -> int:
        return _count(
            self.cleaned_data["daily_capacity"], maximum=MAX_CAPACITY, what="ظرفیت روزانه"
        )


class StockDeliveryForm(forms.Form):
    lot = forms.CharField(
        label="شماره محموله",
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "64"}),
        error_messages={
            "required": "شماره محمولهٔ تأمین‌کننده را وارد کنید.",
            "max_length": "شماره محموله حداکثر ۶۴ نویسه دارد.",
        },
    )
    quantity = forms.CharField(
        label="تعداد",
        max_length=20,
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={"required": "تعداد بدنه‌های کارت تحویل‌شده را وارد کنید."},
    )

    def clean_quantity(self) -> int:
        return _count(self.cleaned_data["quantity"], maximum=MAX_DELIVERY, what="تعداد")


class CardBodyOrderForm(forms.Form):
    """Card bodies ordered and expected on a Jalali day (the stock page, prefix "order")."""

    # Labelled apart from the delivery form's «تعداد» beside it (one name, one field).
    quantity = forms.CharField(
        label="شمار بدنه‌های سفارش‌داده",
        max_length=20,
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={"required": "شمار بدنه‌های سفارش‌داده را وارد کنید."},
    )
    expected_on = forms.CharField(
        label="تاریخ تحویل پیش‌بینی‌شده",
        max_length=20,
        help_text="به شکل ۱۴۰۵/۰۹/۲۰",
        widget=forms.TextInput(attrs={"class": "form-control ltr", "dir": "ltr"}),
        error_messages={"required": "تاریخ تحویل پیش‌بینی‌شده را وارد کنید."},
    )
    supplier_ref = forms.CharField(
        label="شمارهٔ سفارش تأمین‌کننده",
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": "64"}),
        error_messages={
            "required": "شمارهٔ سفارش تأمین‌کننده را وارد کنید.",
            "max_length": "شمارهٔ سفارش حداکثر ۶۴ نویسه دارد.",
        },
    )

    def clean_quantity(self) -> int:
        return _count(
            self.cleaned_data["quantity"], maximum=MAX_DELIVERY, what="شمار بدنه‌های سفارش‌داده"
        )

    def clean_expected_on(self):
        try:
            return parse_jalali(self.cleaned_data["expected_on"])
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None


class RunStartForm(forms.Form):
    date = forms.CharField(
        label="تاریخ تولید",
        max_length=20,
        required=False,
        help_text="خالی بگذارید تا اجرا برای امروز باشد.",
        widget=forms.TextInput(attrs={"class": "form-control ltr", "dir": "ltr"}),
    )

    def clean_date(self):
        text = (self.cleaned_data["date"] or "").strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None


def add_service_error(form: forms.Form, exc: DomainError) -> None:
    """A service's refusal on the form: beside its field when it names one of the form's."""
    field = (exc.extra or {}).get("field")
    form.add_error(field if field in form.fields else None, exc.detail)
