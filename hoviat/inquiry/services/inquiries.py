"""The questions a relying party asks: is this card, receipt or old paper card valid
today, and do these details belong to one living person."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.utils import timezone

from hoviat.core.national_code import parse_national_code
from hoviat.inquiry import selectors
from hoviat.inquiry.batching import GroupCommit
from hoviat.inquiry.conf import conf
from hoviat.inquiry.db import pooled_give_back
from hoviat.inquiry.models import ApiKey
from hoviat.inquiry.services._answering import (
    SignedAnswer,
    _admit,
    _answer,
    _answer_row,
    _locked_answer,
    _locked_answer_row,
    _log_write,
    _log_write_many,
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
    (usage.py), and the card is read, and its answer made, signed and logged, together with
    those of concurrent inquiries (_CARD_ANSWERS below). Inside a transaction (tests, a
    caller's atomic block), without a replica the card is read by the counting statement
    itself: two round trips to the database per inquiry (count and read, then log) instead
    of three.
    """
    if selectors.card_reads_shared():
        # A server: the count is mostly served from this process's lease (no statement).
        _admit(key, "card")
        serial = selectors.card_serial(card_serial)
        asked = _CardAsk(serial or "", key, _purpose(purpose), parse_national_code(national_code))
        if serial is None:  # a serial that cannot exist: NOT_FOUND, nothing to read
            return _answer_and_log(asked, None)
        pooled_give_back()  # the batch's thread may need one: never held by those it serves
        outcome = _CARD_ANSWERS.add(asked)
        if isinstance(outcome, Exception):
            raise outcome  # this answer's own failure, met in the thread that made it
        return outcome
    read = selectors.card_read(card_serial)
    if read is not None and not selectors.reads_from_replica():
        row = _admit(key, "card", read=read)
    else:
        _admit(key, "card")
        row = selectors.card_row(read) if read is not None else None
    return _answer_and_log(
        _CardAsk("", key, _purpose(purpose), parse_national_code(national_code)), row
    )


class _CardAsk(NamedTuple):
    serial: str  # card_serial()'s; "" when not read through _CARD_ANSWERS
    key: ApiKey
    purpose: str
    national_code: str


def _card_answer_row(asked: _CardAsk, row: tuple | None) -> tuple[SignedAnswer, list[Any]]:
    """The signed answer to `asked` given its card_read() row, and its log row (unwritten)."""
    key, purpose, code = asked.key, asked.purpose, asked.national_code
    subject = subject_hash(code)
    now = timezone.now()  # after the card read: the moment the answer speaks for
    locked = _locked_answer_row(
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
    return _answer_row(
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


def _answer_and_log(asked: _CardAsk, row: tuple | None) -> SignedAnswer:
    answer, log_row = _card_answer_row(asked, row)
    _log_write(log_row)
    return answer


def _card_answers(asks: list[_CardAsk]) -> list[SignedAnswer | Exception]:
    """The answers of a batch of card inquiries: their cards read together
    (selectors.card_rows), each answer made and signed, and all their log rows written
    together (durable: committed before any of them is sent). An answer that fails is that
    inquiry's error alone, handed to its own thread; a read or log write that fails fails
    the batch (each inquiry in it is an error)."""
    rows = selectors.card_rows([asked.serial for asked in asks])
    outcomes: list[SignedAnswer | Exception] = []
    log_rows = []
    for asked, row in zip(asks, rows, strict=True):
        try:
            answer, log_row = _card_answer_row(asked, row)
        except Exception as exc:  # raised again in the inquiry's own thread
            outcomes.append(exc)
            continue
        outcomes.append(answer)
        log_rows.append(log_row)
    _log_write_many(log_rows)
    return outcomes


# Card inquiries of concurrent requests in this process, answered together
# (batching.GroupCommit): the first request thread to find no batch under way reads the cards
# of every inquiry waiting at that moment in one statement, on the process's reading
# connection (db.reader_rows), then makes, signs and logs each of their answers; the other
# threads wake with their answer made. One thread doing the batch's work back to back costs
# less than each thread doing its own after waking: its code and the signing key's tables
# are warm, and there is no hand-over of the GIL per answer (bench/inquiry.py --ab: 13% less
# CPU per inquiry). Before it reads, the threads ready to run get one turn of the GIL, so
# requests already under way join the batch (GroupCommit's `gather`). No request thread takes
# a pooled connection for its card, and nobody waits for a timer: alone, a batch is one
# inquiry. What an answer logs through Python's logging while made in another request's
# thread carries that request's context.
_CARD_ANSWERS = GroupCommit(_card_answers, gather=True)


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
