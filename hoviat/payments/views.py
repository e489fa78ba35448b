"""Pages: the sandbox bank's payment page, and our callback that shows the result."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hoviat.applications.selectors import access_application_for_citizen
from hoviat.applications.views import citizen_required
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.payments import sandbox_bank, selectors, services
from hoviat.payments.forms import SandboxCardForm

# A citizen's browser comes back once per payment; more than this from one address is a
# script probing the callback (each forged try writes an audit row).
CALLBACK_RATE_PER_MINUTE = 30


class SeeOther(HttpResponseRedirect):
    # 303: after a POST the browser must GET the next page, never re-POST the card form.
    status_code = 303


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _bank_error(request: HttpRequest, exc: DomainError, authority: str) -> HttpResponse:
    # Our callback answers a replay of the signed result idempotently, so offering it is safe.
    return_url = (
        sandbox_bank.sandbox_finished_return_url(authority=authority)
        if isinstance(exc, sandbox_bank.SandboxTransactionCompleted)
        else None
    )
    return render(
        request,
        "payments/sandbox_error.html",
        {"error": exc, "return_url": return_url},
        status=exc.status,
    )


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, authority: str) -> HttpResponse:
    try:
        row = sandbox_bank.sandbox_transaction_open(authority=authority)
        form = SandboxCardForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if request.POST.get("action") == "cancel":
                row = sandbox_bank.sandbox_transaction_cancel(authority=row.authority)
                return SeeOther(sandbox_bank.sandbox_return_url(row))
            if form.is_valid():
                row = sandbox_bank.sandbox_transaction_pay(
                    authority=row.authority, card=form.card()
                )
                return SeeOther(sandbox_bank.sandbox_return_url(row))
    except DomainError as exc:
        return _bank_error(request, exc, authority)
    context = {
        "row": row,
        "form": form,
        "merchant_name": sandbox_bank.MERCHANT_NAME,
        "dynamic_password": sandbox_bank.DYNAMIC_PASSWORD,
    }
    return render(
        request, "payments/sandbox_pay.html", context, status=422 if form.is_bound else 200
    )


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    try:
        rate_limit_hit(
            scope="payment-callback",
            subject=_client_ip(request),
            limit=CALLBACK_RATE_PER_MINUTE,
            window=dt.timedelta(minutes=1),
        )
        payment = services.payment_callback_handle(
            params=request.GET, client_ip=_client_ip(request)
        )
    except DomainError as exc:
        return render(request, "payments/result.html", {"error": exc}, status=exc.status)
    return render(
        request,
        "payments/result.html",
        {
            "payment": payment,
            "application": payment.application,
            "failure": selectors.payment_failure_text(payment.failure_reason),
        },
    )


@require_POST
@citizen_required
def start(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The «پرداخت هزینه» button of the citizen's application page: off to the bank."""
    try:
        application = access_application_for_citizen(
            mobile=request.citizen_mobile, public_id=public_id
        )
    except DomainError as exc:
        return render(request, "payments/result.html", {"error": exc}, status=exc.status)
    try:
        _, url = services.payment_start(
            application=application,
            actor=Actor("citizen", application.citizen.national_code, "citizen"),
            # The bank sends the browser back to the host it is on now (ALLOWED_HOSTS-checked).
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        messages.warning(request, exc.detail)
        return redirect("citizen:application", public_id=application.public_id)
    return SeeOther(url)
