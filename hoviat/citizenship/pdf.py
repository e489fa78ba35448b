"""The decision letter (نامهٔ اعلام تصمیم) as a PDF: WeasyPrint, A4 portrait, right to left,
Vazirmatn embedded, Jalali dates and Persian digits, and the signed QR of its row.

Rendered on demand from the DecisionLetter row, as the enrolment receipt is (enrolment/pdf.py,
whose QR drawing this copies: one pixel per module, scaled without smoothing). WeasyPrint is
imported inside the function: pages that never render a PDF work without pango.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from hoviat.citizenship.models import DecisionLetter, LetterOutcome, Relation
from hoviat.core.jalali import format_jalali
from hoviat.core.text import persian_digits

QR_WIDTH_MM = 58  # about 3.5 px per module at 150 dpi for a version-16 code: zbar reads it

_TITLE = {
    LetterOutcome.APPROVED: "تأیید تابعیت و صدور شناسنامه",
    LetterOutcome.REFUSED: "رد درخواست",
    LetterOutcome.MORE_EVIDENCE: "نیاز به مدارک بیشتر",
    LetterOutcome.REFUSAL_UPHELD: "تأیید رد درخواست در دادگاه",
}


@lru_cache(maxsize=1)
def _font_urls() -> dict[str, str]:
    urls = {}
    for weight in ("Regular", "Bold"):
        found = finders.find(f"vendor/vazirmatn/fonts/Vazirmatn-{weight}.ttf")
        if not found:
            raise FileNotFoundError(f"Vazirmatn-{weight}.ttf is missing from static/vendor")
        urls[weight.lower()] = Path(found).resolve().as_uri()
    return urls


def _qr_png_data_uri(text: str) -> str:
    qr = segno.make(text, error="m", micro=False, boost_error=False)
    return qr.png_data_uri(scale=1, border=4, dark="#000", light="#fff")


def _people(letter: DecisionLetter) -> list[dict[str, str]]:
    """The people registered on an approval, as the letter lists them."""
    case = letter.case
    if letter.outcome != LetterOutcome.APPROVED or case.citizen_id is None:
        return []
    rows = [("خود متقاضی", case.citizen)] + [
        (Relation(m.relation).label, m.citizen)
        for m in case.family.select_related("citizen").order_by("pk")
        if m.citizen is not None
    ]
    return [
        {
            "relation": relation,
            "name": citizen.full_name,
            "birth_date": format_jalali(citizen.birth_date),
            "national_code": persian_digits(citizen.national_code),
            "shenasnameh": persian_digits(citizen.shenasnameh_number),
        }
        for relation, citizen in rows
    ]


def decision_letter_context(letter: DecisionLetter) -> dict[str, Any]:
    case = letter.case
    decided = timezone.localtime(letter.decided_at)
    by_court = letter.outcome == LetterOutcome.REFUSAL_UPHELD or bool(case.court_outcome)
    return {
        "letter": letter,
        "outcome": letter.outcome,
        "title": _TITLE[LetterOutcome(letter.outcome)],
        "letter_number": persian_digits(letter.letter_number),
        "issued_on": format_jalali(timezone.localtime(letter.issued_at), long=True),
        "decided_on": format_jalali(decided, long=True),
        "case_number": case.case_number,
        "temporary_id": persian_digits(case.temporary_id),
        "full_name": f"{case.first_name} {case.last_name}",
        "father_name": case.father_name,
        "honorific": "آقای" if case.gender == "male" else "خانم",
        "county": case.residence_county.name_fa,
        "by_court": by_court,
        "court_ruling_number": persian_digits(case.court_ruling_number),
        "court_ruling_date": format_jalali(case.court_ruling_date, long=True),
        "reasons": [line for line in letter.reasons.splitlines() if line.strip()],
        "appeal_closes_on": format_jalali(letter.appeal_closes_on, long=True),
        "appeal_days": persian_digits(settings.CITIZENSHIP_APPEAL_DAYS),
        "people": _people(letter),
        "qr": _qr_png_data_uri(letter.qr_text),
        "qr_width_mm": QR_WIDTH_MM,
        "fonts": _font_urls(),
    }


def decision_letter_pdf(letter: DecisionLetter) -> bytes:
    """The letter's PDF bytes."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string("citizenship/decision_letter_pdf.html", decision_letter_context(letter))
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
        font_config=FontConfiguration(), pdf_identifier=letter.letter_number.encode()
    )
