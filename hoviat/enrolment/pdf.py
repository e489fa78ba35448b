"""The receipt (رسید) as a PDF: WeasyPrint, A5 portrait, right to left, Vazirmatn embedded.

Rendered on demand from the receipt's row: the face is decrypted in memory and handed to
WeasyPrint as a data URI, so no clear copy of it ever touches the disk. WeasyPrint is
imported inside the function: pages that never render a PDF work without pango.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import segno
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from hoviat.core.jalali import format_jalali
from hoviat.core.text import persian_digits
from hoviat.enrolment import storage
from hoviat.enrolment.models import BiometricFile, Receipt
from hoviat.offices.selectors import OFFICE_TZ

QR_ERROR = "m"
QR_WIDTH_MM = 52  # about 3.5 px per module at 150 dpi for a version-14 code: zbar reads it


@lru_cache(maxsize=1)
def _font_urls() -> dict[str, str]:
    urls = {}
    for weight in ("Regular", "Bold"):
        found = finders.find(f"vendor/vazirmatn/fonts/Vazirmatn-{weight}.ttf")
        if not found:
            raise FileNotFoundError(f"Vazirmatn-{weight}.ttf is missing from static/vendor")
        urls[weight.lower()] = Path(found).resolve().as_uri()
    return urls


def qr_png_data_uri(text: str) -> str:
    """The QR code as a PNG of one pixel per module, drawn without smoothing (see the CSS).

    A PNG, not segno's SVG: WeasyPrint parses an SVG path in Python, which cost more than
    the rest of the page; a 77-pixel PNG scaled up with `image-rendering: pixelated` prints
    just as sharp, since the PDF tells the viewer not to interpolate it.
    """
    qr = segno.make(text, error=QR_ERROR, micro=False, boost_error=False)
    return qr.png_data_uri(scale=1, border=4, dark="#000", light="#fff")


def _face_data_uri(receipt: Receipt) -> str | None:
    face = BiometricFile.objects.filter(enrolment_id=receipt.enrolment_id, position=0).first()
    if face is None:
        return None
    data = storage.encrypted_read(face.storage_name, sha256=face.sha256)
    return f"data:{face.content_type};base64,{base64.b64encode(data).decode('ascii')}"


def receipt_context(receipt: Receipt) -> dict:
    application = receipt.application
    citizen = application.citizen
    issued_local = timezone.localtime(receipt.issued_at, OFFICE_TZ)
    enrolled_at = receipt.enrolment.completed_at or receipt.issued_at
    return {
        "receipt": receipt,
        "citizen": citizen,
        "full_name": citizen.full_name,
        "national_code": persian_digits(citizen.national_code),
        "birth_date": format_jalali(citizen.birth_date),
        "tracking_code": persian_digits(application.tracking_code),
        "receipt_number": persian_digits(receipt.receipt_number),
        "office": receipt.office,
        "enrolment_office": receipt.enrolment.office,
        "enrolled_at": format_jalali(enrolled_at, with_time=True),
        "issued_at": format_jalali(issued_local, with_time=True),
        "valid_until": format_jalali(receipt.valid_until, long=True),
        "face": _face_data_uri(receipt),
        "qr": qr_png_data_uri(receipt.qr_text),
        "qr_width_mm": QR_WIDTH_MM,
        "fonts": _font_urls(),
        "superseded": receipt.is_superseded,
        "reissued": Receipt.objects.filter(superseded_by=receipt).exists(),
        "superseded_by": (
            persian_digits(receipt.superseded_by.receipt_number) if receipt.superseded_by_id else ""
        ),
    }


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt's PDF bytes."""
    # Here, not at the top: WeasyPrint needs pango, which only PDF rendering should require.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string("enrolment/receipt_pdf.html", receipt_context(receipt))
    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
        font_config=fonts, pdf_identifier=receipt.receipt_number.encode()
    )
