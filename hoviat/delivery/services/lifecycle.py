"""Delivery services: the card after production's hands. Lost and stolen cards, found cards,
uncollected cards voided and destroyed, expiry, and new cards made from biometrics already
captured (a lost card's replacement, a re-issue of a voided one).

A new card from kept biometrics: the application is opened with an Enrolment row that reuses
the earlier visit's face and finger references (`reused_from`). It waits for its fee like any
application; once paid, `application_release_prepared` moves it from `paid` to `enrolled`,
i.e. into the production queue, with no appointment. Without current biometrics the
application is an ordinary one: after payment the citizen books a visit.

Certificates follow the card at once (OCSP reads the rows; the CRL is signed again after
commit, once per sweep for voids): lost → certificateHold, found → off hold, stolen →
keyCompromise, voided → cessationOfOperation.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hoviat.applications.models import Application, ApplicationKind, ApplicationStatus
from hoviat.applications.services import ApplicationAlreadyOpen, application_open_for_card, fee_for
from hoviat.core.audit import Actor, audit_many, audit_record
from hoviat.core.bulk import rows_insert
from hoviat.core.errors import Conflict, InvalidTransition, ValidationFailed
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.core.text import persian_digits
from hoviat.core.transitions import transition
from hoviat.delivery.conf import conf
from hoviat.delivery.models import (
    Collection,
    Destruction,
    LossChannel,
    LossKind,
    LossReport,
    ValidityExtension,
)
from hoviat.delivery.selectors.cards import (
    CardNotYours,
    access_card_for_citizen,
    access_card_for_office,
    biometrics_reusable,
    earlier_losses_of,
)
from hoviat.enrolment.models import Enrolment, EnrolmentStatus
from hoviat.notifications.models import SmsMessage
from hoviat.notifications.services import sms_queue
from hoviat.production.models import Card, CardStatus

__all__ = [
    "CardNotReissuable",
    "CardNotReportable",
    "FoundWindowPassed",
    "LossOutcome",
    "NotRestorable",
    "ReissueOutcome",
    "ReplacementAlreadyProduced",
    "SweepSummary",
    "VoidResult",
    "application_paid_receiver",
    "application_release_prepared",
    "applications_release_prepared",
    "card_reissue_request",
    "card_report_loss",
    "card_restore_found",
    "cards_destroy_voided",
    "cards_expire",
    "collections_void_overdue",
    "delivery_sweep",
]

logger = logging.getLogger(__name__)

CARD = "production.card"
APPLICATION = "applications.application"
CHUNK = 5000
REFUSALS_PER_HOUR = 10
PRODUCED_OR_LATER = frozenset({"in_production", "produced", "shipped", "ready_at_office"})


class CardNotReportable(Conflict):
    code = "CARD_NOT_REPORTABLE"
    default_detail = "فقط کارت فعال را می‌توان مفقود یا سرقت‌شده اعلام کرد."


class NotRestorable(Conflict):
    code = "CARD_NOT_RESTORABLE"
    default_detail = "این کارت مفقود اعلام نشده است و نیازی به بازگرداندن ندارد."


class FoundWindowPassed(Conflict):
    code = "FOUND_WINDOW_PASSED"
    default_detail = "مهلت بازگرداندن کارت پیداشده گذشته است؛ کارت جایگزین صادر می‌شود."


class ReplacementAlreadyProduced(Conflict):
    code = "REPLACEMENT_ALREADY_PRODUCED"
    default_detail = (
        "کارت جایگزین این کارت تولید شده است؛ کارت پیداشده را نمی‌توان دوباره فعال کرد. "
        "کارت پیداشده را برای امحا تحویل بگیرید."
    )


class CardNotReissuable(Conflict):
    code = "CARD_NOT_REISSUABLE"
    default_detail = (
        "صدور دوباره فقط برای کارتی ممکن است که به دلیل تحویل‌نگرفتن در مهلت باطل شده باشد."
    )


def _citizen_actor(mobile: str) -> Actor:
    return Actor("citizen", mobile[-4:], "citizen")


# --- The audit chain, many rows at once --------------------------------------------------------


def _update_ids(
    model,
    ids: list[int],
    assignments: str,
    params: list[Any],
    *,
    column: str = "id",
    where: str = "",
    where_params: list[Any] | None = None,
) -> int:
    """UPDATE … WHERE column IN (ids) AND where: the ids are integers read from the database,
    written into the statement; the ORM spends more binding 5,000 of them than SQL runs."""
    if not ids:
        return 0
    in_list = ",".join(str(int(i)) for i in ids)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} "  # noqa: S608 (names from code, ids are ints)
    sql += f"WHERE {column} IN ({in_list})" + (f" AND {where}" if where else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(where_params or [])])
        return cursor.rowcount


def _audit_bulk(
    rows: list[tuple[str, dict[str, Any]]],
    *,
    actor: Any,
    action: str,
    object_type: str,
    from_state: str,
    to_state: str,
    reason: str = "",
) -> int:
    """One chained audit row per (object_id, data), all with the same change."""
    common = {
        "action": action,
        "object_type": object_type,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
    }
    return audit_many(
        actor=actor,
        rows=[{**common, "object_id": object_id, "data": data} for object_id, data in rows],
    )


SMS_COLUMNS = [
    "to",
    "body",
    "kind",
    "status",
    "attempts",
    "next_attempt_at",
    "provider_message_id",
    "last_error",
    "object_type",
    "object_id",
    "created_at",
]


# --- New cards from kept biometrics -------------------------------------------------------------


def _enrolment_prepare(*, application: Application, source: Enrolment, office_id: int) -> Enrolment:
    """An enrolment row for `application` reusing `source`'s biometric references."""
    now = timezone.now()
    enrolment = Enrolment.objects.create(
        application=application,
        office_id=office_id,
        # The operator who captured the biometrics this card will carry.
        operator_id=source.operator_id,
        status=EnrolmentStatus.COMPLETED,
        started_at=now,
        completed_at=now,
        shenasnameh_original=source.shenasnameh_original,
        old_card_surrendered=source.old_card_surrendered,
        form_confirmed=source.form_confirmed,
        face_sha256=source.face_sha256,
        fingerprints=source.fingerprints,
        reused_from=source,
    )
    audit_record(
        actor=None,
        action="enrolment.reused",
        obj=enrolment,
        to_state=EnrolmentStatus.COMPLETED,
        reason="زیست‌سنجی ثبت‌شده در مهلت نگهداری است؛ مراجعه حضوری لازم نیست",
        data={"application": application.tracking_code, "reused_from": source.pk},
    )
    return enrolment


def application_release_prepared(*, application_id: int, actor: Any = None) -> bool:
    """A paid application whose enrolment reuses kept biometrics joins the production queue."""
    if not Enrolment.objects.filter(
        application_id=application_id,
        reused_from__isnull=False,
        status=EnrolmentStatus.COMPLETED,
    ).exists():
        return False
    try:
        with transaction.atomic():
            application = transition(
                Application,
                pk=application_id,
                to=ApplicationStatus.ENROLLED,
                allowed_from={ApplicationStatus.PAID},
                actor=actor,
                reason="زیست‌سنجی پیشین به کار رفت؛ بدون نوبت به صف تولید رفت",
                updates={"enrolled_at": timezone.now()},
            )
            sms_queue(
                to=application.mobile,
                kind="replacement_queued",
                related=application,
                body=(
                    "هویت: هزینه دریافت شد و کارت شما بدون نیاز به مراجعه حضوری در صف تولید "
                    f"قرار گرفت. کد رهگیری: {persian_digits(application.tracking_code)}."
                ),
            )
    except InvalidTransition:
        return False  # not paid yet, or released by another worker
    return True


def applications_release_prepared(*, limit: int = 1000, actor: Any = None) -> int:
    """Every paid application with a prepared enrolment, into the production queue."""
    ids = list(
        Application.objects.filter(
            status=ApplicationStatus.PAID,
            enrolment__reused_from__isnull=False,
            enrolment__status=EnrolmentStatus.COMPLETED,
        )
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(application_release_prepared(application_id=pk, actor=actor) for pk in ids)


def application_paid_receiver(sender, instance: Application, **kwargs) -> None:
    """post_save of Application: once paid, a prepared application is released after commit
    (connected in DeliveryConfig.ready; without it the sweep releases within a minute)."""
    if instance.status == ApplicationStatus.PAID:
        from hoviat.delivery.tasks import application_release_task

        pk = instance.pk
        transaction.on_commit(lambda: application_release_task(pk))


def _open_next_card(
    *, card: Card, kind: str, fee_rials: int, mobile: str, actor: Any, reason: str, office_id: int
) -> tuple[Application | None, bool]:
    """The application for the card that follows `card`; (None, False) if one is open (or
    its holder has died: the card is stopped, no new one is made)."""
    if not card.application.citizen.is_alive:
        return None, False
    source = biometrics_reusable(card=card)
    try:
        application = application_open_for_card(
            citizen=card.application.citizen,
            kind=kind,
            mobile=mobile,
            fee_rials=fee_rials,
            actor=actor,
            reason=reason,
        )
    except ApplicationAlreadyOpen:
        return None, False
    if source is not None:
        _enrolment_prepare(application=application, source=source, office_id=office_id)
    return application, source is not None


# --- Lost and stolen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LossOutcome:
    report: LossReport
    card: Card
    replacement: Application | None
    biometrics_current: bool
    certificates: int  # put on hold (lost) or revoked (stolen)


def _refused(
    *, actor: Any, action: str, csn: str, reason: str, data: dict[str, Any], subject: str
) -> None:
    """Keep the refusal (its own transaction: the request fails) and count it: whoever keeps
    trying serials that are not theirs is stopped for a while (429)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            object_type=CARD,
            object_id=(csn or "").strip()[:16],
            reason=reason,
            data=data,
        )
    rate_limit_hit(
        scope="card-refused", subject=subject, limit=REFUSALS_PER_HOUR, window=dt.timedelta(hours=1)
    )


def card_report_loss(
    *,
    csn: str,
    kind: str,
    actor: Any,
    channel: str,
    mobile: str = "",
    national_code: str = "",
) -> LossOutcome:
    """Report a card lost (suspended) or stolen (revoked with its certificates) and open its
    replacement, whose fee grows with the holder's earlier losses."""
    if kind not in LossKind.values:
        raise ValidationFailed("نوع گزارش باید «مفقود» یا «سرقت» باشد.", code="LOSS_KIND_INVALID")
    if channel not in LossChannel.values:
        raise ValidationFailed("مسیر گزارش نامعتبر است.", code="LOSS_CHANNEL_INVALID")
    who = _citizen_actor(mobile) if channel == LossChannel.CITIZEN else actor
    try:
        if channel == LossChannel.CITIZEN:
            card = access_card_for_citizen(mobile=mobile, csn=csn)
        else:
            card = access_card_for_office(user=actor, csn=csn, national_code=national_code)
    except CardNotYours:
        _refused(
            actor=who,
            action="card.loss_report_refused",
            csn=csn,
            reason="not_the_holder",
            data={"channel": channel, "kind": kind},
            subject=mobile if channel == LossChannel.CITIZEN else f"user:{actor.pk}",
        )
        raise
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        report = (
            LossReport.objects.select_for_update()
            .filter(card=locked, found_at__isnull=True)
            .first()
        )
        upgrade = (
            locked.status == CardStatus.SUSPENDED
            and report is not None
            and report.kind == LossKind.LOST
            and kind == LossKind.STOLEN
        )
        if locked.status != CardStatus.ACTIVE and not upgrade:
            details: dict[str, str] = {
                CardStatus.SUSPENDED: "این کارت پیش‌تر مفقود اعلام و معلق شده است.",
                CardStatus.REVOKED: "این کارت پیش‌تر ابطال شده است.",
                CardStatus.AT_OFFICE: "این کارت هنوز تحویل داده نشده و در دفتر است.",
            }
            detail = details.get(locked.status, CardNotReportable.default_detail)
            raise CardNotReportable(detail, extra={"card_status": locked.status})
        to = CardStatus.SUSPENDED if kind == LossKind.LOST else CardStatus.REVOKED
        reason = f"{kind}: {'گزارش مفقودی' if kind == LossKind.LOST else 'گزارش سرقت'}"
        transition(
            Card, pk=locked.pk, to=to, actor=who, reason=reason, audit_data={"csn": locked.csn}
        )
        now = timezone.now()
        if report is None:
            report = LossReport.objects.create(
                card=locked,
                kind=kind,
                channel=channel,
                reported_at=now,
                reported_by=actor if channel == LossChannel.OFFICE else None,
                reporter_mobile=mobile if channel == LossChannel.CITIZEN else "",
            )
        else:
            report.kind = LossKind.STOLEN
            report.save(update_fields=["kind"])
        from hoviat.pki import services as pki

        # At once: OCSP reads these rows; the CRL is signed again after commit. A lost card's
        # certificates are on hold (certificateHold), a stolen one's revoked (keyCompromise).
        if kind == LossKind.STOLEN:
            certificates = pki.card_certificates_revoke_held(
                csn=locked.csn, reason="stolen — گزارش سرقت", actor=who
            )
        else:
            certificates = pki.card_certificates_hold(
                csn=locked.csn, reason="— گزارش مفقودی", actor=who
            )
        replacement, current = None, False
        if report.replacement_id is None:
            holder = card.application
            replacement, current = _open_next_card(
                card=card,
                kind=ApplicationKind.REPLACEMENT,
                fee_rials=fee_for(
                    kind=ApplicationKind.REPLACEMENT,
                    earlier_losses=earlier_losses_of(
                        citizen_id=holder.citizen_id, excluding=report.pk
                    ),
                ),
                mobile=mobile or holder.mobile,
                actor=who,
                reason=f"جایگزین کارت {kind} {locked.csn}",
                office_id=actor.office_id if channel == LossChannel.OFFICE else locked.office_id,
            )
            if replacement is not None:
                report.replacement = replacement
                report.save(update_fields=["replacement"])
        else:
            replacement = report.replacement
            current = Enrolment.objects.filter(
                application=replacement, reused_from__isnull=False
            ).exists()
        audit_record(
            actor=who,
            action=f"card.reported_{kind}",
            obj=report,
            to_state=kind,
            data={
                "csn": locked.csn,
                "channel": channel,
                "replacement": replacement.tracking_code if replacement else None,
                "fee_rials": replacement.fee_rials if replacement else None,
                "biometrics_current": current,
            },
        )
        _sms_loss(card=locked, kind=kind, replacement=replacement, current=current, mobile=mobile)
    locked.refresh_from_db()
    return LossOutcome(report, locked, replacement, current, certificates)


def _sms_loss(
    *, card: Card, kind: str, replacement: Application | None, current: bool, mobile: str
) -> None:
    what = "مفقود و معلق" if kind == LossKind.LOST else "سرقت‌شده و ابطال"
    body = f"هویت: کارت ملی هوشمند شما با شماره سریال {card.csn} {what} شد."
    if replacement is not None:
        fee = persian_digits(f"{replacement.fee_rials:,}".replace(",", "٬"))
        next_step = (
            "پس از پرداخت، بدون مراجعه حضوری به صف تولید می‌رود."
            if current
            else "پس از پرداخت، برای ثبت‌نام حضوری نوبت بگیرید."
        )
        body += (
            f" درخواست کارت جایگزین با کد رهگیری {persian_digits(replacement.tracking_code)} "
            f"و هزینه {fee} ریال ثبت شد؛ {next_step}"
        )
    sms_queue(to=mobile or card.application.mobile, kind=f"card_{kind}", related=card, body=body)


def card_restore_found(*, csn: str, national_code: str, actor: Any) -> LossReport:
    """An office restores a lost (not stolen) card found within the window, unless its
    replacement is already made; a replacement not yet made is cancelled."""
    try:
        card = access_card_for_office(user=actor, csn=csn, national_code=national_code)
    except CardNotYours:
        _refused(
            actor=actor,
            action="card.restore_refused",
            csn=csn,
            reason="not_the_holder",
            data={"national_code_tail": (national_code or "")[-4:]},
            subject=f"user:{actor.pk}",
        )
        raise
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=card.pk)
        report = (
            LossReport.objects.select_for_update()
            .filter(card=locked, found_at__isnull=True)
            .first()
        )
        if report is None or locked.status != CardStatus.SUSPENDED:
            raise NotRestorable(extra={"card_status": locked.status})
        if report.kind == LossKind.STOLEN:
            raise NotRestorable(
                "کارت سرقت‌شده ابطال شده و گواهی‌های آن باطل است؛ بازگرداندن آن ممکن نیست.",
                extra={"card_status": locked.status},
            )
        window = dt.timedelta(days=conf("DELIVERY_FOUND_WINDOW_DAYS"))
        now = timezone.now()
        if now - report.reported_at > window:
            raise FoundWindowPassed(
                extra={"reported_at": report.reported_at.isoformat(), "window_days": window.days}
            )
        replacement = report.replacement
        refund_due = 0
        if replacement is not None:
            replacement = Application.objects.select_for_update().get(pk=replacement.pk)
            if replacement.status in PRODUCED_OR_LATER or replacement.status == "delivered":
                raise ReplacementAlreadyProduced(
                    extra={
                        "replacement": replacement.tracking_code,
                        "replacement_status": replacement.status,
                    }
                )
            if replacement.status not in ("cancelled", "expired", "rejected", "voided"):
                if replacement.status == ApplicationStatus.BOOKED:
                    from hoviat.booking.services import booking_release_for_application

                    booking_release_for_application(application=replacement, actor=actor)
                if replacement.paid_at is not None:
                    refund_due = replacement.fee_rials
                transition(
                    Application,
                    pk=replacement.pk,
                    to=ApplicationStatus.CANCELLED,
                    allowed_from={"pre_registered", "paid", "booked", "enrolled"},
                    actor=actor,
                    reason="کارت مفقود پیدا شد و بازگردانده شد",
                    updates={"closed_at": now},
                    audit_data={"refund_due_rials": refund_due},
                )
        from hoviat.pki.services import card_certificates_release

        card_certificates_release(csn=locked.csn, actor=actor)
        transition(
            Card,
            pk=locked.pk,
            to=CardStatus.ACTIVE,
            actor=actor,
            reason="کارت مفقود پیدا شد",
            audit_data={"csn": locked.csn, "loss_report": report.pk},
        )
        report.found_at = now
        report.found_by = actor
        report.save(update_fields=["found_at", "found_by"])
        audit_record(
            actor=actor,
            action="card.found",
            obj=report,
            to_state="found",
            data={"csn": locked.csn, "refund_due_rials": refund_due},
        )
        sms_queue(
            to=locked.application.mobile,
            kind="card_found",
            related=locked,
            body=(
                f"هویت: کارت ملی هوشمند شما با شماره سریال {locked.csn} پیدا شد و دوباره فعال "
                "است." + (" درخواست کارت جایگزین لغو شد." if replacement is not None else "")
            ),
        )
    return report


# --- Re-issue of a voided card ------------------------------------------------------------------


@dataclass(frozen=True)
class ReissueOutcome:
    application: Application
    biometrics_current: bool


def card_reissue_request(*, csn: str, mobile: str) -> ReissueOutcome:
    """The holder of a card voided for not being collected asks for it again; with kept
    biometrics no new visit is needed (the fee is still owed)."""
    actor = _citizen_actor(mobile)
    try:
        card = access_card_for_citizen(mobile=mobile, csn=csn)
    except CardNotYours:
        _refused(
            actor=actor,
            action="card.reissue_refused",
            csn=csn,
            reason="not_the_holder",
            data={},
            subject=mobile,
        )
        raise
    if (
        card.status not in (CardStatus.VOIDED, CardStatus.DESTROYED)
        or card.application.status != ApplicationStatus.VOIDED
    ):
        raise CardNotReissuable(extra={"card_status": card.status})
    with transaction.atomic():
        application, current = _open_next_card(
            card=card,
            # The person still has no card: a re-issue is the same kind, at the same fee.
            kind=card.application.kind,
            fee_rials=fee_for(kind=card.application.kind),
            mobile=mobile,
            actor=actor,
            reason=f"صدور دوباره کارت تحویل‌نشده {card.csn}",
            office_id=card.office_id,
        )
        if application is None:
            raise ApplicationAlreadyOpen()
        audit_record(
            actor=actor,
            action="card.reissue_requested",
            obj=card,
            data={
                "csn": card.csn,
                "application": application.tracking_code,
                "biometrics_current": current,
            },
        )
        fee = persian_digits(f"{application.fee_rials:,}".replace(",", "٬"))
        sms_queue(
            to=mobile,
            kind="card_reissue",
            related=application,
            body=(
                f"هویت: درخواست صدور دوباره کارت با کد رهگیری "
                f"{persian_digits(application.tracking_code)} ثبت شد. هزینه: {fee} ریال. "
                + (
                    "پس از پرداخت، بدون مراجعه حضوری به صف تولید می‌رود."
                    if current
                    else "پس از پرداخت، برای ثبت‌نام حضوری نوبت بگیرید."
                )
            ),
        )
    return ReissueOutcome(application, current)


# --- Sweeps: uncollected cards voided and destroyed, cards expired -----------------------------


def _lock(queryset):
    # PostgreSQL: rows another sweep holds are skipped, so two sweeps share the work. SQLite
    # has no row locks; its IMMEDIATE transactions run one writer at a time instead.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


@dataclass
class VoidResult:
    voided: int = 0
    certificates_revoked: int = 0
    issuers: set[int] = field(default_factory=set)


def collections_void_overdue(
    *, today: dt.date, chunk: int = CHUNK, limit: int | None = None, actor: Any = None
) -> VoidResult:
    """Void cards left at offices past their hold date: card and application voided, the
    certificates revoked, the holder told; chunk by chunk, each claimed under lock."""
    result = VoidResult()
    hold_days = conf("DELIVERY_HOLD_DAYS")
    # Collections whose card was not ours to void (held by a concurrent sweep, or not at the
    # office): not offered again in this run, so every round makes progress.
    passed: set[int] = set()
    while limit is None or result.voided < limit:
        size = chunk if limit is None else min(chunk, limit - result.voided)
        with transaction.atomic():
            # One table, so both databases read it through the partial index of open rows.
            due = Collection.objects.filter(
                hold_until__lt=today, collected_at__isnull=True, voided_at__isnull=True
            )
            if passed:
                due = due.exclude(pk__in=passed)
            offered = list(due.values_list("pk", "card_id")[:size])
            if not offered:
                break
            # By primary key only: with a status condition SQLite may walk the status index
            # of every card at an office. The status is checked here and again in the UPDATE.
            locked = _lock(Card.objects.filter(pk__in=[c for _, c in offered])).values_list(
                "pk",
                "csn",
                "application_id",
                "application__mobile",
                "application__tracking_code",
                "status",
            )
            rows = [r[:5] for r in locked if r[5] == CardStatus.AT_OFFICE]
            taken = {r[0] for r in rows}
            passed.update(pk for pk, card_id in offered if card_id not in taken)
            if not rows:
                continue
            ids = [r[0] for r in rows]
            now = timezone.now()
            stamp = connection.ops.adapt_datetimefield_value(now)
            claimed = _update_ids(
                Card,
                ids,
                "status = %s, updated_at = %s",
                [CardStatus.VOIDED, stamp],
                where="status = %s",
                where_params=[CardStatus.AT_OFFICE],
            )
            if claimed != len(ids):  # only where rows are not locked (never on PostgreSQL)
                mine = set(
                    Card.objects.filter(
                        pk__in=ids, updated_at=now, status=CardStatus.VOIDED
                    ).values_list("pk", flat=True)
                )
                rows = [r for r in rows if r[0] in mine]
                ids = [r[0] for r in rows]
            _update_ids(
                Collection,
                ids,
                "voided_at = %s",
                [stamp],
                column="card_id",
                where="collected_at IS NULL AND voided_at IS NULL",
            )
            _update_ids(
                Application,
                [r[2] for r in rows],
                "status = %s, closed_at = %s, updated_at = %s",
                [ApplicationStatus.VOIDED, stamp, stamp],
                where="status = %s",
                where_params=[ApplicationStatus.READY_AT_OFFICE],
            )
            reason = f"تحویل گرفته نشد در مهلت {hold_days} روزه"
            _audit_bulk(
                [(str(r[0]), {"csn": r[1]}) for r in rows],
                actor=actor,
                action="card.voided",
                object_type=CARD,
                from_state=CardStatus.AT_OFFICE,
                to_state=CardStatus.VOIDED,
                reason=reason,
            )
            _audit_bulk(
                [(str(r[2]), {"card": r[1]}) for r in rows],
                actor=actor,
                action="application.voided",
                object_type=APPLICATION,
                from_state=ApplicationStatus.READY_AT_OFFICE,
                to_state=ApplicationStatus.VOIDED,
                reason=reason,
            )
            from hoviat.pki.services import cards_certificates_revoke

            revoked, issuers = cards_certificates_revoke(
                csns=[r[1] for r in rows], reason="voided — تحویل‌نشده در مهلت", actor=actor
            )
            result.certificates_revoked += revoked
            result.issuers.update(issuers)
            # The outbox row commits with the change; the outbox sweep sends it.
            sms_at = connection.ops.adapt_datetimefield_value(now)
            rows_insert(
                SmsMessage,
                SMS_COLUMNS,
                [
                    (
                        r[3],
                        (
                            f"هویت: کارت ملی هوشمند شما (کد رهگیری {persian_digits(r[4])}) در "
                            f"مهلت {persian_digits(hold_days)} روزه تحویل گرفته نشد و باطل شد. "
                            "برای صدور دوباره به بخش «کارت‌های من» در سامانه مراجعه کنید."
                        ),
                        "card_voided",
                        "queued",
                        0,
                        sms_at,
                        "",
                        "",
                        CARD,
                        str(r[0]),
                        sms_at,
                    )
                    for r in rows
                ],
            )
            result.voided += len(rows)
    return result


def cards_destroy_voided(
    *, now: dt.datetime | None = None, chunk: int = CHUNK, actor: Any = None
) -> int:
    """Destroy card bodies voided DELIVERY_DESTROY_AFTER_DAYS ago, each with its record."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf("DELIVERY_DESTROY_AFTER_DAYS"))
    destroyed = 0
    while True:
        with transaction.atomic():
            rows = list(
                _lock(
                    Card.objects.filter(
                        status=CardStatus.VOIDED, collection__voided_at__lte=cutoff
                    ).exclude(Exists(Destruction.objects.filter(card_id=OuterRef("pk"))))
                ).values_list("pk", "csn")[:chunk]
            )
            if not rows:
                break
            ids = [pk for pk, _ in rows]
            Card.objects.filter(pk__in=ids, status=CardStatus.VOIDED).update(
                status=CardStatus.DESTROYED, updated_at=now
            )
            at = connection.ops.adapt_datetimefield_value(now)
            rows_insert(
                Destruction,
                ["card", "destroyed_at", "reason"],
                [(pk, at, "تحویل‌نشده در مهلت") for pk in ids],
            )
            _audit_bulk(
                [(str(pk), {"csn": csn}) for pk, csn in rows],
                actor=actor,
                action="card.destroyed",
                object_type=CARD,
                from_state=CardStatus.VOIDED,
                to_state=CardStatus.DESTROYED,
                reason="امحای بدنه کارت تحویل‌نشده",
            )
            destroyed += len(rows)
    return destroyed


def cards_expire(*, today: dt.date, chunk: int = CHUNK, actor: Any = None) -> int:
    """Active and suspended cards past their validity (extensions in force counted) expire."""
    extended = ValidityExtension.objects.filter(
        effective_from__lte=today,
        withdrawn_at__isnull=True,
        expiring_before__gt=OuterRef("expires_on"),
        valid_until__gte=today,
    )
    expired = 0
    while True:
        with transaction.atomic():
            rows = list(
                _lock(
                    Card.objects.filter(
                        status__in=(CardStatus.ACTIVE, CardStatus.SUSPENDED), expires_on__lt=today
                    ).exclude(Exists(extended))
                ).values_list("pk", "csn", "status", "expires_on")[:chunk]
            )
            if not rows:
                break
            now = timezone.now()
            for status in (CardStatus.ACTIVE, CardStatus.SUSPENDED):
                group = [r for r in rows if r[2] == status]
                if not group:
                    continue
                Card.objects.filter(pk__in=[r[0] for r in group], status=status).update(
                    status=CardStatus.EXPIRED, updated_at=now
                )
                _audit_bulk(
                    [(str(r[0]), {"csn": r[1], "expires_on": r[3].isoformat()}) for r in group],
                    actor=actor,
                    action="card.expired",
                    object_type=CARD,
                    from_state=status,
                    to_state=CardStatus.EXPIRED,
                    reason="پایان اعتبار کارت",
                )
            expired += len(rows)
    return expired


@dataclass(frozen=True)
class SweepSummary:
    reminders: int
    voided: int
    certificates_revoked: int
    destroyed: int
    expired: int
    released: int

    def __str__(self) -> str:
        return (
            f"voided: {self.voided} (certificates revoked: {self.certificates_revoked}), "
            f"reminders: {self.reminders}, "
            f"destroyed: {self.destroyed}, expired: {self.expired}, "
            f"replacements to production: {self.released}"
        )


def delivery_sweep(*, today: dt.date | None = None, actor: Any = None) -> SweepSummary:
    """Voids (one CRL per sweep), reminders, destructions, expiries, prepared replacements."""
    from hoviat.delivery.services.notices import collection_reminders_send

    today = today or timezone.localdate()
    # Voids first: a card voided today gets its voiding SMS, not a reminder to come for it.
    voids = collections_void_overdue(today=today, actor=actor)
    if voids.issuers:
        from hoviat.pki.services import crl_publish

        for issuer_id in sorted(voids.issuers):
            crl_publish(issuer_id=issuer_id)
    reminders = collection_reminders_send(today=today, limit=CHUNK * 20)
    destroyed = cards_destroy_voided(actor=actor)
    expired = cards_expire(today=today, actor=actor)
    released = applications_release_prepared(actor=actor)
    return SweepSummary(
        reminders=reminders,
        voided=voids.voided,
        certificates_revoked=voids.certificates_revoked,
        destroyed=destroyed,
        expired=expired,
        released=released,
    )
