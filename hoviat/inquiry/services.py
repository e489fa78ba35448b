"""Inquiry writes: partners and keys, answering inquiries (count, read, sign, log), card
authentication challenges, and sealing the inquiry log into the audit chain.

Why a separate inquiry log: the audit chain appends under one row lock (AuditHead), so every
append waits for the one before it. At a bank's peak of ≥1,000 inquiries a second that lock
would serialise every answer. Each inquiry is therefore one plain INSERT into the append-only
InquiryLog, and a sweep seals the log in batches: one audit row per batch carries the SHA-256
chain digest over the batch's rows, so an edited, removed or inserted log row no longer
matches its seal (`hoviat inquiry verify-log`), exactly as an edited audit row would not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, NotFound, ValidationFailed
from hoviat.core.models import AuditEntry
from hoviat.core.national_code import parse_national_code
from hoviat.inquiry import cardauth, selectors
from hoviat.inquiry.conf import conf
from hoviat.inquiry.db import hot_cursor
from hoviat.inquiry.errors import CardAuthFailed, InquiryProblem
from hoviat.inquiry.models import (
    ApiKey,
    CardChallenge,
    InquiryLog,
    KeyUsage,
    LogSeal,
    Partner,
)
from hoviat.inquiry.reasons import ATTRIBUTES, PURPOSES, SCOPES
from hoviat.inquiry.signing import detached_signature
from hoviat.inquiry.usage import key_usage_count, subject_count
from hoviat.pki.receipts import b64url, b64url_decode

# --- Partners and keys ---------------------------------------------------------------------


def _clean_list(values: list[str] | None, allowed: dict[str, Any], what: str) -> list[str]:
    chosen = sorted({v.strip() for v in values or [] if v.strip()})
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ValidationFailed(
            f"{what} ناشناخته: {', '.join(unknown)}", code=f"{what.upper()}_UNKNOWN"
        )
    return chosen


def _clean_networks(networks: list[str] | None) -> list[str]:
    cleaned = []
    for net in networks or []:
        if not net.strip():
            continue
        try:
            cleaned.append(str(ipaddress.ip_network(net.strip(), strict=False)))
        except ValueError:
            raise ValidationFailed(
                f"نشانی شبکه «{net}» معتبر نیست.", code="NETWORK_INVALID"
            ) from None
    return cleaned


def _partner_data(partner: Partner) -> dict[str, Any]:
    return {
        "scopes": partner.scopes,
        "attributes": partner.attributes,
        "rate_limit_per_minute": partner.rate_limit_per_minute,
        "daily_quota": partner.daily_quota,
        "allowed_networks": partner.allowed_networks,
        "is_active": partner.is_active,
    }


def partner_create(
    *,
    name: str,
    scopes: list[str],
    attributes: list[str] | None = None,
    rate_limit_per_minute: int | None = None,
    daily_quota: int | None = None,
    networks: list[str] | None = None,
    actor: Any = None,
) -> Partner:
    """Register a relying party with its scopes, attributes, limits and networks (audited)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("نام سازمان لازم است.", code="PARTNER_NAME_MISSING")
    with transaction.atomic():
        if Partner.objects.filter(name=name).exists():
            raise Conflict(f"سازمان «{name}» پیش‌تر ثبت شده است.", code="PARTNER_EXISTS")
        partner = Partner.objects.create(
            name=name,
            scopes=_clean_list(scopes, SCOPES, "scope"),
            attributes=_clean_list(attributes, ATTRIBUTES, "attribute"),
            rate_limit_per_minute=rate_limit_per_minute or conf("INQUIRY_DEFAULT_RATE_PER_MINUTE"),
            daily_quota=daily_quota or conf("INQUIRY_DEFAULT_DAILY_QUOTA"),
            allowed_networks=_clean_networks(networks),
        )
        audit_record(
            actor=actor,
            action="inquiry.partner_created",
            obj=partner,
            to_state="active",
            data=_partner_data(partner),
        )
    return partner


def partner_update(*, partner_id: int, changes: dict[str, Any], actor: Any = None) -> Partner:
    """Change a partner's scopes, attributes, limits, networks or activity (audited)."""
    allowed = {
        "scopes",
        "attributes",
        "rate_limit_per_minute",
        "daily_quota",
        "allowed_networks",
        "is_active",
        "name",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"فیلد ناشناخته: {', '.join(sorted(unknown))}")
    if "scopes" in changes:
        changes["scopes"] = _clean_list(changes["scopes"], SCOPES, "scope")
    if "attributes" in changes:
        changes["attributes"] = _clean_list(changes["attributes"], ATTRIBUTES, "attribute")
    if "allowed_networks" in changes:
        changes["allowed_networks"] = _clean_networks(changes["allowed_networks"])
    with transaction.atomic():
        partner = Partner.objects.select_for_update().filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(code="PARTNER_NOT_FOUND")
        before = _partner_data(partner)
        for name, value in changes.items():
            setattr(partner, name, value)
        partner.save(update_fields=list(changes) or None)
        _keys_changed()
        audit_record(
            actor=actor,
            action="inquiry.partner_changed",
            obj=partner,
            from_state="active" if before["is_active"] else "suspended",
            to_state="active" if partner.is_active else "suspended",
            data={"before": before, "after": _partner_data(partner)},
        )
    return partner


def _keys_changed() -> None:
    """This process stops trusting its copies of keys at once, and again once committed."""
    selectors.forget_keys()
    transaction.on_commit(selectors.forget_keys)


def _new_raw_key() -> tuple[str, str]:
    prefix = secrets.token_hex(6)  # 12 hex characters: the lookup handle, not a secret
    return f"{selectors.KEY_SCHEME}.{prefix}.{secrets.token_urlsafe(32)}", prefix


def api_key_create(
    *,
    partner_id: int,
    label: str = "",
    expires_at: dt.datetime | None = None,
    actor: Any = None,
) -> tuple[str, ApiKey]:
    """A new key for the partner: the raw key is returned once and never stored."""
    raw, prefix = _new_raw_key()
    with transaction.atomic():
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(code="PARTNER_NOT_FOUND")
        key = ApiKey.objects.create(
            partner=partner,
            prefix=prefix,
            key_hash=selectors.key_hash(raw),
            label=label[:100],
            expires_at=expires_at,
        )
        KeyUsage.objects.create(key=key)
        audit_record(
            actor=actor,
            action="inquiry.api_key_created",
            obj=key,
            to_state="active",
            data={
                "partner": partner.name,
                "prefix": prefix,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return raw, key


def api_key_rotate(
    *, key_id: int, overlap: dt.timedelta | None = None, actor: Any = None
) -> tuple[str, ApiKey]:
    """A successor key; the old one keeps working until the overlap ends, then expires."""
    if overlap is None:
        overlap = dt.timedelta(days=conf("INQUIRY_KEY_ROTATION_OVERLAP_DAYS"))
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if old is None:
            raise NotFound(code="API_KEY_NOT_FOUND")
        now = timezone.now()
        if old.state_at(now) != "active":
            raise Conflict("فقط کلید فعال را می‌توان چرخاند.", code="API_KEY_NOT_ACTIVE")
        raw, new = api_key_create(
            partner_id=old.partner_id, label=old.label, expires_at=None, actor=actor
        )
        until = now + overlap
        old.expires_at = min(old.expires_at, until) if old.expires_at else until
        old.replaced_by = new
        old.save(update_fields=["expires_at", "replaced_by"])
        _keys_changed()
        audit_record(
            actor=actor,
            action="inquiry.api_key_rotated",
            obj=old,
            from_state="active",
            to_state="expiring",
            data={"prefix": old.prefix, "successor": new.prefix, "until": until.isoformat()},
        )
    return raw, new


def api_key_revoke(*, key_id: int, reason: str, actor: Any = None) -> ApiKey:
    """Stop a key at once (leaked, partner left)."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise NotFound(code="API_KEY_NOT_FOUND")
        if key.revoked_at is not None:
            raise Conflict("این کلید پیش‌تر باطل شده است.", code="API_KEY_REVOKED")
        key.revoked_at, key.revoked_reason = timezone.now(), reason[:200]
        key.save(update_fields=["revoked_at", "revoked_reason"])
        _keys_changed()
        audit_record(
            actor=actor,
            action="inquiry.api_key_revoked",
            obj=key,
            from_state="active",
            to_state="revoked",
            reason=reason,
            data={"prefix": key.prefix},
        )
    return key


# --- Answering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedAnswer:
    body: bytes
    signature: str
    status: int = 200

    @property
    def content_type(self) -> str:
        return "application/json" if self.status < 400 else "application/problem+json"


def _purpose(purpose: str) -> str:
    code = (purpose or "").strip().upper()
    if code not in PURPOSES:
        raise InquiryProblem("PURPOSE_UNKNOWN", allowed=sorted(PURPOSES))
    return code


def _admit(key: ApiKey, scope: str, *, read: tuple[str, list] | None = None) -> tuple | None:
    """Scope first (a refused call costs no quota), then one count against the key; with
    `read`, the row it found, read in the same statement as the count (usage.py)."""
    selectors.access_scope_for(key, scope)
    return key_usage_count(
        key=key,
        rate_per_minute=key.partner.rate_limit_per_minute,
        daily_quota=key.partner.daily_quota,
        read=read,
    )


@lru_cache(maxsize=2)
def _subject_secret(secret_key: str) -> bytes:
    return hashlib.sha256(b"hoviat-inquiry-subject:" + secret_key.encode()).digest()


def _subject_hash(national_code: str | None) -> str:
    # Keyed: an investigator holding a national code can find its inquiries; the log alone
    # does not give the codes back (10-digit codes under a bare hash would be found at once).
    if not national_code:
        return ""
    secret = _subject_secret(settings.SECRET_KEY)
    return hmac.new(secret, national_code.encode(), hashlib.sha256).hexdigest()[:32]


def _answer(
    *,
    key: ApiKey,
    endpoint: str,
    purpose: str,
    result: str,
    reason_code: str,
    national_code: str | None,
    fields: dict[str, Any],
    status: int = 200,
) -> SignedAnswer:
    inquiry_id = uuid.uuid4()
    now = timezone.now()
    body = json.dumps(
        {
            **fields,
            "inquiry_id": str(inquiry_id),
            "answered_at": timezone.localtime(now).isoformat(timespec="seconds"),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()
    # Signed before it is logged: a row is only written for an answer that can be sent.
    signature = detached_signature(body)
    _log_write(
        [
            inquiry_id,
            now,
            key.partner_id,
            key.prefix,
            endpoint,
            purpose,
            result,
            "" if reason_code == "OK" else reason_code,
            _subject_hash(national_code),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    return SignedAnswer(body=body, signature=signature, status=status)


# In this order, the values _answer passes to _log_write.
_LOG_COLUMNS = (
    "inquiry_id",
    "at",
    "partner_id",
    "key_prefix",
    "endpoint",
    "purpose",
    "result",
    "reason_code",
    "subject_hash",
    "response_sha256",
)
# Every name is a column, so get_field gives a Field (never a reverse relation).
_LOG_FIELDS = [cast("Field[Any, Any]", InquiryLog._meta.get_field(name)) for name in _LOG_COLUMNS]
if {f.attname for f in _LOG_FIELDS} != {
    f.attname for f in InquiryLog._meta.concrete_fields if not f.primary_key
}:  # pragma: no cover - a new log column must be written by _answer too
    raise RuntimeError("InquiryLog has a column _answer does not write")


@lru_cache(maxsize=4)
def _log_insert_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    # A concrete field always has a column; the stubs allow None for those that have none.
    columns = ", ".join(q(f.column) for f in _LOG_FIELDS)  # type: ignore[arg-type]
    marks = ", ".join(["%s"] * len(_LOG_FIELDS))
    return f"INSERT INTO {q(InquiryLog._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608


def _log_write(values: list[Any]) -> None:
    """One plain INSERT into the inquiry log, no lock, no read, committed synchronously.

    Written out because the ORM's save() costs more to prepare than the insert itself. On
    PostgreSQL psycopg adapts every value as it is (uuid, aware datetime, text); elsewhere
    each value is prepared by its model field, exactly as save() would.
    """
    if connection.vendor != "postgresql":
        prepared = zip(_LOG_FIELDS, values, strict=True)
        values = [field.get_db_prep_save(value, connection) for field, value in prepared]
    with hot_cursor() as cursor:
        cursor.execute(_log_insert_sql(connection.vendor), values)


def _shown(key: ApiKey, attribute: str, value: Any) -> Any:
    return value if selectors.shows(key, attribute) else None


def card_inquire(
    *, key: ApiKey, national_code: str, card_serial: str, purpose: str
) -> SignedAnswer:
    """Is this smart card valid today (active, in validity under policy, not suspended)?

    Without a replica the card is read by the counting statement itself: two round trips to
    the database per inquiry (count and read, then log) instead of three.
    """
    read = selectors.card_read(card_serial)
    if read is not None and not selectors.reads_from_replica():
        row = _admit(key, "card", read=read)
    else:
        _admit(key, "card")
        row = selectors.card_row(read) if read is not None else None
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
    standing = selectors.card_standing_of(row, national_code=code, today=timezone.localdate())
    result = "valid" if standing.valid else "invalid"
    return _answer(
        key=key,
        endpoint="card",
        purpose=purpose,
        result=result,
        reason_code=standing.reason_code,
        national_code=code,
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
        fields={"match": match},
    )


def paper_card_inquire(
    *, key: ApiKey, national_code: str, card_number: str, purpose: str
) -> SignedAnswer:
    """Is this old paper national card still accepted under the cut-off policy?"""
    _admit(key, "paper_card")
    purpose = _purpose(purpose)
    code = parse_national_code(national_code)
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
        fields={
            "result": result,
            "accepted_until": _shown(key, "accepted_until", answer.accepted_until),
            "reason_code": answer.reason_code,
        },
    )


# --- Card authentication ---------------------------------------------------------------------


def _challenge_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def challenge_create(*, key: ApiKey) -> tuple[str, dt.datetime]:
    """A fresh one-time challenge (32 random bytes, base64url) for this partner."""
    _admit(key, "card_auth")
    raw = secrets.token_bytes(32)
    now = timezone.now()
    expires_at = now + dt.timedelta(seconds=conf("INQUIRY_CHALLENGE_SECONDS"))
    CardChallenge.objects.create(
        challenge_hash=_challenge_hash(raw),
        partner_id=key.partner_id,
        created_at=now,
        expires_at=expires_at,
    )
    return b64url(raw), expires_at


def _challenge_bytes(text: str) -> bytes:
    try:
        raw = b64url_decode((text or "").strip())
    except (ValueError, TypeError):
        raise InquiryProblem("CHALLENGE_UNKNOWN") from None
    if len(raw) != 32:
        raise InquiryProblem("CHALLENGE_UNKNOWN")
    return raw


def challenge_consume(*, key: ApiKey, challenge: str) -> bytes:
    """Use up a challenge issued to this partner: once, and before it expires."""
    raw = _challenge_bytes(challenge)
    now = timezone.now()
    digest = _challenge_hash(raw)
    used = CardChallenge.objects.filter(
        challenge_hash=digest,
        partner_id=key.partner_id,
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if used:
        return raw
    row = (
        CardChallenge.objects.filter(challenge_hash=digest, partner_id=key.partner_id)
        .values_list("used_at", "expires_at")
        .first()
    )
    if row is None:
        raise InquiryProblem("CHALLENGE_UNKNOWN")
    if row[0] is not None:
        raise InquiryProblem("CHALLENGE_REPLAYED")
    raise InquiryProblem("CHALLENGE_EXPIRED")


def card_authenticate(
    *, key: ApiKey, challenge: str, certificate_pem: str, signature: str
) -> SignedAnswer:
    """Verify a card's signature over our challenge: chain, validity, revocation, card state.

    A refusal is a signed problem+json (403) that still carries authenticated: false and the
    reason_code, so the partner can prove what it was told either way.
    """
    _admit(key, "card_auth")
    certificate = cardauth.parse_certificate(certificate_pem)
    signature_der = cardauth.parse_signature(signature)
    raw = challenge_consume(key=key, challenge=challenge)
    now = timezone.now()
    check = cardauth.certificate_check(
        certificate, challenge=raw, signature_der=signature_der, now=now
    )
    reason, holder = check.reason_code, None
    if reason == "OK":
        standing, holder = selectors.card_standing_by_csn(
            csn=check.csn, today=timezone.localdate(now)
        )
        reason = standing.reason_code if not standing.valid else "OK"
    if reason == "OK":
        return _answer(
            key=key,
            endpoint="card_auth",
            purpose="CARD_AUTH",
            result="authenticated",
            reason_code="OK",
            national_code=holder,
            fields={
                "authenticated": True,
                "national_code": _shown(key, "national_code", holder),
                "reason_code": "OK",
            },
        )
    failure = CardAuthFailed(reason)
    problem = failure.as_problem()
    problem["instance"] = "/api/v1/auth/card/verify"
    return _answer(
        key=key,
        endpoint="card_auth",
        purpose="CARD_AUTH",
        result="refused",
        reason_code=reason,
        national_code=None,
        fields=problem,
        status=failure.status,
    )


def challenges_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete challenges expired more than `older_than` ago (set-based)."""
    deleted, _ = CardChallenge.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted


# --- Sealing the log -------------------------------------------------------------------------

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
