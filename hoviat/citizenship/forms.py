"""The staff pages' forms: format checks said beside their field; the rules themselves (who may
file, vote or answer, what a case needs) stay in the services."""

from __future__ import annotations

from django import forms

from hoviat.citizenship.models import (
    Agency,
    Basis,
    CaseStatus,
    DocumentKind,
    Relation,
    VoteOutcome,
)
from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date
from hoviat.core.national_code import parse_national_code
from hoviat.core.text import normalize_code
from hoviat.registry.models import Gender

_LTR = {"class": "form-control ltr", "dir": "ltr", "inputmode": "numeric"}
_DATE = {"class": "form-control ltr", "data-jdp": "", "autocomplete": "off", "dir": "ltr"}


def _required(text: str) -> dict[str, str]:
    return {"required": text}


def _jalali(value: str):
    try:
        return parse_date(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.detail, code=exc.code) from None


class CaseListFilter(forms.Form):
    status = forms.ChoiceField(
        label="مرحله", required=False, choices=[("", "همهٔ مرحله‌ها"), *CaseStatus.choices]
    )
    overdue = forms.ChoiceField(
        label="استعلام معوق",
        required=False,
        choices=[("", "همه"), ("yes", "دارای استعلام معوق"), ("no", "بدون استعلام معوق")],
    )
    county = forms.TypedChoiceField(label="شهرستان", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", "همهٔ شهرستان‌ها")] + [
            (c.pk, c.name_fa) for c in counties
        ]


class IntakeForm(forms.Form):
    first_name = forms.CharField(
        label="نام", max_length=64, error_messages=_required("نام متقاضی را وارد کنید.")
    )
    last_name = forms.CharField(
        label="نام خانوادگی",
        max_length=64,
        error_messages=_required("نام خانوادگی متقاضی را وارد کنید."),
    )
    father_name = forms.CharField(
        label="نام پدر", max_length=64, error_messages=_required("نام پدر را وارد کنید.")
    )
    mother_name = forms.CharField(
        label="نام مادر", max_length=64, error_messages=_required("نام مادر را وارد کنید.")
    )
    grandfather_name = forms.CharField(label="نام پدربزرگ پدری", max_length=64, required=False)
    gender = forms.ChoiceField(
        label="جنسیت",
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages=_required("جنسیت متقاضی را انتخاب کنید."),
    )
    birth_date = forms.CharField(
        label="تاریخ تولد (اگر معلوم است)",
        required=False,
        max_length=20,
        help_text=(
            "به تقویم شمسی، مانند ۱۳۶۹/۰۴/۲۰؛ اگر معلوم نیست خالی بگذارید و سال تولد را بنویسید."
        ),
        widget=forms.TextInput(attrs=_DATE),
    )
    birth_year = forms.IntegerField(
        label="سال تقریبی تولد (شمسی)",
        required=False,
        min_value=1279,
        max_value=1499,
        help_text="مانند ۱۳۶۹",
        widget=forms.TextInput(attrs=_LTR),
        error_messages={
            "invalid": "سال تولد را با چهار رقم شمسی بنویسید.",
            "min_value": "سال تولد را با چهار رقم شمسی بنویسید.",
            "max_value": "سال تولد را با چهار رقم شمسی بنویسید.",
        },
    )
    birth_place = forms.CharField(label="محل تولد (روستا یا شهر)", max_length=128, required=False)
    birth_county = forms.TypedChoiceField(
        label="شهرستان محل تولد",
        coerce=int,
        error_messages=_required("شهرستان محل تولد را انتخاب کنید."),
    )
    residence_county = forms.TypedChoiceField(
        label="شهرستان محل سکونت",
        coerce=int,
        error_messages=_required("شهرستان محل سکونت را انتخاب کنید."),
    )
    basis = forms.ChoiceField(
        label="مبنای ادعای تابعیت",
        choices=Basis.choices,
        widget=forms.RadioSelect,
        error_messages=_required("مبنای ادعای تابعیت را انتخاب کنید."),
    )
    father_national_code = forms.CharField(
        label="کد ملی پدر (اگر دارد)", required=False, max_length=20, widget=forms.TextInput(_LTR)
    )
    mother_national_code = forms.CharField(
        label="کد ملی مادر (اگر دارد)", required=False, max_length=20, widget=forms.TextInput(_LTR)
    )
    grandfather_national_code = forms.CharField(
        label="کد ملی پدربزرگ (اگر دارد)",
        required=False,
        max_length=20,
        widget=forms.TextInput(_LTR),
    )
    mobile = forms.CharField(
        label="شماره تلفن همراه متقاضی",
        max_length=20,
        help_text=(
            "کد پرونده و شناسهٔ موقت به این شماره پیامک می‌شود؛ پس از تأیید، متقاضی با همین "
            "شماره وارد می‌شود. نمونه: ۰۹۱۵۱۲۳۴۵۶۷"
        ),
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "off"}),
        error_messages=_required("شماره همراه متقاضی را وارد کنید."),
    )

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— شهرستان را انتخاب کنید —")] + [(c.pk, c.name_fa) for c in counties]
        self.fields["birth_county"].choices = choices
        self.fields["residence_county"].choices = choices

    def _code(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if not value.strip():
            return ""
        try:
            return parse_national_code(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None

    def clean_father_national_code(self):
        return self._code("father_national_code")

    def clean_mother_national_code(self):
        return self._code("mother_national_code")

    def clean_grandfather_national_code(self):
        return self._code("grandfather_national_code")

    def clean_birth_date(self):
        text = self.cleaned_data.get("birth_date", "")
        return _jalali(text) if text.strip() else None

    def clean_mobile(self):
        digits = normalize_code(self.cleaned_data["mobile"])
        if digits.startswith("+98"):
            digits = "0" + digits[3:]
        if len(digits) != 11 or not digits.startswith("09") or not digits.isdigit():
            raise forms.ValidationError("شماره همراه باید ۱۱ رقم باشد و با ۰۹ آغاز شود.")
        return digits

    def clean(self):
        data = super().clean()
        if (
            not data.get("birth_date")
            and not data.get("birth_year")
            and "birth_year" not in self.errors
        ):
            self.add_error("birth_year", "تاریخ تولد یا دست‌کم سال تقریبی تولد را وارد کنید.")
        return data


class FamilyMemberForm(forms.Form):
    """One spouse or child; a row left wholly empty is no one."""

    relation = forms.ChoiceField(
        label="نسبت",
        choices=[("", "— نسبت —"), *Relation.choices],
        error_messages=_required("نسبت این عضو خانواده را انتخاب کنید."),
    )
    first_name = forms.CharField(
        label="نام", max_length=64, error_messages=_required("نام عضو خانواده را وارد کنید.")
    )
    last_name = forms.CharField(
        label="نام خانوادگی",
        max_length=64,
        error_messages=_required("نام خانوادگی عضو خانواده را وارد کنید."),
    )
    father_name = forms.CharField(
        label="نام پدر", max_length=64, error_messages=_required("نام پدر را وارد کنید.")
    )
    mother_name = forms.CharField(
        label="نام مادر", max_length=64, error_messages=_required("نام مادر را وارد کنید.")
    )
    gender = forms.ChoiceField(
        label="جنسیت",
        choices=[("", "— جنسیت —"), *Gender.choices],
        error_messages=_required("جنسیت را انتخاب کنید."),
    )
    birth_date = forms.CharField(
        label="تاریخ تولد",
        max_length=20,
        help_text="شمسی، مانند ۱۳۹۴/۰۳/۲۰",
        widget=forms.TextInput(attrs=_DATE),
        error_messages=_required("تاریخ تولد عضو خانواده را وارد کنید."),
    )

    def clean_birth_date(self):
        return _jalali(self.cleaned_data["birth_date"])


FamilyFormSet = forms.formset_factory(FamilyMemberForm, extra=3, max_num=12)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label="نوع مدرک",
        choices=[("", "— نوع مدرک —"), *DocumentKind.choices],
        error_messages=_required("نوع مدرک را انتخاب کنید."),
    )
    file = forms.FileField(
        label="فایل اسکن (JPEG یا PNG)",
        error_messages={
            "required": "فایل مدرک را انتخاب کنید.",
            "empty": "فایل انتخاب‌شده خالی است.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    witnesses = forms.CharField(
        label="نام شاهدان (برای استشهادیهٔ محلی، هر نام در یک سطر)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InquiryOrderForm(forms.Form):
    agency = forms.ChoiceField(
        label="مرجع استعلام",
        choices=[("", "— مرجع —"), *Agency.choices],
        error_messages=_required("مرجع استعلام را انتخاب کنید."),
    )


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label="نتیجه",
        widget=forms.RadioSelect,
        error_messages=_required("نتیجهٔ استعلام را انتخاب کنید."),
    )
    note = forms.CharField(
        label="توضیح",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = list(outcomes)


class VoteForm(forms.Form):
    outcome = forms.ChoiceField(
        label="رأی شما",
        choices=VoteOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=_required("رأی خود را انتخاب کنید."),
    )
    reasons = forms.CharField(
        label="دلایل مکتوب",
        max_length=4000,
        help_text="رأی بدون دلایل مکتوب پذیرفته نمی‌شود؛ دلایل در نامهٔ تصمیم به متقاضی می‌آید.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("دلایل رأی خود را بنویسید."),
    )


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label="دلایل اعتراض",
        max_length=8000,
        help_text="اعتراض به دادگاه فرستاده می‌شود؛ دلایل متقاضی را کامل بنویسید.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("دلایل اعتراض را بنویسید."),
    )


class CourtRulingForm(forms.Form):
    outcome = forms.ChoiceField(
        label="حکم دادگاه",
        choices=[("overturned", "رد تصمیم شورا و تأیید تابعیت"), ("upheld", "تأیید تصمیم شورا")],
        widget=forms.RadioSelect,
        error_messages=_required("حکم دادگاه را انتخاب کنید."),
    )
    ruling_number = forms.CharField(
        label="شمارهٔ دادنامه",
        max_length=32,
        widget=forms.TextInput(attrs=_LTR),
        error_messages=_required("شمارهٔ دادنامه را وارد کنید."),
    )
    date = forms.CharField(
        label="تاریخ دادنامه",
        max_length=20,
        help_text="شمسی، مانند ۱۴۰۵/۰۹/۱۴",
        widget=forms.TextInput(attrs=_DATE),
        error_messages=_required("تاریخ دادنامه را وارد کنید."),
    )

    def clean_date(self):
        return _jalali(self.cleaned_data["date"])


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label="نتیجهٔ بررسی",
        choices=[("link", "همان شخص است (پیوند)"), ("clear", "شخص دیگری است (رفع احتمال)")],
        widget=forms.RadioSelect,
        error_messages=_required("نتیجهٔ بررسی را انتخاب کنید."),
    )
    reason = forms.CharField(
        label="دلیل مکتوب",
        max_length=4000,
        help_text="دست‌کم ده نویسه؛ دلیل در پرونده و سابقهٔ ممیزی می‌ماند.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_required("دلیل پیوند یا رفع احتمال تکرار را بنویسید."),
    )
