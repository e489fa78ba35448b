"""Writes: official holidays from data, and the closures of single offices."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, ValidationFailed
from hoviat.core.jalali import InvalidDate, format_jalali, parse_jalali, today_local
from hoviat.core.text import normalize_text
from hoviat.offices.models import Holiday, Office, OfficeClosure

HOLIDAYS_CSV = Path(__file__).resolve().parent / "data" / "holidays.csv"


@dataclass(frozen=True)
class HolidaysLoaded:
    total: int
    created: int
    updated: int


def _read_holidays(path: Path) -> dict[dt.date, str]:
    holidays: dict[dt.date, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        # Line 1 is the header, so the first holiday is on line 2.
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name}, line {line}"
            try:
                date = parse_jalali(row.get("date") or "")
            except InvalidDate as error:
                raise ValidationFailed(f"{where}: {error.detail}", code=error.code) from None
            title = normalize_text(row.get("title") or "")
            if not title:
                raise ValidationFailed(f"{where}: the title is empty.", code="HOLIDAY_TITLE")
            if date in holidays:
                raise ValidationFailed(
                    f"{where}: {row['date']} appears twice.", code="HOLIDAY_DUPLICATE"
                )
            holidays[date] = title
    return holidays


def holidays_load(*, path: Path | str | None = None) -> HolidaysLoaded:
    """Create or update the official holidays in a Jalali CSV (date, title); idempotent."""
    wanted = _read_holidays(Path(path) if path else HOLIDAYS_CSV)
    with transaction.atomic():
        existing = {h.date: h for h in Holiday.objects.filter(date__in=list(wanted))}
        new = [
            Holiday(date=date, title=title)
            for date, title in wanted.items()
            if date not in existing
        ]
        changed = [holiday for date, holiday in existing.items() if holiday.title != wanted[date]]
        for holiday in changed:
            holiday.title = wanted[holiday.date]
        Holiday.objects.bulk_create(new)
        Holiday.objects.bulk_update(changed, ["title"])
    return HolidaysLoaded(total=len(wanted), created=len(new), updated=len(changed))


def office_closure_add(*, actor: Any, office: Office, date: dt.date, reason: str) -> OfficeClosure:
    """Close one office for one day (not in the past), with the reason on the audit log."""
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationFailed("علت تعطیلی را بنویسید.", code="CLOSURE_REASON_REQUIRED")
    if date < today_local():
        raise ValidationFailed("روزی که گذشته است را نمی‌توان تعطیل کرد.", code="CLOSURE_IN_PAST")
    with transaction.atomic():
        try:
            # A savepoint of its own, so a duplicate leaves the caller's transaction usable.
            with transaction.atomic():
                closure = OfficeClosure.objects.create(office=office, date=date, reason=reason)
        except IntegrityError:
            raise Conflict(
                f"این دفتر در تاریخ {format_jalali(date)} از پیش تعطیل است.",
                code="CLOSURE_EXISTS",
            ) from None
        audit_record(
            actor=actor,
            action="office.closure_added",
            obj=office,
            reason=reason,
            data={"date": date.isoformat(), "closure_id": closure.pk},
        )
    return closure
