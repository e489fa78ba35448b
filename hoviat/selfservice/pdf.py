"""The digital national card as a PDF: WeasyPrint, A6 landscape, right to left, Vazirmatn,
Jalali dates and Persian digits, and the signed QR (HVC1:) any verifier reads offline.

WeasyPrint is imported inside the function, as for the receipt: pages that never render a
PDF work without pango.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from hoviat.core.jalali import format_jalali
from hoviat.core.text import persian_digits
from hoviat.enrolment.pdf import qr_png_data_uri
from hoviat.production.models import Card

QR_WIDTH_MM = 50


@lru_cache(maxsize=1)
def _font_urls() -> dict[str, str]:
    urls = {}
    for weight in ("Regular", "Bold"):
        found = finders.find(f"vendor/vazirmatn/fonts/Vazirmatn-{weight}.ttf")
        if not found:
            raise FileNotFoundError(f"Vazirmatn-{weight}.ttf is missing from static/vendor")
        urls[weight.lower()] = Path(found).resolve().as_uri()
    return urls


def digital_card_pdf(card: Card, *, qr_text: str) -> bytes:
    """The digital card's PDF bytes, carrying `qr_text` (already signed)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    citizen = card.application.citizen
    html = render_to_string(
        "selfservice/digital_card_pdf.html",
        {
            "full_name": citizen.full_name,
            "father_name": citizen.father_name,
            "national_code": persian_digits(citizen.national_code),
            "birth_date": format_jalali(citizen.birth_date, long=True),
            "card_serial": card.csn,
            "issued_on": format_jalali(card.issued_on, long=True),
            "expires_on": format_jalali(card.expires_on, long=True),
            "signed_at": format_jalali(timezone.localtime(), with_time=True),
            "qr": qr_png_data_uri(qr_text),
            "qr_width_mm": QR_WIDTH_MM,
            "fonts": _font_urls(),
        },
    )
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
        font_config=FontConfiguration(), pdf_identifier=card.csn.encode()
    )
