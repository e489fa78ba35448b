"""The questions a relying party asks: is this card, receipt or old paper card valid
today, and do these details belong to one living person."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hoviat.core.national_code import parse_national_code
from hoviat.inquiry import selectors
from hoviat.inquiry.conf import conf
from hoviat.inquiry.models import ApiKey
from hoviat.inquiry.services._answering import (
    SignedAnswer,
    _admit,
    _answer,
    _locked_answer,
    _purpose,
    _shown,
    local_date,
    subject_hash,
)
from hoviat.inquiry.usage import subject_count

__all__ = [
    "card_inquire",
    "identity_inquire",
    "paper_card_inquire",
    "receipt_inquire",
]


def card_inquire(
    *, key: ApiKey, national_code: str, card_serial: str, purpose: str
) -> SignedAnswer:
    """Is this smart card valid today (active, in validity under policy, not suspended)?

    On a server (PostgreSQL, outside a transaction) the count comes from the process's lease
    (usage.py), the card is read together with concurrent inquiries' cards, and the log row
    is written together with theirs (batching.py). Inside a transaction (tests, a caller's
    atomic block), without a replica the card is read by the counting statement itself: two
    round trips to the database per inquiry (count and read, then log) instead of three.
    """
    if selectors.card_reads_shared():
        # A server: the count is mostly served from this process's lease (no statement),
        # and the card is read together with those of concurrent inquiries.
        _admit(key, "card")
        serial = selectors.card_serial(card_serial)
        row = selectors.card_row_shared(serial) if serial is not None else None
    else:
        read = selectors.card_read(card_serial)
        if read is not None and not selectors.reads_from_replica():
            row = _admit(key, "card", read=read)
        else:
            _admit(key, "card")
            row = selectors.card_row(read) if read is not None else None
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
    subject = subject_hash(code)
    now = timezone.now()  # after the card read: the moment the answer speaks for
    locked = _locked_answer(
        key=key,
        endpoint="card",
        purpose=purpose,
        subject=subject,
        fields={"card_status": None, "expires_on": None},
        now=now,
    )
    if locked is not None:
        return locked
    standing = selectors.card_standing_of(row, national_code=code, today=local_date(now))
    result = "valid" if standing.valid else "invalid"
    return _answer(
        now=now,
        key=key,
        endpoint="card",
        purpose=purpose,
        result=result,
        reason_code=standing.reason_code,
        national_code=code,
        subject=subject,
        fields={
            "result": result,
            "card_status": _shown(key, "card_status", standing.card_status),
            "expires_on": _shown(key, "expires_on", standing.valid_until),
            "reason_code": standing.reason_code,
        },
    )


def receipt_inquire(
    *,
    key: ApiKey,
    national_code: str,
    tracking_code: str,
    purpose: str,
    receipt_number: str | None = None,
) -> SignedAnswer:
    """Does this enrolment receipt stand in for the card today?"""
    _admit(key, "receipt")
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
    subject = subject_hash(code)
    locked = _locked_answer(
        key=key,
        endpoint="receipt",
        purpose=purpose,
        subject=subject,
        fields={"application_status": None, "receipt_valid_until": None},
    )
    if locked is not None:
        return locked
    answer = selectors.receipt_answer(
        national_code=code,
        tracking_code=tracking_code,
        receipt_number=receipt_number,
        today=timezone.localdate(),
    )
    result = "valid" if answer.valid else "invalid"
    return _answer(
        key=key,
        endpoint="receipt",
        purpose=purpose,
        result=result,
        reason_code=answer.reason_code,
        national_code=code,
        subject=subject,
        fields={
            "result": result,
            "application_status": _shown(key, "application_status", answer.application_status),
            "receipt_valid_until": _shown(key, "receipt_valid_until", answer.valid_until),
            "reason_code": answer.reason_code,
        },
    )


def identity_inquire(
    *,
    key: ApiKey,
    national_code: str,
    birth_date: dt.date,
    first_name: str | None,
    last_name: str | None,
    purpose: str,
) -> SignedAnswer:
    """Yes or no: do these details belong to one living person? Never the data itself."""
    _admit(key, "identity")
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
    subject = subject_hash(code)
    locked = _locked_answer(
        key=key, endpoint="identity", purpose=purpose, subject=subject, fields={"match": None}
    )
    if locked is not None:
        return locked
    subject_count(
        scope="identity",
        subject=code,
        limit=conf("INQUIRY_IDENTITY_PER_CODE_LIMIT"),
        window_seconds=conf("INQUIRY_IDENTITY_PER_CODE_WINDOW_SECONDS"),
        code="IDENTITY_THROTTLED",
    )
    match = selectors.identity_matches(
        national_code=code, birth_date=birth_date, first_name=first_name, last_name=last_name
    )
    return _answer(
        key=key,
        endpoint="identity",
        purpose=purpose,
        result="match" if match else "no_match",
        reason_code="",
        national_code=code,
        subject=subject,
        fields={"match": match},
    )


def paper_card_inquire(
    *, key: ApiKey, national_code: str, card_number: str, purpose: str
) -> SignedAnswer:
    """Is this old paper national card still accepted under the cut-off policy?"""
    _admit(key, "paper_card")
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
    subject = subject_hash(code)
    locked = _locked_answer(
        key=key,
        endpoint="paper_card",
        purpose=purpose,
        subject=subject,
        fields={"accepted_until": None},
    )
    if locked is not None:
        return locked
    answer = selectors.paper_card_answer(
        national_code=code, card_number=card_number, today=timezone.localdate()
    )
    result = "valid" if answer.valid else "invalid"
    return _answer(
        key=key,
        endpoint="paper_card",
        purpose=purpose,
        result=result,
        reason_code=answer.reason_code,
        national_code=code,
        subject=subject,
        fields={
            "result": result,
            "accepted_until": _shown(key, "accepted_until", answer.accepted_until),
            "reason_code": answer.reason_code,
        },
    )
