"""Inquiry reads: the caller's key, and what the registry may say about a card, a receipt,
an identity or an old paper card. Each answer is one indexed query where it can be."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hoviat.applications.codes import tracking_code_parse
from hoviat.applications.models import (
    BEFORE_ENROLMENT_STATUSES,
    SIDE_EXIT_STATUSES,
    Application,
    ApplicationStatus,
)
from hoviat.core.dbrouter import read_alias, replica_read_alias, use_replica
from hoviat.core.permissions import is_national_admin
from hoviat.core.text import normalize_text
from hoviat.delivery.selectors.policy import card_valid_until, paper_card_standing
from hoviat.enrolment.models import Receipt
from hoviat.enrolment.selectors import RECEIPT_STANDING_STATUSES
from hoviat.inquiry.conf import conf
from hoviat.inquiry.db import hot_cursor, reader_rows
from hoviat.inquiry.errors import InquiryProblem
from hoviat.inquiry.models import ApiKey, InquiryLog, Partner
from hoviat.production.models import Card
from hoviat.registry.models import Citizen, OldCard

KEY_SCHEME = "hv1"
# What a serial or number can look like: anything else is NOT_FOUND without a query (and
# never reaches the database: PostgreSQL refuses a NUL inside a string outright).
_CSN = re.compile(r"[A-Z0-9]{4,16}")
_PREFIX = re.compile(r"[0-9a-f]{8,16}")
_PAPER_NUMBER = re.compile(r"[0-9A-Za-z/\-]{1,16}")


# --- The caller ------------------------------------------------------------------------------


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def key_prefix_of(raw: str) -> str | None:
    parts = raw.split(".")
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not _PREFIX.fullmatch(parts[1]):
        return None
    return parts[1]


@lru_cache(maxsize=256)
def _networks(spec: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(net, strict=False) for net in spec)


def address_allowed(partner: Partner, address: str) -> bool:
    if not partner.allowed_networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(partner.allowed_networks)))


def _key_sql() -> str:
    # A raw query (still through the ORM's RawQuerySet, so dates and times come back as the
    # ORM gives them): this runs on every request, and compiling the equivalent
    # select_related queryset costs more than running it.
    q = connection.ops.quote_name
    key, partner = q(ApiKey._meta.db_table), q(Partner._meta.db_table)
    columns = ", ".join(
        f"{partner}.{q(name)} AS {q('partner_' + name)}"
        for name in (
            "name",
            "scopes",
            "attributes",
            "rate_limit_per_minute",
            "daily_quota",
            "allowed_networks",
            "is_active",
        )
    )
    return (
        f"SELECT {key}.*, {columns} FROM {key} "  # noqa: S608 (names from the models; values are parameters)  # nosec B608
        f"JOIN {partner} ON {partner}.{q('id')} = {key}.{q('partner_id')} "
        f"WHERE {key}.{q('prefix')} = %s"
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _key_with_partner_read(prefix: str) -> ApiKey | None:
    found = list(ApiKey.objects.raw(_key_sql(), [prefix]))
    if not found:
        return None
    key = found[0]
    row = vars(key)  # raw() sets the partner's columns on the key beside its own fields
    key.partner = Partner(
        id=key.partner_id,
        name=row["partner_name"],
        scopes=_json(row["partner_scopes"]),
        attributes=_json(row["partner_attributes"]),
        rate_limit_per_minute=row["partner_rate_limit_per_minute"],
        daily_quota=row["partner_daily_quota"],
        allowed_networks=_json(row["partner_allowed_networks"]),
        is_active=bool(row["partner_is_active"]),
    )
    return key


# prefix -> (read at, per time.monotonic(), key with its partner). Keys are read on every
# request; this keeps each process from asking again for INQUIRY_KEY_CACHE_SECONDS (5 s by
# default). Only found keys are kept (a flood of made-up prefixes cannot fill it), and only
# a bounded number. The hash, revocation, expiry, partner state and networks are checked on
# every request against the kept copy, so a revocation or suspension reaches every process
# within the delay; forget_keys() (called by the services that change keys and partners)
# makes it immediate in the process that made the change.
_KEYS: dict[str, tuple[float, ApiKey]] = {}
_KEYS_MAX = 1024
_clock = time.monotonic


def forget_keys() -> None:
    _KEYS.clear()


def _key_with_partner(prefix: str) -> ApiKey | None:
    ttl = conf("INQUIRY_KEY_CACHE_SECONDS")
    now = _clock()
    kept = _KEYS.get(prefix)
    if kept is not None and now - kept[0] < ttl:
        return kept[1]
    key = _key_with_partner_read(prefix)
    if key is not None and ttl > 0:
        if len(_KEYS) >= _KEYS_MAX:
            _KEYS.clear()
        _KEYS[prefix] = (now, key)
    return key


def api_key_for(raw: str | None, *, address: str, now: dt.datetime | None = None) -> ApiKey:
    """The key (with its partner) that `raw` is, usable now from `address`; else a problem."""
    if not raw:
        raise InquiryProblem("API_KEY_MISSING")
    raw = raw.strip()
    prefix = key_prefix_of(raw)
    key = _key_with_partner(prefix) if prefix else None
    if key is None or not hmac.compare_digest(key.key_hash, key_hash(raw)):
        raise InquiryProblem("API_KEY_INVALID")
    state = key.state_at(now or timezone.now())
    if state == "revoked":
        raise InquiryProblem("API_KEY_REVOKED")
    if state == "expired":
        raise InquiryProblem("API_KEY_EXPIRED")
    if not key.partner.is_active:
        raise InquiryProblem("PARTNER_SUSPENDED")
    if not address_allowed(key.partner, address):
        raise InquiryProblem("NETWORK_NOT_ALLOWED")
    return key


def access_scope_for(key: ApiKey, scope: str) -> None:
    """SCOPE_NOT_GRANTED unless the key's partner was granted `scope`."""
    if scope not in key.partner.scopes:
        raise InquiryProblem("SCOPE_NOT_GRANTED", scope=scope)


def shows(key: ApiKey, attribute: str) -> bool:
    return attribute in key.partner.attributes


# --- Cards -----------------------------------------------------------------------------------

_STATUS_REASONS = {
    "suspended": "CARD_SUSPENDED",
    "revoked": "CARD_REVOKED",
    "expired": "CARD_EXPIRED",
    "voided": "CARD_VOIDED",
    "destroyed": "CARD_VOIDED",
}


@dataclass(frozen=True)
class CardStanding:
    valid: bool
    reason_code: str
    card_status: str | None
    valid_until: dt.date | None


def card_state(*, status: str, expires_on: dt.date, today: dt.date) -> CardStanding:
    """A card's standing from its status and printed expiry, under the validity policy."""
    if status == "active":
        # The policy is read only past the printed date: most cards cost no query for it.
        if expires_on >= today:
            until = expires_on
        else:
            with use_replica():  # the validity policy, read past the printed date
                until = card_valid_until(expires_on=expires_on, on=today)
        if until >= today:
            return CardStanding(True, "OK", status, until)
        return CardStanding(False, "CARD_EXPIRED", status, until)
    return CardStanding(False, _STATUS_REASONS.get(status, "CARD_NOT_ACTIVE"), status, expires_on)


NO_CARD = CardStanding(False, "NOT_FOUND", None, None)


@cache
def _card_sql(vendor: str, where_column: str) -> str:
    # The hottest read of the system: written out (no queryset to compile, no model to
    # build) and prepared on PostgreSQL (db.py). Primary-key joins from the card to its
    # holder; table and column names still come from the models, so a rename reaches here.
    q = connection.ops.quote_name
    card, application, citizen = (q(m._meta.db_table) for m in (Card, Application, Citizen))
    return (
        f"SELECT {card}.{q('status')}, {card}.{q('expires_on')}, "  # noqa: S608 (names from the models)  # nosec B608
        f"{citizen}.{q('national_code')} "
        f"FROM {card} "
        f"JOIN {application} ON {application}.{q('id')} = {card}.{q('application_id')} "
        f"JOIN {citizen} ON {citizen}.{q('id')} = {application}.{q('citizen_id')} "
        f"WHERE {card}.{q(where_column)} = %s"
    )


CardRead = tuple[str, list]


def card_serial(csn: str) -> str | None:
    """The serial as the card table keeps it; None for one that cannot exist."""
    csn = csn.strip().upper()
    return csn if _CSN.fullmatch(csn) else None


def card_read(csn: str) -> CardRead | None:
    """The read of the card with serial `csn` (a SELECT and its parameters: status, printed
    expiry, holder's national code), for card_row() or to ride along with the request's count
    (services.card_inquire); None for a serial that cannot exist."""
    serial = card_serial(csn)
    if serial is None:
        return None
    return _card_sql(connection.vendor, "csn"), [serial]


# The most serials one statement reads; more are read in several. One prepared statement per
# count, each with its own plan: `csn IN (%s, …)` with a fixed number of values gets the same
# plan for any values, so PostgreSQL settles on it, where `= ANY(array)` would be planned
# afresh on every execution (an array's length is only known from its value).
CARDS_PER_READ = 8


@cache
def _cards_sql(count: int) -> str:
    # _card_sql for `count` serials at once (PostgreSQL), each row led by its serial.
    q = connection.ops.quote_name
    card = q(Card._meta.db_table)
    one = _card_sql("postgresql", "csn")
    head, _, tail = one.partition("SELECT ")
    marks = ", ".join(["%s"] * count)
    tail = tail.replace(f"WHERE {card}.{q('csn')} = %s", f"WHERE {card}.{q('csn')} IN ({marks})")
    return f"{head}SELECT {card}.{q('csn')}, {tail}"


def card_rows(serials: list[str]) -> list[tuple | None]:
    """card_row() for each of `serials` (card_serial()s), in as few statements as may be
    (PostgreSQL, outside a transaction: card_reads_shared()), on the process's reading
    connection (db.reader_rows), never one of the request's."""
    prepare = conf("INQUIRY_DB_PREPARE")
    alias = replica_read_alias()
    if len(serials) == 1:  # a read alone (a quiet process): one serial, its row or none
        rows = reader_rows(alias, _cards_sql(1), serials, prepare=prepare)
        return [rows[0][1:] if rows else None]
    wanted = sorted(set(serials))
    found: dict[str, tuple] = {}
    for start in range(0, len(wanted), CARDS_PER_READ):
        part = wanted[start : start + CARDS_PER_READ]
        rows = reader_rows(alias, _cards_sql(len(part)), part, prepare=prepare)
        found.update((row[0], row[1:]) for row in rows)
    return [found.get(serial) for serial in serials]


def card_reads_shared() -> bool:
    """Whether card reads here go through card_rows() together with those of concurrent
    inquiries (services.card_inquire): PostgreSQL, outside any transaction (inside one, a
    read must see that transaction's own writes)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a per-thread lookup
    return db.vendor == "postgresql" and not db.in_atomic_block


def reads_from_replica() -> bool:
    """Whether the inquiry reads would go to a replica here and now."""
    with use_replica():
        return read_alias() != DEFAULT_DB_ALIAS


def card_row(read: CardRead) -> tuple | None:
    """Run a card_read(), on the replica when one is configured."""
    with use_replica():
        alias = read_alias()
        with hot_cursor(alias) as cursor:
            cursor.execute(*read)
            return cursor.fetchone()


def card_standing_of(row: tuple | None, *, national_code: str, today: dt.date) -> CardStanding:
    """The standing told by a card_read() row, if the card is `national_code`'s; NOT_FOUND
    for no card and for anyone else's."""
    if row is None or row[2] != national_code:
        return NO_CARD
    status, expires_on = row[0], row[1]
    if isinstance(expires_on, str):  # SQLite hands dates back as text
        expires_on = dt.date.fromisoformat(expires_on)
    return card_state(status=status, expires_on=expires_on, today=today)


def card_standing_by_csn(*, csn: str, today: dt.date) -> tuple[CardStanding, str | None]:
    """The standing of the card with serial `csn`, and its holder's national code."""
    read = card_read(csn)
    row = card_row(read) if read is not None else None
    if row is None:
        return NO_CARD, None
    return card_standing_of(row, national_code=row[2], today=today), row[2]


# --- Receipts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptAnswer:
    valid: bool
    reason_code: str
    application_status: str | None
    valid_until: dt.date | None


NO_RECEIPT = ReceiptAnswer(False, "NOT_FOUND", None, None)


@use_replica()
def receipt_answer(
    *, national_code: str, tracking_code: str, receipt_number: str | None, today: dt.date
) -> ReceiptAnswer:
    """Whether the application's receipt stands in for the card today.

    A receipt stands in while the application is enrolled and not yet delivered, until its
    valid-until date, and only the newest receipt: a reissued one is RECEIPT_SUPERSEDED.
    """
    code = tracking_code_parse(tracking_code)
    if code is None:
        return NO_RECEIPT
    receipts = Receipt.objects.filter(
        application__tracking_code=code, application__citizen__national_code=national_code
    )
    if receipt_number:
        number = receipt_number.strip()
        if not (number.isascii() and number.isdigit()):
            return NO_RECEIPT
        receipts = receipts.filter(receipt_number=number)
    else:
        receipts = receipts.filter(superseded_at__isnull=True)
    row = receipts.values_list("application__status", "valid_until", "superseded_at").first()
    if row is None:
        # No receipt: an application that exists but was never enrolled says so.
        if receipt_number:
            return NO_RECEIPT
        status = (
            Application.objects.filter(tracking_code=code, citizen__national_code=national_code)
            .values_list("status", flat=True)
            .first()
        )
        if status is None:
            return NO_RECEIPT
        reason = (
            "RECEIPT_NOT_ISSUED" if status in BEFORE_ENROLMENT_STATUSES else "APPLICATION_CLOSED"
        )
        return ReceiptAnswer(False, reason, status, None)
    status, valid_until, superseded_at = row
    if superseded_at is not None:
        reason = "RECEIPT_SUPERSEDED"
    elif status == ApplicationStatus.DELIVERED:
        reason = "APPLICATION_DELIVERED"
    elif status in SIDE_EXIT_STATUSES or status not in RECEIPT_STANDING_STATUSES:
        reason = "APPLICATION_CLOSED"
    elif valid_until < today:
        reason = "RECEIPT_EXPIRED"
    else:
        reason = "OK"
    return ReceiptAnswer(reason == "OK", reason, status, valid_until)


# --- Identity and paper cards ----------------------------------------------------------------


def _same_name(given: str | None, stored: str) -> bool:
    if given is None:
        return True
    return normalize_text(given).replace("\u200c", " ") == normalize_text(stored).replace(
        "\u200c", " "
    )


@use_replica()
def identity_matches(
    *,
    national_code: str,
    birth_date: dt.date,
    first_name: str | None,
    last_name: str | None,
) -> bool:
    """True when a living person with this code has this birth date (and names, if given)."""
    row = (
        Citizen.objects.filter(national_code=national_code, is_alive=True)
        .values_list("birth_date", "first_name", "last_name")
        .first()
    )
    if row is None:
        return False
    return row[0] == birth_date and _same_name(first_name, row[1]) and _same_name(last_name, row[2])


@dataclass(frozen=True)
class PaperAnswer:
    valid: bool
    reason_code: str
    accepted_until: dt.date | None


@use_replica()
def paper_card_answer(*, national_code: str, card_number: str, today: dt.date) -> PaperAnswer:
    """Whether an old paper card is still accepted, under the cut-off policy in force."""
    card_number = card_number.strip()
    if not _PAPER_NUMBER.fullmatch(card_number):
        return PaperAnswer(False, "NOT_FOUND", None)
    row = (
        OldCard.objects.filter(card_number=card_number)
        .values_list("invalidated_on", "citizen__national_code")
        .first()
    )
    if row is None or row[1] != national_code:
        return PaperAnswer(False, "NOT_FOUND", None)
    standing = paper_card_standing(on=today, invalidated_on=row[0])
    if standing.accepted:
        return PaperAnswer(True, "OK", standing.accepted_until)
    if row[0] is not None and row[0] <= today:
        return PaperAnswer(False, "PAPER_CARD_INVALIDATED", standing.accepted_until)
    return PaperAnswer(False, "PAPER_CARD_CUTOFF_PASSED", standing.accepted_until)


# --- Pages -----------------------------------------------------------------------------------


def access_inquiry_log_for(user: Any) -> QuerySet[InquiryLog]:
    """The inquiry log for a national admin; nobody else sees it (empty)."""
    if not is_national_admin(user):
        return InquiryLog.objects.none()
    return InquiryLog.objects.select_related("partner").order_by("-id")


def partner_usage_today(*, today: dt.date) -> list[Mapping[str, Any]]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    return list(
        InquiryLog.objects.filter(at__gte=start)
        .values("partner__name")
        .annotate(
            total=Count("id"),
            valid=Count("id", filter=Q(result__in=["valid", "match", "authenticated"])),
        )
        .order_by("-total")
    )
