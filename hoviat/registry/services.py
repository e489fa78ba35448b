"""Writes to the population registry: importing a registry file, generating citizens.

The import CSV (UTF-8, with or without BOM; header row required; columns in any order):

    required  national_code, first_name, last_name, father_name, mother_name, gender,
              birth_date, shenasnameh_number, shenasnameh_serial, residence_province
    optional  issuing_county, residence_city, mobile, is_alive, has_photo_shenasnameh,
              old_card_number, old_card_issued_on

- national_code: 10 digits (Persian digits welcome; 8–9 digits are left-padded).
- names: Persian letters (ي/ك become ی/ک; Latin, digits or Arabic-only letters are refused).
- gender: male/female, m/f or مرد/زن. Dates: 1370/05/14 (Jalali) or 1991-08-05.
- shenasnameh_serial: «۲۰/الف ۱۲۳۴۵۶», "الف/20 123456", "20-الف-123456"...
- residence_province: ISO code (IR-06) or name; residence_city: a city of that province.
- issuing_county: county name or 3-digit code prefix; blank: taken from the code's prefix.
- mobile: 09xxxxxxxxx (+98/0098 forms folded). Flags: 1/0, true/false, بله/خیر; blank = yes.
- old_card_number + old_card_issued_on: the old paper card, both or neither.

A header with an unknown, repeated or missing column refuses the whole file before anything
is written. Bad rows go to the report (line, code, reason, then the row as read); a code met
twice in the file is loaded once and later lines are rejected (DUPLICATE_IN_FILE); codes
already in the registry are counted, not changed, so running the same file again is safe.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from hoviat.core.audit import audit_many, audit_record
from hoviat.core.text import persian_digits
from hoviat.places.models import Province
from hoviat.registry.late import NationalCodesExhausted, NewCitizen, citizens_register
from hoviat.registry.models import Citizen, MobileOwnership, OldCard, OwnershipSource
from hoviat.registry.ownership import MobileOwnershipUnavailable
from hoviat.registry.population import (
    population_csv_lines,
    population_rows,
    province_places_load,
)
from hoviat.registry.validation import (
    ImportRefused,
    Rejection,
    RowValidator,
    citizen_row_validate,
    header_check,
    lookups_load,
    shenasnameh_serial_parse,
)
from hoviat.registry.writers import batches_store

__all__ = [
    "GenerateResult",
    "ImportResult",
    "MobileOwnershipUnavailable",
    "NationalCodesExhausted",
    "NewCitizen",
    "citizen_row_validate",
    "citizens_register",
    "mobile_ownership_record",
    "mobile_ownerships_fill",
    "population_generate",
    "population_write_csv",
    "registry_import",
    "shenasnameh_serial_parse",
]

GENERATE_BATCH_SIZE = 20_000


@dataclass(frozen=True)
class ImportResult:
    read: int
    loaded: int
    already_present: int
    rejected: int
    report_path: Path
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class GenerateResult:
    province: str
    requested: int
    created: int
    already_present: int
    seconds: float


@dataclass
class _Counts:
    read: int = 0
    loaded: int = 0
    already_present: int = 0
    rejected: int = 0


def _checked_rows(reader, validator: RowValidator, report, counts: _Counts):
    """Good rows from the reader; bad ones are written to the report as they are met."""
    seen: dict[str, int] = {}
    validate = validator.validate
    line = 1  # the header

    def reject(start: int, rejection: Rejection, fields: list[str]) -> None:
        if rejection.code != "DUPLICATE_IN_FILE" and any("\ufffd" in f for f in fields):
            rejection = Rejection(
                "ROW_ENCODING",
                "این سطر با UTF-8 خوانا نیست؛ فایل را با کدگذاری UTF-8 ذخیره کنید.",
            )
        counts.rejected += 1
        report.writerow([start, rejection.code, rejection.reason, *fields])

    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num
            counts.read += 1
            reject(start, Rejection("ROW_MALFORMED", f"سطر CSV خوانا نیست ({error})."), [])
            continue
        line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        counts.read += 1
        if line != start:
            reject(
                start,
                Rejection(
                    "ROW_MALFORMED",
                    f'علامت نقل‌قول (") این سطر بسته نشده و سطرهای {start} تا {line} '
                    "را یکی کرده است.",
                ),
                fields,
            )
            continue
        result = validate(fields)
        if result.__class__ is Rejection:
            reject(start, result, fields)
            continue
        code = result[0]
        first = seen.get(code)
        if first is not None:
            reject(
                start,
                Rejection(
                    "DUPLICATE_IN_FILE",
                    f"کد ملی {code} پیش‌تر در سطر {persian_digits(first)} همین فایل آمده است.",
                ),
                fields,
            )
            continue
        seen[code] = start
        yield result


def registry_import(
    *,
    path: str | Path,
    report_path: str | Path | None = None,
    batch_size: int | None = None,
    progress: bool = True,
    actor: Any = None,
) -> ImportResult:
    """Load a registry CSV: check every row, store good rows in batches, report the rest."""
    path = Path(path)
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    report_path = Path(report_path) if report_path else path.with_name(f"{path.stem}.rejected.csv")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if report_path.resolve() == path.resolve() or not report_path.parent.is_dir():
        raise ImportRefused(
            f"فایل گزارش «{report_path}» را نمی‌توان نوشت (پوشه‌اش نیست یا همان فایل ورودی است).",
            code="IMPORT_REPORT_PATH",
        )
    started = time.perf_counter()
    try:
        raw = path.open("rb")
    except OSError as error:
        raise ImportRefused(
            f"فایل «{path}» باز نشد: {error.strerror}.", code="IMPORT_FILE_UNREADABLE"
        ) from None
    counts = _Counts()
    with raw:
        size = path.stat().st_size
        # Undecodable bytes become U+FFFD, so one bad row is reported instead of the file
        # stopping half-way.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise ImportRefused(
                f"سطر اول فایل خوانا نیست ({error}).", code="IMPORT_HEADER_INVALID"
            ) from None
        columns = header_check(header)
        assert header is not None  # header_check refuses a file without one
        validator = RowValidator(columns, lookups_load())
        try:
            with (
                report_path.open("w", encoding="utf-8-sig", newline="") as report_file,
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=path.name,
                    disable=not progress,
                    file=sys.stderr,
                    mininterval=0.5,
                ) as bar,
            ):
                report = csv.writer(report_file)
                report.writerow(["line", "code", "reason", *header])
                position = 0

                def stored(given: int, inserted: int) -> None:
                    nonlocal position
                    counts.loaded += inserted
                    counts.already_present += given - inserted
                    now_at = raw.tell()
                    bar.update(now_at - position)
                    position = now_at
                    bar.set_postfix(
                        rows=f"{counts.loaded + counts.already_present:,}", refresh=False
                    )

                batches_store(
                    _checked_rows(reader, validator, report, counts),
                    batch_size=batch_size,
                    on_batch=stored,
                )
        except Exception as error:
            _import_audit(
                actor, path, report_path, counts, time.perf_counter() - started, error=error
            )
            raise
    seconds = time.perf_counter() - started
    _import_audit(actor, path, report_path, counts, seconds)
    return ImportResult(
        read=counts.read,
        loaded=counts.loaded,
        already_present=counts.already_present,
        rejected=counts.rejected,
        report_path=report_path,
        seconds=seconds,
    )


def _import_audit(
    actor,
    path: Path,
    report_path: Path,
    counts: _Counts,
    seconds: float,
    error: Exception | None = None,
) -> None:
    data = {
        "file": path.name,
        "report": str(report_path),
        "read": counts.read,
        "loaded": counts.loaded,
        "already_present": counts.already_present,
        "rejected": counts.rejected,
        "seconds": round(seconds, 3),
    }
    if error is None:
        audit_record(
            actor=actor,
            action="registry.import",
            object_type="registry.citizen",
            reason=path.name,
            data=data,
        )
        return
    # The batches before the failure are stored; the audit row says so. The original error
    # matters more than a failure to audit it.
    data["error"] = f"{type(error).__name__}: {error}"[:500]
    with contextlib.suppress(Exception):
        audit_record(
            actor=actor,
            action="registry.import",
            object_type="registry.citizen",
            to_state="failed",
            reason=path.name,
            data=data,
        )


def population_generate(
    *,
    province: Province | str,
    size: int,
    seed: int = 1405,
    batch_size: int | None = None,
    actor: Any = None,
) -> GenerateResult:
    """Add `size` synthetic citizens to a province; codes already present are skipped."""
    started = time.perf_counter()
    places = province_places_load(province=province)
    created = present = 0

    def stored(given: int, inserted: int) -> None:
        nonlocal created, present
        created += inserted
        present += given - inserted

    batches_store(
        population_rows(places=places, size=size, seed=seed),
        batch_size=batch_size or GENERATE_BATCH_SIZE,
        on_batch=stored,
    )
    owners = mobile_ownerships_fill(province=places.province)
    seconds = time.perf_counter() - started
    code = places.province.code
    audit_record(
        actor=actor,
        action="registry.generate",
        object_type="places.province",
        object_id=code,
        reason=f"seed {seed}",
        data={
            "province": code,
            "size": size,
            "seed": seed,
            "created": created,
            "already_present": present,
            "mobile_owners_added": owners,
            "seconds": round(seconds, 3),
        },
    )
    return GenerateResult(
        province=code, requested=size, created=created, already_present=present, seconds=seconds
    )


def population_write_csv(
    *, province: Province | str, size: int, seed: int = 1405, path: str | Path
) -> int:
    """Write the synthetic people of population_generate as an import CSV (no DB writes)."""
    places = province_places_load(province=province)
    written = -1  # the header line is not a person
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        chunk: list[str] = []
        for line in population_csv_lines(places=places, size=size, seed=seed):
            chunk.append(line)
            if len(chunk) >= 10_000:
                out.write("".join(chunk))
                written += len(chunk)
                chunk.clear()
        out.write("".join(chunk))
        written += len(chunk)
    return written


def old_cards_invalidate(*, citizen_id: int, on: dt.date, actor: Any, reason: str) -> list[str]:
    """The person's old (paper) cards still valid are invalidated as of `on`; their numbers."""
    with transaction.atomic():
        old = list(
            OldCard.objects.select_for_update()
            .filter(citizen_id=citizen_id, invalidated_on__isnull=True)
            .values_list("pk", "card_number")
        )
        if not old:
            return []
        OldCard.objects.filter(pk__in=[pk for pk, _ in old], invalidated_on__isnull=True).update(
            invalidated_on=on
        )
        audit_many(
            actor=actor,
            rows=[
                {
                    "action": "old_card.invalidated",
                    "object_type": "registry.oldcard",
                    "object_id": str(pk),
                    "from_state": "valid",
                    "to_state": "invalidated",
                    "reason": reason,
                    "data": {"card_number": number},
                }
                for pk, number in old
            ],
        )
    return [number for _, number in old]


def mobile_ownerships_fill(*, province: Province | None = None) -> int:
    """The simulator's ownership table from the registry's own mobiles (of one province, or
    everyone): one INSERT … SELECT, pairs already there kept; how many rows were added."""
    table = MobileOwnership._meta.db_table
    citizens = Citizen._meta.db_table
    where = "c.mobile <> ''"
    params: list[Any] = [OwnershipSource.REGISTRY, timezone.now()]
    if province is not None:
        where += " AND c.residence_province_id = %s"
        params.append(province.pk)
    # The WHERE before ON CONFLICT is also what lets SQLite parse an INSERT … SELECT upsert.
    sql = (
        # Table names come from the models and `where` from code, never from input.
        f"INSERT INTO {table} (mobile, national_code, source, verified_at) "  # noqa: S608 # nosec B608
        f"SELECT c.mobile, c.national_code, %s, %s FROM {citizens} c WHERE {where} "
        "ON CONFLICT (mobile, national_code) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def mobile_ownership_record(*, mobile: str, national_code: str, source: str) -> MobileOwnership:
    """Record that a mobile belongs to a national code (a fixture, the demo, or a yes the
    http backend gave, kept so the owner's applications can be listed by mobile)."""
    row, created = MobileOwnership.objects.get_or_create(
        mobile=mobile,
        national_code=national_code,
        defaults={"source": source, "verified_at": timezone.now()},
    )
    if not created:
        row.source = source
        row.verified_at = timezone.now()
        row.save(update_fields=["source", "verified_at"])
    return row
