"""A shipment's manifest as CSV and PDF: card serials and masked national codes only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.template.loader import render_to_string

from hoviat.core.jalali import format_jalali
from hoviat.core.text import persian_digits
from hoviat.enrolment.pdf import _font_urls
from hoviat.production.models import Shipment
from hoviat.production.selectors import mask_national_code, shipment_cards

# The CSV is for machines (ISO dates) with the Jalali expiry beside it for people.
HEADER = [
    "row",
    "csn",
    "crn",
    "national_code_masked",
    "tracking_code",
    "expires_on",
    "expires_on_jalali",
]


def manifest_rows(shipment: Shipment) -> list[list[str]]:
    return [
        [
            str(i),
            card.csn,
            card.crn,
            mask_national_code(card.application.citizen.national_code),
            card.application.tracking_code,
            card.expires_on.isoformat(),
            format_jalali(card.expires_on, persian=False),
        ]
        for i, card in enumerate(shipment_cards(shipment=shipment), start=1)
    ]


def manifest_csv(shipment: Shipment) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(manifest_rows(shipment))
    return buffer.getvalue()


def manifest_filename(shipment: Shipment, extension: str) -> str:
    """manifest-12-1405-09-14.pdf: the shipment and its Jalali packing date."""
    day = format_jalali(shipment.created_at, persian=False).replace("/", "-")
    return f"manifest-{shipment.pk}-{day}.{extension}"


def manifest_pdf(shipment: Shipment) -> bytes:
    """WeasyPrint imported here: pages that never render a PDF work without pango."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(
        "production/manifest_pdf.html",
        {
            "shipment": shipment,
            # People read the PDF: Persian digits and the Jalali expiry (codes stay ASCII).
            "rows": [
                [persian_digits(r[0]), r[1], r[2], r[3], r[4], persian_digits(r[6])]
                for r in manifest_rows(shipment)
            ],
            "fonts": _font_urls(),
            "created": format_jalali(shipment.created_at, with_time=True),
        },
    )
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
        font_config=FontConfiguration()
    )
