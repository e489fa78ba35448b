from django import forms

from hoviat.core.text import persian_digits
from hoviat.selfservice.models import ANSWER_MAX_CHARS, TEXT_MAX_CHARS

NO_EVENT = ("", "هیچ‌کدام: شکایت کلی")


class GrievanceForm(forms.Form):
    about_event = forms.ChoiceField(
        label="دربارهٔ کدام رویداد؟",
        required=False,
        help_text="استعلامی که انتظارش را نداشتید، پیامکی که نرسید یا کارتی که دیر شد.",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    text = forms.CharField(
        label="متن شکایت",
        # Checked by the service, which gives the Persian message; the browser does not cut.
        required=False,
        help_text=f"چه شد و چه انتظاری دارید؟ حداکثر {persian_digits(TEXT_MAX_CHARS)} نویسه.",
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
    )

    def __init__(self, *args, events: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about_event"].choices = [NO_EVENT, *events]
        self.fields["about_event"].error_messages["invalid_choice"] = (
            "این رویداد در سوابق شما نیست؛ یکی از فهرست برگزینید."
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="پاسخ به شهروند",
        required=False,
        help_text=f"پاسخ برای شهروند پیامک نمی‌شود؛ پیامک فقط خبر می‌دهد که پاسخ آماده است. "
        f"حداکثر {persian_digits(ANSWER_MAX_CHARS)} نویسه.",
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
    )


_LTR = {"dir": "ltr", "class": "form-control", "inputmode": "numeric", "autocomplete": "off"}


class MobileStartForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="mobile_start")
    mobile = forms.CharField(
        label="شمارهٔ همراه تازه",
        max_length=20,
        help_text="خطی که به نام خود شماست، مانند ۰۹۱۷۱۲۳۴۵۶۷. کدی به این شماره و کدی به شمارهٔ "
        "کنونی پیامک می‌شود.",
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "tel"}),
        error_messages={"required": "شمارهٔ همراه تازه را بنویسید."},
    )


class MobileVerifyForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="mobile_verify")
    mobile = forms.CharField(widget=forms.HiddenInput)
    code_old = forms.CharField(
        label="کد پیامک‌شده به شمارهٔ کنونی",
        max_length=12,
        widget=forms.TextInput(attrs={**_LTR, "autocomplete": "one-time-code"}),
        error_messages={"required": "کد پیامک‌شده به شمارهٔ کنونی را بنویسید."},
    )
    code_new = forms.CharField(
        label="کد پیامک‌شده به شمارهٔ تازه",
        max_length=12,
        widget=forms.TextInput(attrs=_LTR),
        error_messages={"required": "کد پیامک‌شده به شمارهٔ تازه را بنویسید."},
    )


class ResidenceForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="residence")
    county = forms.TypedChoiceField(
        label="شهرستان محل سکونت",
        coerce=int,
        help_text="دفترهای نزدیک شما از روی آن پیشنهاد می‌شود.",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": "شهرستان محل سکونت را برگزینید.",
            "invalid_choice": "شهرستان محل سکونت را از فهرست برگزینید.",
        },
    )

    def __init__(self, *args, counties: list[tuple[str, list[tuple[int, str]]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", "برگزینید…"), *counties]
