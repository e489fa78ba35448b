"""Sealing the inquiry log into the audit chain in batches, and checking the seals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.models import AuditEntry
from hoviat.inquiry.conf import conf
from hoviat.inquiry.models import InquiryLog, LogSeal

__all__ = [
    "GENESIS",
    "LogVerdict",
    "inquiry_log_seal",
    "inquiry_log_verify",
]


GENESIS = "0" * 64


def _row_fields(row: InquiryLog) -> dict[str, Any]:
    return {
        "id": row.id,
        "inquiry_id": str(row.inquiry_id),
        "at": row.at.isoformat(timespec="microseconds"),
        "partner": row.partner_id,
        "key": row.key_prefix,
        "endpoint": row.endpoint,
        "purpose": row.purpose,
        "result": row.result,
        "reason": row.reason_code,
        "subject": row.subject_hash,
        "response": row.response_sha256,
    }


def _chain(previous: str, rows) -> tuple[str, int, int | None]:
    digest, count, last = previous, 0, None
    for row in rows:
        canonical = json.dumps(_row_fields(row), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((digest + canonical).encode()).hexdigest()
        count, last = count + 1, row.id
    return digest, count, last


def inquiry_log_seal(*, actor: Any = None) -> LogSeal | None:
    """Seal the next batch of settled log rows into the audit chain; None if none is due.

    Safe to run twice at once: both compute the same batch, the second insert of the seal
    fails on its unique first_id and its transaction (with its audit row) rolls back.
    """
    now = timezone.now()
    settled_before = now - dt.timedelta(seconds=conf("INQUIRY_SEAL_MIN_AGE_SECONDS"))
    last = LogSeal.objects.order_by("-last_id").first()
    start = last.last_id + 1 if last else 1
    candidates = list(
        InquiryLog.objects.filter(id__gte=start).order_by("id")[: conf("INQUIRY_SEAL_BATCH")]
    )
    batch = []
    for row in candidates:  # stop at the first unsettled row: a contiguous, settled prefix
        if row.at >= settled_before:
            break
        batch.append(row)
    if not batch:
        return None
    digest, count, _ = _chain(last.digest if last else GENESIS, batch)
    last_id = batch[-1].id
    try:
        with transaction.atomic():
            entry = audit_record(
                actor=actor,
                action="inquiry.log_sealed",
                object_type="inquiry.inquirylog",
                object_id=f"{batch[0].id}-{last_id}",
                data={
                    "first_id": batch[0].id,
                    "last_id": last_id,
                    "count": count,
                    "digest": digest,
                },
            )
            return LogSeal.objects.create(
                first_id=batch[0].id,
                last_id=last_id,
                count=count,
                digest=digest,
                sealed_at=now,
                audit_entry_id=entry.id,
            )
    except IntegrityError:
        return None


@dataclass(frozen=True)
class LogVerdict:
    ok: bool
    seals: int
    rows: int
    problem: str = ""


def inquiry_log_verify() -> LogVerdict:
    """Recompute every seal from the log rows and its audit row; the first mismatch is told."""
    previous, rows_checked = GENESIS, 0
    seals = list(LogSeal.objects.order_by("first_id"))
    entries = {e.id: e for e in AuditEntry.objects.filter(id__in=[s.audit_entry_id for s in seals])}
    expected_start = None
    for seal in seals:
        if expected_start is not None and seal.first_id < expected_start:
            return LogVerdict(False, len(seals), rows_checked, f"seal {seal.pk} overlaps")
        rows = InquiryLog.objects.filter(id__gte=seal.first_id, id__lte=seal.last_id).order_by("id")
        digest, count, _ = _chain(previous, rows.iterator(chunk_size=5000))
        entry = entries.get(seal.audit_entry_id)
        if entry is None or entry.data.get("digest") != seal.digest:
            return LogVerdict(
                False,
                len(seals),
                rows_checked,
                f"seal {seal.first_id}..{seal.last_id} does not match its audit row",
            )
        if count != seal.count or digest != seal.digest:
            return LogVerdict(
                False,
                len(seals),
                rows_checked,
                f"log rows {seal.first_id}..{seal.last_id} were changed after sealing",
            )
        previous, rows_checked, expected_start = digest, rows_checked + count, seal.last_id + 1
    return LogVerdict(True, len(seals), rows_checked)
