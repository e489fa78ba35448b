from django import forms

from hoviat.core.errors import DomainError
from hoviat.pki.images import MAX_UPLOAD_BYTES, receipt_qr_text_from_image


class ReceiptVerifyForm(forms.Form):
    text = forms.CharField(
        label="متن کد QR رسید",
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "dir": "ltr",
                "class": "form-control font-monospace",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "HVR1:…",  # the QR text's own prefix, as the scanner reads it
                "translate": "no",
            }
        ),
    )
    image = forms.FileField(
        label="یا تصویر یا PDF رسید",
        required=False,
        help_text="PNG، JPEG یا PDF، حداکثر ۵ مگابایت",
        widget=forms.FileInput(
            attrs={"class": "form-control", "accept": "image/png,image/jpeg,application/pdf"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        text, image = (cleaned.get("text") or "").strip(), cleaned.get("image")
        if text and image:
            raise forms.ValidationError("یکی را بفرستید: متن کد QR یا تصویر رسید، نه هر دو.")
        if image:
            if image.size > MAX_UPLOAD_BYTES:
                self.add_error("image", "حجم فایل بیش از ۵ مگابایت است.")
                return cleaned
            try:
                text = receipt_qr_text_from_image(data=image.read())
            except DomainError as exc:
                self.add_error("image", exc.detail)
                return cleaned
        elif not text:
            raise forms.ValidationError("متن کد QR رسید را بچسبانید یا تصویر رسید را بفرستید.")
        cleaned["qr_text"] = text
        return cleaned
