from django import forms

from hoviat.applications.models import ApplicationKind
from hoviat.registry.models import Gender

_LTR = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label="شماره تلفن همراه",
        max_length=20,
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "tel", "placeholder": "09xxxxxxxxx"}),
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
        label="کد ملی", max_length=20, widget=forms.TextInput(attrs=_LTR)
    )
    shenasnameh_serial = forms.CharField(
        label="سری و سریال شناسنامه",
        max_length=40,
        help_text="مانند ۲۰/الف ۱۲۳۴۵۶ (سری عددی، حرف سری و سریال ۶ رقمی)",
        widget=forms.TextInput(attrs={"class": "form-control"}),
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
                "placeholder": "1370/05/14",
            }
        ),
    )
    mother_name = forms.CharField(
        label="نام مادر", max_length=64, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    gender = forms.ChoiceField(
        label="جنسیت", choices=Gender.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label="نوع درخواست",
        choices=ApplicationKind.choices,
        initial=ApplicationKind.FIRST,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TrackForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی", max_length=20, widget=forms.TextInput(attrs=_LTR)
    )
    tracking_code = forms.CharField(
        label="کد رهگیری", max_length=30, widget=forms.TextInput(attrs=_LTR)
    )
