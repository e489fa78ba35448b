from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "مدیر ملی"
    PROVINCIAL_DIRECTOR = "provincial_director", "مدیرکل استان"
    OFFICE_OPERATOR = "office_operator", "کارگزار دفتر"
    PRODUCTION_OPERATOR = "production_operator", "کارشناس تولید"


class User(AbstractUser):
    """A member of staff. Citizens and relying parties are not users: they sign in otherwise."""

    role = models.CharField("نقش", max_length=32, choices=Role.choices)
    province = models.ForeignKey(
        "places.Province",
        verbose_name="استان",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    office = models.ForeignKey(
        "offices.Office",
        verbose_name="دفتر",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        verbose_name = "کاربر"
        verbose_name_plural = "کاربران"
        constraints = [
            # A director is nothing without a province, an operator nothing without an office.
            models.CheckConstraint(
                name="director_has_province",
                condition=~Q(role="provincial_director") | Q(province__isnull=False),
            ),
            models.CheckConstraint(
                name="operator_has_office",
                condition=~Q(role="office_operator") | Q(office__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class AuditEntry(models.Model):
    """One append-only row of the audit log.

    A writer only inserts it (no lock shared with other writers); the sequencer later gives it
    the next leaf number and its RFC 9162 leaf hash (`hoviat.core.audit_tree`).
    """

    at = models.DateTimeField("زمان", db_index=True)
    actor_kind = models.CharField(max_length=16)  # user, citizen, partner, system
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    leaf_index = models.BigIntegerField(null=True, blank=True, unique=True)
    leaf_hash = models.CharField(max_length=64, blank=True)  # hex; empty until sequenced

    class Meta:
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"
        ordering = ["id"]  # insertion order; the log's own order is leaf_index
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The sequencer's queue: only rows still waiting for a leaf number.
            models.Index(
                fields=["id"], name="audit_unsequenced", condition=Q(leaf_index__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class AuditTree(models.Model):
    """The sequenced tree's state: its size, root and right edge (the roots of its perfect
    subtrees, largest first, hex). Only the sequencer locks this one row; writers never do."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    root = models.CharField(max_length=64)
    frontier = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"audit tree of {self.size} leaves"


class AuditNode(models.Model):
    """The hash of a complete, aligned subtree of 2**level leaves (levels 8, 16, 24, 32): with
    these a proof reads at most a few hundred leaf hashes, whatever the tree's size."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="audit_node_unique")]

    def __str__(self) -> str:
        return f"audit node {self.level}/{self.index}"


class AuditCheckpoint(models.Model):
    """A signed tree head: the note in C2SP checkpoint format, as also written to the witness
    directory outside the database."""

    size = models.BigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    at = models.DateTimeField()
    note = models.TextField()

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class StaffToken(models.Model):
    """A bearer token for staff API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "توکن کارکنان"
        verbose_name_plural = "توکن‌های کارکنان"

    def __str__(self) -> str:
        return f"token of {self.user_id}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an Idempotency-Key, replayed on a retry."""

    principal = models.CharField(max_length=64)  # hash of who asked (token, key or address)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)  # hash of method, path and body
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)  # KEPT_HEADERS of the first answer
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"


class RateBucket(models.Model):
    """A fixed-window counter shared by every process (the database, not process memory)."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
