"""Writes of payments: start a payment, take the bank's answer, give up on abandoned ones."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from hoviat.applications.models import FEE_PAID_STATUSES, Application, ApplicationStatus
from hoviat.applications.services import application_status_change, fee_for
from hoviat.booking.models import Booking
from hoviat.booking.services import booking_confirm_for_payment
from hoviat.core.audit import Actor, audit_record
from hoviat.core.errors import Conflict, DomainError, InvalidTransition
from hoviat.core.transitions import transition, transition_many
from hoviat.notifications.services import sms_queue
from hoviat.payments.gateways import PaymentGateway, get_gateway
from hoviat.payments.models import Payment, PaymentStatus

logger = logging.getLogger(__name__)

FINAL_PAYMENT_STATUSES = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REFUND_DUE}
)


class PaymentNotNeeded(Conflict):
    code = "PAYMENT_NOT_NEEDED"
    default_detail = "هزینه این درخواست پیش‌تر پرداخت شده است."


class PaymentSignatureInvalid(DomainError):
    code = "PAYMENT_SIGNATURE_INVALID"
    status = 400
    title = "Payment result not confirmed"
    # One answer for a forged signature and an unknown authority: no probing for payments.
    default_detail = (
        "نتیجه پرداخت قابل تأیید نیست و در پرونده شما ثبت نشد. اگر مبلغی از حساب "
        "شما کسر شده است، بانک آن را حداکثر تا ۷۲ ساعت بازمی‌گرداند."
    )


def fee_for_lost_card(*, previous_losses: int) -> int:
    """The fee for replacing a lost card: FEE_LOST_RIALS by count, its last value beyond it."""
    return fee_for(kind="replacement", earlier_losses=previous_losses)


def _check_payable(status: str) -> None:
    if status in FEE_PAID_STATUSES:
        raise PaymentNotNeeded()
    if status != ApplicationStatus.PRE_REGISTERED:
        raise InvalidTransition(
            "برای این درخواست در وضعیت کنونی امکان پرداخت وجود ندارد.", extra={"from_state": status}
        )


def _abandon(
    queryset: QuerySet[Payment], *, actor: object, reason: str, limit: int | None = None
) -> int:
    """Abandon initiated payments in one UPDATE; rows a callback is working on are skipped."""
    now = timezone.now()
    ids_query = (
        queryset.filter(status=PaymentStatus.INITIATED)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(ids_query[:limit] if limit else ids_query)
    if not ids:
        return 0
    # The claim says which rows it moved: only those are audited.
    claimed = transition_many(
        Payment,
        ids=ids,
        to=PaymentStatus.ABANDONED,
        allowed_from={PaymentStatus.INITIATED},
        actor=actor,
        reason=reason,
        updates={"failure_reason": reason, "completed_at": now, "updated_at": now},
    )
    return len(claimed)


def payment_start(
    *, application: Application, actor: Actor, base_url: str | None = None
) -> tuple[Payment, str]:
    """Register the fee with the gateway; returns the payment and the bank page to send to."""
    _check_payable(application.status)  # before asking the bank for anything
    base = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    gateway = get_gateway(base_url=base)
    amount = application.fee_rials
    authority = gateway.request(
        amount_rials=amount,
        callback_url=base + reverse("payments:callback"),
        description=f"هزینه کارت ملی هوشمند، کد رهگیری {application.tracking_code}",
    )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        _check_payable(locked.status)
        # One live attempt per application: an older bank page left open may still be paid,
        # and the callback copes with that (see payment_callback_handle).
        _abandon(Payment.objects.filter(application=locked), actor=actor, reason="superseded")
        payment = Payment.objects.create(
            application=locked, amount_rials=amount, gateway=gateway.name, authority=authority
        )
        audit_record(
            actor=actor,
            action="payment.initiated",
            obj=payment,
            to_state=PaymentStatus.INITIATED,
            data={"application": locked.tracking_code, "amount_rials": amount},
        )
    return payment, gateway.start_url(authority)


def _forged(
    *,
    actor: Actor,
    payment: Payment | None,
    authority: str,
    params: Mapping[str, str],
    client_ip: str,
    reason: str,
) -> PaymentSignatureInvalid:
    audit_record(
        actor=actor,
        action="payment.forged_callback",
        obj=payment,
        object_type="payments.payment",
        reason=reason,
        data={
            "authority": authority[:64],
            "status": str(params.get("Status", ""))[:8],
            "client_ip": client_ip[:45],
        },
    )
    return PaymentSignatureInvalid()


def _booking_confirm(*, application: Application, actor: Actor) -> Booking | None:
    """A seat held before payment is booked by it (booking is the earlier app)."""
    try:
        with transaction.atomic():
            return booking_confirm_for_payment(application=application, actor=actor)
    except DomainError as exc:
        # The payment stands whatever happened to the seat (a hold may have lapsed): the
        # citizen books again from `paid`.
        logger.warning(
            "payment of %s kept, booking not confirmed: %s", application.tracking_code, exc.code
        )
        return None


def _fail(payment: Payment, *, actor: Actor, reason: str) -> Payment:
    return transition(
        Payment,
        pk=payment.pk,
        to=PaymentStatus.FAILED,
        actor=actor,
        reason=reason,
        updates={"failure_reason": reason, "completed_at": timezone.now()},
    )


def _succeed(
    payment: Payment,
    application: Application,
    *,
    gateway: PaymentGateway,
    actor: Actor,
    proof: dict,
) -> Payment:
    now = proof["completed_at"]
    payment = transition(
        Payment,
        pk=payment.pk,
        to=PaymentStatus.SUCCEEDED,
        actor=actor,
        updates=proof,
        audit_data={"ref_id": proof["ref_id"]},
    )
    application = application_status_change(
        application_id=application.pk,
        to=ApplicationStatus.PAID,
        allowed_from={ApplicationStatus.PRE_REGISTERED},
        actor=actor,
        updates={"paid_at": now},
        audit_data={
            "payment": payment.authority,
            "gateway": gateway.name,
            "ref_id": proof["ref_id"],
            "amount_rials": payment.amount_rials,
        },
    )
    _abandon(
        Payment.objects.filter(application=application).exclude(pk=payment.pk),
        actor=actor,
        reason="paid_by_another_attempt",
    )
    _booking_confirm(application=application, actor=actor)
    sms_queue(
        to=application.mobile,
        template="payment_succeeded",
        params={
            "amount_rials": payment.amount_rials,
            "ref_id": proof["ref_id"],
            "tracking_code": application.tracking_code,
        },
        related=application,
    )
    return payment


def _refund_due(
    payment: Payment, application: Application, *, actor: Actor, proof: dict
) -> Payment:
    # The bank took the money for an application that no longer needs it. A real gateway
    # would be asked to reverse it here; the sandbox has no reverse, so it is flagged.
    reason = f"application_{application.status}: refund"
    payment = transition(
        Payment,
        pk=payment.pk,
        to=PaymentStatus.REFUND_DUE,
        actor=actor,
        reason=reason,
        updates={**proof, "failure_reason": reason},
        audit_data={"ref_id": proof["ref_id"]},
    )
    sms_queue(
        to=application.mobile,
        template="payment_refund_due",
        params={
            "amount_rials": payment.amount_rials,
            "ref_id": proof["ref_id"],
            "tracking_code": application.tracking_code,
        },
        related=application,
    )
    return payment


def payment_callback_handle(*, params: Mapping[str, str], client_ip: str = "") -> Payment:
    """Take the bank's redirect: check its signature, verify with the bank, then pay."""
    gateway = get_gateway()
    actor = Actor("system", f"gateway:{gateway.name}", "درگاه پرداخت")
    authority = gateway.callback_authority(params)
    payment = (
        Payment.objects.filter(authority=authority, gateway=gateway.name).first()
        if authority
        else None
    )
    if payment is None:
        raise _forged(
            actor=actor,
            payment=None,
            authority=authority,
            params=params,
            client_ip=client_ip,
            reason="unknown_authority",
        )
    data = gateway.parse_callback(params, amount_rials=payment.amount_rials)
    if not data.signature_valid:
        raise _forged(
            actor=actor,
            payment=payment,
            authority=authority,
            params=params,
            client_ip=client_ip,
            reason="bad_signature",
        )
    with transaction.atomic():
        # Application first, then payment: the order payment_start locks them in.
        application = Application.objects.select_for_update().get(pk=payment.application_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in FINAL_PAYMENT_STATUSES:
            return payment  # a replay (reload, back button, a second tab): already decided
        if not data.ok:
            reason = f"bank_nok:{data.reason}" if data.reason else "bank_nok"
            return _fail(payment, actor=actor, reason=reason)
        result = gateway.verify(authority=payment.authority, amount_rials=payment.amount_rials)
        if not result.ok:
            return _fail(payment, actor=actor, reason=f"verify_{result.code}")
        proof = {
            "ref_id": result.ref_id,
            "card_pan_masked": result.card_pan_masked,
            "completed_at": timezone.now(),
        }
        if application.status != ApplicationStatus.PRE_REGISTERED:
            return _refund_due(payment, application, actor=actor, proof=proof)
        return _succeed(payment, application, gateway=gateway, actor=actor, proof=proof)


def payments_abandon_sweep(*, older_than_minutes: int = 30, batch_size: int = 1000) -> int:
    """Mark payments left at the bank's page for too long as abandoned; safe to run twice."""
    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    total = 0
    while True:
        with transaction.atomic():
            claimed = _abandon(
                Payment.objects.filter(created_at__lt=cutoff),
                actor=None,
                reason="timeout",
                limit=batch_size,
            )
        total += claimed
        if claimed < batch_size:
            return total
