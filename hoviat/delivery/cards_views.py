"""Card pages: a citizen's cards (report lost or stolen, ask again for a voided card), the
office counter (report for a holder, restore a found card), the national validity policy."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from hoviat.applications.views import citizen_required
from hoviat.core import permissions
from hoviat.core.errors import DomainError
from hoviat.core.jalali import parse_date
from hoviat.delivery import selectors, services
from hoviat.delivery.models import LossChannel, LossKind


def _message(request, detail: str, *, status: int, title: str = "انجام نشد"):
    return render(
        request, "delivery/cards_message.html", {"detail": detail, "title": title}, status=status
    )


# --- Citizen --------------------------------------------------------------------------------


@citizen_required
def mine(request):
    cards = [
        selectors.card_view(card=c)
        for c in selectors.cards_of_mobile(mobile=request.citizen_mobile)[:50]
    ]
    return render(request, "delivery/cards_mine.html", {"cards": cards})


@citizen_required
@require_http_methods(["GET", "POST"])
def report(request, csn: str):
    try:
        card = selectors.access_card_for_citizen(mobile=request.citizen_mobile, csn=csn)
    except DomainError as exc:
        return _message(request, exc.detail, status=exc.status)
    error, error_field = "", ""
    kind = request.POST.get("kind", "") if request.method == "POST" else ""
    if request.method == "POST":
        # No answer is chosen for the person: each missing one is said beside its field.
        if kind not in LossKind.values:
            error, error_field = "بگویید کارت گم شده است یا به سرقت رفته است.", "kind_lost"
        elif request.POST.get("confirm") != "yes":
            error, error_field = "برای ثبت گزارش، درستی آن را تأیید کنید.", "confirm"
        else:
            try:
                outcome = services.card_report_loss(
                    csn=card.csn,
                    kind=kind,
                    actor=None,
                    channel=LossChannel.CITIZEN,
                    mobile=request.citizen_mobile,
                )
            except DomainError as exc:
                error = exc.detail
            else:
                return render(request, "delivery/cards_reported.html", {"outcome": outcome})
    return render(
        request,
        "delivery/cards_report.html",
        {
            "view": selectors.card_view(card=card),
            "kinds": LossKind.choices,
            "kind": kind,
            "error": error,
            "error_field": error_field,
            # Said before the report, not after: what the replacement card will cost.
            "replacement_fee": selectors.replacement_fee_for(card=card),
        },
        status=422 if error else 200,
    )


@citizen_required
@require_POST
def reissue(request, csn: str):
    try:
        outcome = services.card_reissue_request(csn=csn, mobile=request.citizen_mobile)
    except DomainError as exc:
        return _message(request, exc.detail, status=exc.status)
    messages.success(
        request,
        "درخواست صدور دوباره ثبت شد. "
        + (
            "پس از پرداخت هزینه، کارت بدون مراجعه حضوری در صف تولید قرار می‌گیرد."
            if outcome.biometrics_current
            else "پس از پرداخت هزینه، برای ثبت‌نام حضوری نوبت بگیرید."
        ),
    )
    return redirect("citizen:application", public_id=outcome.application.public_id)


# --- Office counter ---------------------------------------------------------------------------


def office_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_office_operator(request.user):
            return _message(
                request, "این بخش ویژهٔ کارگزاران دفاتر است.", status=403, title="دسترسی ندارید"
            )
        return view(request, *args, **kwargs)

    return wrapper


@office_required
@require_http_methods(["GET", "POST"])
def office(request):
    action = request.POST.get("action")
    status = 200
    error, error_field = "", ""
    if request.method == "POST":
        csn = request.POST.get("csn", "")
        national_code = request.POST.get("national_code", "")
        try:
            if action == "found":
                services.card_restore_found(
                    csn=csn, national_code=national_code, actor=request.user
                )
                messages.success(request, "کارت پیداشده دوباره فعال شد.")
            else:
                outcome = services.card_report_loss(
                    csn=csn,
                    kind=request.POST.get("kind", ""),
                    actor=request.user,
                    channel=LossChannel.OFFICE,
                    national_code=national_code,
                )
                text = f"گزارش ثبت شد؛ وضعیت کارت: {outcome.card.get_status_display()}."
                if outcome.replacement is not None:
                    text += f" کد رهگیری کارت جایگزین: {outcome.replacement.tracking_code}"
                messages.success(request, text)
        except DomainError as exc:
            error, error_field = exc.detail, _office_field(action, exc.code)
            status = exc.status
        else:
            return redirect("cards:office")
    return render(
        request,
        "delivery/cards_office.html",
        {
            "kinds": LossKind.choices,
            "posted": request.POST,
            "action": action,
            "error": error,
            "error_field": error_field,
        },
        status=status,
    )


def _office_field(action: str | None, code: str) -> str:
    """The id of the counter form's field an error is about (the card's serial otherwise)."""
    prefix = "f" if action == "found" else "r"
    if code.startswith("NATIONAL_CODE"):
        return f"{prefix}_nc"
    if code == "LOSS_KIND_INVALID":
        return "r_kind"
    return f"{prefix}_csn"


# --- National policy ------------------------------------------------------------------------


def admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            selectors.access_policy_for(request.user)
        except DomainError as exc:
            return _message(request, exc.detail, status=403, title="دسترسی ندارید")
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
@require_http_methods(["GET", "POST"])
def policy(request):
    status = 200
    error, error_field = "", ""
    if request.method == "POST":
        data = request.POST
        try:
            action = data.get("action")
            if action == "extension":
                services.validity_extension_record(
                    expiring_before=_date(data, "expiring_before", "e_before"),
                    valid_until=_date(data, "valid_until", "e_until"),
                    effective_from=_date(data, "effective_from", "e_from"),
                    reference=data.get("reference", ""),
                    actor=request.user,
                )
                messages.success(request, "تمدید اعتبار ثبت شد.")
            elif action == "cutoff":
                services.paper_cutoff_record(
                    accepted_until=_date(data, "accepted_until", "c_until"),
                    effective_from=_date(data, "effective_from", "c_from"),
                    reference=data.get("reference", ""),
                    actor=request.user,
                )
                messages.success(request, "مهلت پذیرش کارت قدیمی ثبت شد.")
            elif action == "withdraw_extension":
                services.validity_extension_withdraw(
                    extension_id=int(data.get("id", "0") or 0), actor=request.user
                )
                messages.success(request, "تمدید لغو شد.")
            elif action == "withdraw_cutoff":
                services.paper_cutoff_withdraw(
                    cutoff_id=int(data.get("id", "0") or 0), actor=request.user
                )
                messages.success(request, "مهلت پذیرش کارت قدیمی لغو شد.")
        except DomainError as exc:
            error, error_field, status = exc.detail, exc.extra.get("field", ""), exc.status
        except ValueError:
            error, status = "شناسه مصوبه نامعتبر است.", 422
        else:
            return redirect(reverse("cards:policy"))
    from django.utils import timezone

    today = timezone.localdate()
    return render(
        request,
        "delivery/cards_policy.html",
        {
            "extensions": selectors.extensions_all()[:100],
            "cutoffs": selectors.cutoffs_all()[:100],
            "standing": selectors.paper_card_standing(on=today),
            "posted": request.POST,
            "action": request.POST.get("action"),
            "error": error,
            "error_field": error_field,
        },
        status=status,
    )


def _date(data, name: str, field_id: str):
    """A Jalali (or ISO) date of the policy form; its error names the field it is about."""
    try:
        return parse_date(data.get(name, ""))
    except DomainError as exc:
        exc.extra["field"] = field_id
        raise
