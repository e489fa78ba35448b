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
