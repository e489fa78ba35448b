from __future__ import annotations

import re

from django import forms

from hoviat.core.text import fold_digits
from hoviat.payments.sandbox_bank import DYNAMIC_PASSWORD, CardInput

_SEPARATORS = re.compile(r"[\s\-‐–]")
_NUMERIC = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", fold_digits(value or ""))


class SandboxCardForm(forms.Form):
    """The sandbox bank's card form, as strict as a real one about what it accepts."""

    pan = forms.CharField(
        label="شماره کارت",
        max_length=24,
        error_messages={"required": "شماره ۱۶ رقمی کارت را وارد کنید."},
        widget=forms.TextInput(
            attrs={
                **_NUMERIC,
                "autocomplete": "cc-number",
                "placeholder": "۶۰۳۷-۹۹۰۰-۰۰۰۰-۰۰۰۰",
                "maxlength": "24",
            }
        ),
    )
    cvv2 = forms.CharField(
        label="CVV2",
        max_length=4,
        error_messages={"required": "CVV2 پشت کارت را وارد کنید."},
        widget=forms.TextInput(attrs={**_NUMERIC, "autocomplete": "cc-csc", "maxlength": "4"}),
    )
    expiry_month = forms.CharField(
        label="ماه انقضا",
        max_length=2,
        error_messages={"required": "ماه انقضای کارت را وارد کنید."},
        widget=forms.TextInput(attrs={**_NUMERIC, "placeholder": "۱۲", "maxlength": "2"}),
    )
    expiry_year = forms.CharField(
        label="سال انقضا",
        max_length=2,
        error_messages={"required": "سال انقضای کارت را وارد کنید."},
        widget=forms.TextInput(attrs={**_NUMERIC, "placeholder": "۰۸", "maxlength": "2"}),
    )
    password = forms.CharField(
        label="رمز دوم پویا",
        max_length=12,
        error_messages={"required": "رمز دوم پویا را وارد کنید."},
        widget=forms.PasswordInput(
            render_value=False,
            attrs={**_NUMERIC, "autocomplete": "one-time-code", "maxlength": "12"},
        ),
    )

    def clean_pan(self) -> str:
        pan = _digits(self.cleaned_data["pan"])
        if not (len(pan) == 16 and pan.isascii() and pan.isdigit()):
            raise forms.ValidationError("شماره کارت باید ۱۶ رقم باشد.")
        return pan

    def clean_cvv2(self) -> str:
        cvv2 = _digits(self.cleaned_data["cvv2"])
        if not (3 <= len(cvv2) <= 4 and cvv2.isascii() and cvv2.isdigit()):
            raise forms.ValidationError("CVV2 باید ۳ یا ۴ رقم باشد.")
        return cvv2

    def clean_expiry_month(self) -> int:
        month = _digits(self.cleaned_data["expiry_month"])
        if not (month.isascii() and month.isdigit() and 1 <= int(month) <= 12):
            raise forms.ValidationError("ماه انقضا باید عددی از ۱ تا ۱۲ باشد.")
        return int(month)

    def clean_expiry_year(self) -> int:
        year = _digits(self.cleaned_data["expiry_year"])
        if not (year.isascii() and year.isdigit() and len(year) == 2):
            raise forms.ValidationError("سال انقضا را دو رقمی وارد کنید؛ مانند ۰۸.")
        return int(year)

    def clean_password(self) -> str:
        password = _digits(self.cleaned_data["password"])
        if password != DYNAMIC_PASSWORD:
            raise forms.ValidationError("رمز دوم پویا نادرست است.")
        return password

    def card(self) -> CardInput:
        data = self.cleaned_data
        return CardInput(
            pan=data["pan"],
            cvv2=data["cvv2"],
            expiry_month=data["expiry_month"],
            expiry_year=data["expiry_year"],
            password=data["password"],
        )
