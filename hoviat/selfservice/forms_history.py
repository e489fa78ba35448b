"""Forms of "who asked about me" and "lock my card"."""

from __future__ import annotations

from django import forms

from hoviat.core.errors import DomainError
from hoviat.core.national_code import parse_national_code
from hoviat.core.text import normalize_code
from hoviat.inquiry.models import LOCK_KINDS
from hoviat.inquiry.services import LOCK_MAX_MINUTES
from hoviat.selfservice.history import LOCK_KIND_FA

_LTR = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}

DURATION = [("forever", "تا وقتی خودم باز کنم"), ("minutes", "برای چند دقیقه")]
UNLOCK_DURATION = [
    ("forever", "برای همیشه"),
    ("minutes", "فقط برای چند دقیقه (بعد خودش قفل می‌شود)"),
]


class WhoForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی",
        max_length=20,
        help_text=(
            "۱۰ رقم، مانند ۰۰۱۲۳۴۵۶۷۸؛ شمارهٔ همراهی که با آن وارد شده‌اید باید به نام "
            "همین کد ملی باشد."
        ),
        widget=forms.TextInput(attrs=_LTR),
        error_messages={"required": "کد ملی را وارد کنید."},
    )

    def clean_national_code(self):
        try:
            return parse_national_code(self.cleaned_data["national_code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None


class _Duration(forms.Form):
    # Text, not type=number: a Persian keyboard types Persian digits, which number inputs refuse.
    minutes = forms.CharField(
        label="مدت به دقیقه",
        required=False,
        max_length=12,
        help_text="از ۱ تا ۴۳٬۲۰۰ دقیقه (۳۰ روز)",
        widget=forms.TextInput(attrs=_LTR),
    )

    def clean_minutes(self):
        text = normalize_code(self.cleaned_data.get("minutes") or "")
        if not text:
            return None
        if not text.isdigit():
            raise forms.ValidationError("مدت را به عدد و به دقیقه بنویسید.", code="invalid")
        minutes = int(text)
        if minutes < 1:
            raise forms.ValidationError("مدت باید دست‌کم ۱ دقیقه باشد.", code="min_value")
        if minutes > LOCK_MAX_MINUTES:
            raise forms.ValidationError(
                "مدت نمی‌تواند بیش از ۴۳٬۲۰۰ دقیقه (۳۰ روز) باشد.", code="max_value"
            )
        return minutes

    def clean(self):
        data = super().clean()
        if (
            data.get("duration") == "minutes"
            and not data.get("minutes")
            and "minutes" not in self.errors
        ):
            self.add_error("minutes", "بنویسید برای چند دقیقه.")
        if data.get("duration") == "forever":
            data["minutes"] = None
        return data


class LockForm(_Duration):
    kinds = forms.MultipleChoiceField(
        label="چه چیزی قفل شود",
        choices=[("all", LOCK_KIND_FA["all"])] + [(k, LOCK_KIND_FA[k]) for k in LOCK_KINDS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "دست‌کم یک مورد را برای قفل انتخاب کنید.",
            "invalid_choice": "این مورد قابل قفل نیست.",
        },
    )
    duration = forms.ChoiceField(
        label="تا کی",
        choices=DURATION,
        initial="forever",
        widget=forms.RadioSelect,
        error_messages={"required": "بگویید قفل تا کی بماند."},
    )
    field_order = ["kinds", "duration", "minutes"]


class UnlockForm(_Duration):
    duration = forms.ChoiceField(
        label="بازکردن",
        choices=UNLOCK_DURATION,
        initial="forever",
        widget=forms.RadioSelect,
        error_messages={"required": "بگویید قفل برای همیشه باز شود یا چند دقیقه."},
    )
    field_order = ["duration", "minutes"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="کد پیامک‌شده",
        max_length=12,
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "one-time-code"}),
        error_messages={"required": "کدی را که پیامک شد وارد کنید."},
    )
