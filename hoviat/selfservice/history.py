"""Reads for "who asked about me" and "lock my card": the holder (a signed-in mobile that owns
a national code), the inquiries about them newest first, paged by keyset, the lock changes
between them, and their lock as it stands.

The national code is never kept: the holder is the keyed hash the inquiry log already keeps
(`subject_hash`), computed by the inquiry app's own function, so the history is one range of
the log's (subject_hash, at, id) index.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from hoviat.core.errors import NotFound, ValidationFailed
from hoviat.core.national_code import parse_national_code
from hoviat.inquiry.models import HolderDigest, HolderLock, HolderLockEvent, InquiryLog
from hoviat.inquiry.reasons import PURPOSES, RESULTS, SCOPES, reason_fa
from hoviat.inquiry.services import subject_hash
from hoviat.registry.ownership import ownership_backend

PAGE_SIZE = 50

KIND_FA = {**SCOPES, "card_auth": "احراز هویت با کارت"}
LOCK_KIND_FA = {
    "all": "همهٔ استعلام‌ها و احراز هویت با کارت",
    "card": "استعلام کارت هوشمند",
    "receipt": "استعلام رسید ثبت‌نام",
    "identity": "تطبیق هویت",
    "card_auth": "احراز هویت با کارت",
}
_PURPOSE_FA = {code: fa for code, (fa, _en) in PURPOSES.items()} | {
    "CARD_AUTH": "احراز هویت با کارت"
}


class HolderNotFound(NotFound):
    default_detail = "سابقه‌ای با این کد ملی برای شمارهٔ همراه شما یافت نشد."


class PageInvalid(ValidationFailed):
    code = "PAGE_INVALID"
    default_detail = "نشانی صفحه معتبر نیست؛ از صفحهٔ نخست شروع کنید."


@dataclass(frozen=True)
class Holder:
    """A signed-in mobile proven to own a national code; only the code's keyed hash is kept."""

    mobile: str
    subject_hash: str


def access_holder_for(*, mobile: str, national_code: str) -> Holder:
    """The holder this mobile speaks for; another person's code is 404, never a hint."""
    code = parse_national_code(national_code)
    if not ownership_backend().owns(mobile=mobile, national_code=code):
        raise HolderNotFound()
    return Holder(mobile=mobile, subject_hash=subject_hash(code))


# --- Inquiries, newest first, by keyset ------------------------------------------------------


@dataclass
class InquiryEntry:
    id: int
    at: dt.datetime
    partner: str
    purpose: str
    kind: str
    result: str
    reason_code: str

    def __post_init__(self) -> None:
        # How people read the codes (the page, and purpose_fa in the API).
        self.purpose_fa = _PURPOSE_FA.get(self.purpose, self.purpose)
        self.kind_fa = KIND_FA.get(self.kind, self.kind)
        self.result_fa = RESULTS.get(self.result, self.result)
        self.reason_fa = reason_fa(self.reason_code)
        self.locked = self.reason_code == "LOCKED_BY_HOLDER"


@dataclass(frozen=True)
class InquiryPage:
    entries: list[InquiryEntry]
    next_page: str | None  # the token of the next (older) page


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TOKEN = re.compile(r"^(\d{1,17})-(\d{1,18})$")  # within bigint and datetime


def _token(entry: InquiryEntry) -> str:
    return f"{(entry.at - _EPOCH) // dt.timedelta(microseconds=1)}-{entry.id}"


def _untoken(page: str) -> tuple[dt.datetime, int]:
    match = _TOKEN.match(page.strip())
    if match is None:
        raise PageInvalid()
    try:
        at = _EPOCH + dt.timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        raise PageInvalid() from None
    return at, int(match.group(2))


def holder_inquiries(*, holder: Holder, page: str | None = None) -> InquiryPage:
    """One page of the inquiries about the holder, newest first: one range of the log's
    (subject_hash, at DESC, id DESC) index, so the 10,000th row costs what the first does."""
    rows = InquiryLog.objects.filter(subject_hash=holder.subject_hash)
    if page:
        at, last_id = _untoken(page)
        # `at <= …` bounds the index range; the OR only breaks ties within one microsecond.
        rows = rows.filter(Q(at__lt=at) | Q(at=at, id__lt=last_id), at__lte=at)
    found = [
        InquiryEntry(*row)
        for row in rows.order_by("-at", "-id").values_list(
            "id", "at", "partner__name", "purpose", "endpoint", "result", "reason_code"
        )[: PAGE_SIZE + 1]
    ]
    entries = found[:PAGE_SIZE]
    return InquiryPage(entries, _token(entries[-1]) if len(found) > PAGE_SIZE else None)


# --- Lock changes, and the lock as it stands ----------------------------------------------------


@dataclass
class LockEventEntry:
    at: dt.datetime
    action: str
    kinds: list[str]
    minutes: int | None

    def __post_init__(self) -> None:
        self.kinds_fa = [LOCK_KIND_FA.get(k, k) for k in self.kinds]


def holder_lock_events(
    *, holder: Holder, before: dt.datetime | None, since: dt.datetime | None
) -> list[LockEventEntry]:
    """The lock changes in [since, before), newest first (a page's span of time)."""
    rows = HolderLockEvent.objects.filter(subject_hash=holder.subject_hash)
    if before is not None:
        rows = rows.filter(at__lt=before)
    if since is not None:
        rows = rows.filter(at__gte=since)
    return [
        LockEventEntry(*row)
        for row in rows.order_by("-at", "-id").values_list("at", "action", "kinds", "minutes")
    ]


@dataclass
class LockView:
    """The lock as it stands now, for the page and GET /me/lock."""

    locked: bool
    kinds: list[str]
    locked_until: dt.datetime | None
    paused_until: dt.datetime | None

    def __post_init__(self) -> None:
        self.kinds_fa = [LOCK_KIND_FA.get(k, k) for k in self.kinds]


def holder_lock_view(*, holder: Holder) -> LockView:
    row = HolderLock.objects.filter(subject_hash=holder.subject_hash).first()
    if row is None or not row.kinds:
        return LockView(False, [], None, None)
    now = timezone.now()
    if row.locked_until is not None and row.locked_until <= now:
        return LockView(False, [], None, None)  # a timed lock that has run out
    paused = row.paused_until if row.paused_until and row.paused_until > now else None
    return LockView(
        locked=paused is None,
        kinds=list(row.kinds),
        locked_until=row.locked_until,
        paused_until=paused,
    )


def holder_digest_on(*, holder: Holder) -> bool:
    return HolderDigest.objects.filter(subject_hash=holder.subject_hash).exists()


# --- The page: inquiries with the lock changes of the same span ---------------------------------


@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    inquiry: InquiryEntry | None = None
    lock_event: LockEventEntry | None = None


def holder_history(
    *, holder: Holder, page: str | None = None
) -> tuple[list[HistoryItem], str | None]:
    """A page of the history: its inquiries, and the lock changes made between its newest and
    oldest inquiry (the first page also takes the newer ones, the last page the older), so
    every change shows on exactly one page."""
    inquiries = holder_inquiries(holder=holder, page=page)
    before = _untoken(page)[0] if page else None
    since = inquiries.entries[-1].at if inquiries.next_page and inquiries.entries else None
    items = [HistoryItem(e.at, inquiry=e) for e in inquiries.entries]
    items += [
        HistoryItem(e.at, lock_event=e)
        for e in holder_lock_events(holder=holder, before=before, since=since)
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items, inquiries.next_page


# --- The monthly summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSummary:
    count: int
    locked: int
    partners: list[str]  # the most frequent first


def holder_month_summary(
    *, subject_hash: str, start: dt.datetime, end: dt.datetime
) -> MonthSummary:
    rows = InquiryLog.objects.filter(subject_hash=subject_hash, at__gte=start, at__lt=end)
    names: Counter[str] = Counter()
    locked = 0
    for name, reason in rows.values_list("partner__name", "reason_code").iterator():
        names[name] += 1
        locked += reason == "LOCKED_BY_HOLDER"
    return MonthSummary(sum(names.values()), locked, [n for n, _ in names.most_common(3)])
