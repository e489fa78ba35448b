from django import forms

from hoviat.applications.models import ApplicationKind
from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date
from hoviat.core.national_code import parse_national_code
from hoviat.registry.models import Gender

_LTR = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label="شماره تلفن همراه",
        max_length=20,
        # The example is a hint, never a placeholder: grey text in the box reads as filled in.
        help_text="۱۱ رقم، مانند ۰۹۱۲۳۴۵۶۷۸۹",
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "tel"}),
    )
    # Filled by static/js/pow.js once the browser has solved the proof-of-work challenge.
    challenge_solution = forms.CharField(
        required=False, max_length=4000, widget=forms.HiddenInput()
    )


class OtpForm(forms.Form):
    code = forms.CharField(
        label="کد پیامک‌شده",
        max_length=12,
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "one-time-code"}),
    )


class PreRegistrationForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی",
        max_length=20,
        help_text="۱۰ رقم، مانند ۰۰۱۲۳۴۵۶۷۸",
        widget=forms.TextInput(attrs=_LTR),
        error_messages={"required": "کد ملی را وارد کنید."},
    )
    shenasnameh_serial = forms.CharField(
        label="سری و سریال شناسنامه",
        max_length=40,
        help_text="مانند ۲۰/الف ۱۲۳۴۵۶ (سری عددی، حرف سری و سریال ۶ رقمی)",
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "سری و سریال شناسنامه را وارد کنید."},
    )
    birth_date = forms.CharField(
        label="تاریخ تولد",
        max_length=20,
        help_text="به تقویم شمسی، مانند ۱۳۷۰/۰۵/۱۴",
        widget=forms.TextInput(
            attrs={
                "class": "form-control ltr",
                "data-jdp": "",
                "autocomplete": "off",
            }
        ),
        error_messages={"required": "تاریخ تولد را وارد کنید."},
    )
    mother_name = forms.CharField(
        label="نام کوچک مادر",
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "نام کوچک مادر را مانند شناسنامه وارد کنید."},
    )
    # Radios with nothing chosen: a pre-selected answer is an answer the person did not give.
    gender = forms.ChoiceField(
        label="جنسیت",
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "جنسیت را همان‌گونه که در شناسنامه آمده انتخاب کنید."},
    )
    kind = forms.ChoiceField(
        label="نوع درخواست",
        choices=ApplicationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "نوع درخواست را انتخاب کنید."},
    )

    # Format mistakes are said beside their field and cost no try of the hourly limit; the
    # registry comparison itself is the service's (application_pre_register).
    def clean_national_code(self):
        try:
            return parse_national_code(self.cleaned_data["national_code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None

    def clean_birth_date(self):
        text = self.cleaned_data["birth_date"]
        try:
            parse_date(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None
        return text


class LostCodeForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی",
        max_length=20,
        help_text="۱۰ رقم، مانند ۰۰۱۲۳۴۵۶۷۸",
        widget=forms.TextInput(attrs=_LTR),
        error_messages={"required": "کد ملی را وارد کنید."},
    )

    def clean_national_code(self):
        try:
            return parse_national_code(self.cleaned_data["national_code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None


class TrackForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی", max_length=20, widget=forms.TextInput(attrs=_LTR)
    )
    tracking_code = forms.CharField(
        label="کد رهگیری", max_length=30, widget=forms.TextInput(attrs=_LTR)
    )
