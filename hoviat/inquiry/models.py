"""Relying parties (banks, agencies), their API keys, counters, challenges, the inquiry log
and the key that signs every answer."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hoviat.inquiry.reasons import reason_fa


class Partner(models.Model):
    """A relying party: what it may ask (scopes), what it may see (attributes), how often."""

    name = models.CharField("نام سازمان", max_length=200, unique=True)
    scopes = models.JSONField("دامنه‌های مجاز", default=list, blank=True)
    attributes = models.JSONField("ویژگی‌های قابل مشاهده", default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField("سقف درخواست در دقیقه (هر کلید)")
    daily_quota = models.PositiveIntegerField("سهمیه روزانه (هر کلید)")
    # CIDR blocks, e.g. ["10.20.0.0/16", "2001:db8::/32"]; empty: any source address.
    allowed_networks = models.JSONField("شبکه‌های مجاز", default=list, blank=True)
    is_active = models.BooleanField("فعال", default=True)
    created_at = models.DateTimeField("ایجاد", default=timezone.now)

    class Meta:
        verbose_name = "سازمان استعلام‌کننده"
        verbose_name_plural = "سازمان‌های استعلام‌کننده"

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """One key of a partner. The secret is shown once; only its SHA-256 is kept.

    A key reads `hv1.<prefix>.<secret>`: the prefix finds the row through a unique index, the
    hash of the whole key is compared in constant time.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="keys")
    prefix = models.CharField("پیشوند", max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    label = models.CharField("برچسب", max_length=100, blank=True)
    created_at = models.DateTimeField("ایجاد", default=timezone.now)
    expires_at = models.DateTimeField("پایان اعتبار", null=True, blank=True)
    revoked_at = models.DateTimeField("ابطال", null=True, blank=True)
    revoked_reason = models.CharField("دلیل ابطال", max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        verbose_name = "کلید API"
        verbose_name_plural = "کلیدهای API"

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.prefix}"

    def state_at(self, moment) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "expired"
        return "active"


class KeyUsage(models.Model):
    """Per-key counters: this minute's requests and today's (Tehran) requests.

    One row per key, moved by a single conditional UPDATE per request (see usage.py), so every
    web process on every machine sees one count, and the count costs one statement.
    """

    key = models.OneToOneField(ApiKey, primary_key=True, on_delete=models.CASCADE)
    minute = models.BigIntegerField(default=0)  # minutes since the epoch
    minute_count = models.PositiveIntegerField(default=0)
    day = models.DateField(null=True)
    day_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"usage of {self.key_id}"


class SubjectCounter(models.Model):
    """A fixed-window counter about a subject (a hashed national code), across all partners."""

    key = models.CharField(max_length=80, unique=True)
    window = models.BigIntegerField()  # window number since the epoch
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class CardChallenge(models.Model):
    """A one-time challenge for card authentication, bound to the partner that asked."""

    challenge_hash = models.CharField(max_length=64, unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"challenge {self.pk}"


class InquiryLog(models.Model):
    """One inquiry, append-only: who asked, why, what we answered. No personal data beyond
    the answer: the national code is kept only as a keyed hash (findable by an investigator
    who already has the code), and `response_sha256` ties the row to the signed answer the
    partner holds. Batches are sealed into the audit hash chain (LogSeal)."""

    id = models.BigAutoField(primary_key=True)
    inquiry_id = models.UUIDField(unique=True)
    at = models.DateTimeField(db_index=True)
    # No index of its own: the (partner, at) index below leads with it. One index fewer to
    # update for every answer (inserts of 16 rows took 0.64 ms instead of 0.68 in pgbench).
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+", db_index=False)
    key_prefix = models.CharField(max_length=16)
    endpoint = models.CharField(max_length=16)
    purpose = models.CharField(max_length=32)
    result = models.CharField(max_length=16)
    reason_code = models.CharField(max_length=32, blank=True)
    subject_hash = models.CharField(max_length=32, blank=True)
    response_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "استعلام"
        verbose_name_plural = "دفتر استعلام‌ها"
        indexes = [
            models.Index(fields=["partner", "at"]),
            # A holder's own history (selfservice): newest first, paged by (at, id).
            models.Index(
                fields=["subject_hash", "-at", "-id"],
                name="inquiry_log_subject_at",
                condition=~Q(subject_hash=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.result} {self.at:%Y-%m-%d %H:%M}"

    @property
    def reason_fa(self) -> str:
        return reason_fa(self.reason_code)


class LogSeal(models.Model):
    """A batch of the inquiry log (ids first_id..last_id) chained into the audit log."""

    first_id = models.BigIntegerField(unique=True)
    last_id = models.BigIntegerField(unique=True)
    count = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    audit_entry_id = models.BigIntegerField()

    class Meta:
        ordering = ["first_id"]
        verbose_name = "مهر دفتر استعلام"
        verbose_name_plural = "مهرهای دفتر استعلام"
        constraints = [
            models.CheckConstraint(
                condition=Q(last_id__gte=F("first_id")), name="inquiry_seal_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"seal {self.first_id}..{self.last_id}"


class InquirySigningKey(models.Model):
    """The ECDSA P-256 key that signs inquiry answers (detached JWS); published at
    /inquiry/keys while it, or answers it signed, may still be checked."""

    kid = models.CharField("شناسه کلید", max_length=16, unique=True)
    public_key_pem = models.TextField("کلید عمومی (PEM)")
    # PKCS#8 encrypted with the PKI passphrase, like the receipt-signing keys.
    private_key_pem = models.TextField(editable=False)
    created_at = models.DateTimeField("ایجاد", default=timezone.now)
    active_from = models.DateTimeField("آغاز امضا")
    signs_until = models.DateTimeField("پایان امضا")
    retired_at = models.DateTimeField("کنار گذاشته شده", null=True, blank=True)
    retired_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-active_from", "-id"]
        verbose_name = "کلید امضای پاسخ استعلام"
        verbose_name_plural = "کلیدهای امضای پاسخ استعلام"

    def __str__(self) -> str:
        return self.kid


# --- The holder's own lock on remote use of their card and receipt ---------------------------

# What a holder may lock: "all" or any of these endpoints (paper_card only under "all").
LOCK_KINDS = ("card", "receipt", "identity", "card_auth")


class HolderLock(models.Model):
    """A holder's lock, one row per subject (the keyed hash of the national code, as in the
    log). Locked at a moment when `kinds` is not empty, `locked_until` has not passed (null:
    for good) and no temporary unlock (`paused_until`) is running. An unlock for good empties
    `kinds` and keeps the row, so every process's cache learns of it (see locks.py).

    `generation` comes from HolderLockClock, taken under its row lock in the same transaction:
    generations therefore become visible in order, and a process that has read up to n reads
    every later change with `generation > n`."""

    subject_hash = models.CharField(max_length=32, unique=True)
    kinds = models.JSONField(default=list)
    locked_until = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    generation = models.BigIntegerField(db_index=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "قفل دارنده"
        verbose_name_plural = "قفل‌های دارندگان"

    def __str__(self) -> str:
        return f"lock {self.subject_hash[:8]} {','.join(self.kinds) or '-'}"


class HolderLockClock(models.Model):
    """One row: the generation of the newest lock change (see HolderLock)."""

    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"lock generation {self.generation}"


class HolderLockEvent(models.Model):
    """Every lock and unlock, append-only, for the holder's own history."""

    class Action(models.TextChoices):
        LOCK = "lock", "قفل"
        UNLOCK = "unlock", "بازکردن"

    subject_hash = models.CharField(max_length=32)
    at = models.DateTimeField()
    action = models.CharField(max_length=8, choices=Action.choices)
    kinds = models.JSONField(default=list)
    minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["subject_hash", "at"], name="inquiry_lockevent_subject")]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_hash[:8]} {self.at:%Y-%m-%d %H:%M}"


class HolderDigest(models.Model):
    """A holder's opt-in to a monthly SMS summary of the inquiries about them."""

    subject_hash = models.CharField(max_length=32, unique=True)
    mobile = models.CharField(max_length=11)
    opted_in_at = models.DateTimeField()
    # The first day of the last month summarised (Tehran), so one SMS per month at most.
    last_month = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"digest {self.subject_hash[:8]}"
