"""Production pages: queue, card-body stock, runs, shipments (production operators only)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hoviat.core.errors import DomainError, NotFound
from hoviat.core.jalali import parse_date, today_local
from hoviat.production import manifest, selectors, services
from hoviat.production.models import LedgerKind
from hoviat.production.tasks import production_run_task


def production_staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.is_production_staff(request.user):
            return render(request, "production/forbidden.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "production/forbidden.html", {"detail": exc.detail}, status=404)

    return wrapper


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


@production_staff_required
@require_GET
def queue(request):
    return render(
        request,
        "production/queue.html",
        {
            "summary": selectors.queue_summary(),
            "rows": selectors.queue_page(limit=100),
            "active": "queue",
        },
    )


@production_staff_required
@require_POST
def capacity(request):
    try:
        services.capacity_set(
            daily_capacity=_int(request.POST.get("daily_capacity")), actor=request.user
        )
        messages.success(request, "ظرفیت روزانه ذخیره شد.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("production:queue")


@production_staff_required
@require_http_methods(["GET", "POST"])
def stock(request):
    if request.method == "POST":
        try:
            services.stock_deliver(
                quantity=_int(request.POST.get("quantity")),
                lot=request.POST.get("lot", ""),
                actor=request.user,
            )
            messages.success(request, "تحویل بدنه کارت ثبت شد.")
            return redirect("production:stock")
        except DomainError as exc:
            messages.error(request, exc.detail)
    stock_now = selectors.stock_current()
    series = selectors.stock_series()
    return render(
        request,
        "production/stock.html",
        {
            "stock": stock_now,
            "days_of_cover": selectors.stock_days_of_cover(stock=stock_now),
            "ledger": selectors.stock_ledger()[:200],
            "kinds": dict(LedgerKind.choices),
            "chart": {
                "labels": [d.isoformat() for d, _ in series],
                "values": [v for _, v in series],
            },
            "active": "stock",
        },
    )


@production_staff_required
@require_http_methods(["GET", "POST"])
def runs(request):
    if request.method == "POST":
        from django.db import transaction

        try:
            text = (request.POST.get("date") or "").strip()
            run = services.production_run_start(
                date=parse_date(text) if text else today_local(), actor=request.user
            )
            user_id = request.user.pk
            transaction.on_commit(lambda: production_run_task(run.pk, user_id))
            messages.success(request, "اجرای شخصی‌سازی آغاز شد.")
            return redirect("production:runs")
        except DomainError as exc:
            messages.error(request, exc.detail)
    return render(
        request,
        "production/runs.html",
        {
            "runs": selectors.runs_recent(),
            "running": selectors.run_running(),
            "today": today_local(),
            "active": "runs",
        },
    )


@production_staff_required
@require_GET
def shipments(request):
    return render(
        request,
        "production/shipments.html",
        {
            "shipments": selectors.shipments_recent(),
            "waiting": selectors.cards_waiting_to_ship(),
            "active": "shipments",
        },
    )


@production_staff_required
@require_POST
def dispatch(request, shipment_id: int):
    try:
        services.shipment_dispatch(
            shipment_id=selectors.shipment_get(shipment_id=shipment_id).pk, actor=request.user
        )
        messages.success(request, "محموله ارسال شد.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("production:shipments")


@production_staff_required
@require_POST
def pack(request):
    services.shipments_pack(actor=request.user)
    return redirect("production:shipments")


@production_staff_required
@require_GET
def manifest_csv(request, shipment_id: int):
    shipment = selectors.shipment_get(shipment_id=shipment_id)
    response = HttpResponse(manifest.manifest_csv(shipment), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="manifest-{shipment.pk}.csv"'
    return response


@production_staff_required
@require_GET
def manifest_pdf(request, shipment_id: int):
    shipment = selectors.shipment_get(shipment_id=shipment_id)
    response = HttpResponse(manifest.manifest_pdf(shipment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="manifest-{shipment.pk}.pdf"'
    return response
