"""Relying parties and their API keys: registered, changed, issued, rotated and revoked,
each audited."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from hoviat.core.audit import audit_record
from hoviat.core.errors import Conflict, NotFound, ValidationFailed
from hoviat.inquiry import selectors
from hoviat.inquiry.conf import conf
from hoviat.inquiry.models import ApiKey, KeyUsage, Partner
from hoviat.inquiry.reasons import ATTRIBUTES, SCOPES

__all__ = [
    "api_key_create",
    "api_key_revoke",
    "api_key_rotate",
    "partner_create",
    "partner_update",
]


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
