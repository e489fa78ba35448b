"""Production pages: queue, card-body stock, runs, shipments (production operators only)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hoviat.core.errors import DomainError, NotFound
from hoviat.core.jalali import format_jalali, today_local
from hoviat.core.text import persian_digits
from hoviat.production import forms, manifest, selectors, services
from hoviat.production.models import LedgerKind, RunStatus
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


def _queue_page(request, capacity_form: forms.CapacityForm | None = None, status: int = 200):
    summary = selectors.queue_summary()
    form = capacity_form or forms.CapacityForm(
        initial={"daily_capacity": persian_digits(summary.daily_capacity)}
    )
    return render(
        request,
        "production/queue.html",
        {
            "summary": summary,
            "rows": selectors.queue_page(limit=100),
            "form": form,
            "active": "queue",
        },
        status=status,
    )


@production_staff_required
@require_GET
def queue(request):
    return _queue_page(request)


@production_staff_required
@require_POST
def capacity(request):
    """The queue page's capacity form; a wrong value is answered by the queue page itself,
    the message beside the field and in the error summary (nothing is saved)."""
    form = forms.CapacityForm(request.POST)
    if form.is_valid():
        try:
            services.capacity_set(
                daily_capacity=form.cleaned_data["daily_capacity"], actor=request.user
            )
        except DomainError as exc:
            forms.add_service_error(form, exc)
        else:
            messages.success(request, "ظرفیت روزانه ذخیره شد.")
            return redirect("production:queue")
    return _queue_page(request, form, status=422)


def _stock_page(
    request,
    form: forms.StockDeliveryForm | None = None,
    order_form: forms.CardBodyOrderForm | None = None,
    status: int = 200,
):
    stock_now = selectors.stock_current()
    series = selectors.stock_series()
    cover = selectors.stock_cover(stock=stock_now)
    return render(
        request,
        "production/stock.html",
        {
            "form": form or forms.StockDeliveryForm(),
            "order_form": order_form or forms.CardBodyOrderForm(prefix="order"),
            # The error summary at the top speaks for the form that was sent.
            "summary_form": order_form if order_form is not None else form,
            "orders": list(selectors.card_body_orders_open()),
            "orders_closed": selectors.card_body_orders_recent(limit=20),
            "today": today_local(),
            "stock": stock_now,
            "days_of_cover": cover.days,
            "cover_reason": cover.reason,
            "ledger": selectors.stock_ledger()[:200],
            "kinds": dict(LedgerKind.choices),
            "chart": {
                "labels": [format_jalali(d) for d, _ in series],
                "iso": [d.isoformat() for d, _ in series],
                "values": [v for _, v in series],
            },
            "active": "stock",
        },
        status=status,
    )


@production_staff_required
@require_http_methods(["GET", "POST"])
def stock(request):
    if request.method != "POST":
        return _stock_page(request)
    form = forms.StockDeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.stock_deliver(
                quantity=form.cleaned_data["quantity"],
                lot=form.cleaned_data["lot"],
                actor=request.user,
            )
        except DomainError as exc:
            forms.add_service_error(form, exc)
        else:
            messages.success(request, "تحویل بدنه کارت ثبت شد.")
            return redirect("production:stock")
    return _stock_page(request, form=form, status=422)


@production_staff_required
@require_POST
def order_place(request):
    """The stock page's order form: card bodies expected on a day to come. A wrong value is
    answered by the stock page itself, beside the field and in the error summary."""
    form = forms.CardBodyOrderForm(request.POST, prefix="order")
    if form.is_valid():
        try:
            services.card_body_order_place(
                quantity=form.cleaned_data["quantity"],
                expected_on=form.cleaned_data["expected_on"],
                supplier_ref=form.cleaned_data["supplier_ref"],
                actor=request.user,
            )
        except DomainError as exc:
            forms.add_service_error(form, exc)
        else:
            messages.success(request, "سفارش بدنه کارت ثبت شد.")
            return redirect("production:stock")
    return _stock_page(request, order_form=form, status=422)


def _order_close(request, order_id: int, close, done: str):
    order = selectors.access_card_body_order_for(request.user, order_id=order_id)
    try:
        close(order_id=order.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("production:stock")


@production_staff_required
@require_POST
def order_arrive(request, order_id: int):
    """The order arrived: its card bodies go into stock as a delivery."""
    return _order_close(
        request, order_id, services.card_body_order_arrive, "رسیدن سفارش در موجودی ثبت شد."
    )


@production_staff_required
@require_POST
def order_cancel(request, order_id: int):
    return _order_close(request, order_id, services.card_body_order_cancel, "سفارش لغو شد.")


@production_staff_required
@require_http_methods(["GET", "POST"])
def runs(request):
    form = forms.RunStartForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            from django.db import transaction

            try:
                run = services.production_run_start(
                    date=form.cleaned_data["date"] or today_local(), actor=request.user
                )
            except DomainError as exc:
                # A refusal about the run as a whole (empty queue, no stock, one running)
                # is the form's, not the date's.
                forms.add_service_error(form, exc)
                status = exc.status
            else:
                user_id = request.user.pk
                transaction.on_commit(lambda: production_run_task(run.pk, user_id))
                messages.success(request, "اجرای شخصی‌سازی آغاز شد.")
                return redirect("production:runs")
        else:
            status = 422
    return render(
        request,
        "production/runs.html",
        {
            "form": form,
            "runs": selectors.runs_recent(),
            "running": (running := selectors.run_running()),
            "progress": run_progress_data(running) if running else None,
            "today": today_local(),
            "active": "runs",
        },
        status=status,
    )


def run_progress_data(run) -> dict:
    """What the runs page's progress bar shows, as its JSON endpoint answers it."""
    done = run.personalised + run.qc_failed
    percent = min(100, round(done * 100 / run.requested)) if run.requested else 100
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "running": run.status == RunStatus.RUNNING,
        "requested": run.requested,
        "personalised": run.personalised,
        "qc_failed": run.qc_failed,
        "done": done,
        "percent": percent,
        "stop_reason": run.stop_reason,
        "text": (
            f"{persian_digits(done)} از {persian_digits(run.requested)} کارت "
            f"({persian_digits(percent)}٪) — {run.get_status_display()}"
        ),
    }


@production_staff_required
@require_GET
def run_progress(request, run_id: int):
    """A run's progress for the runs page's script (static/production/run-progress.js): the
    same production staff who may open the page may read it; never cached."""
    run = selectors.run_get(run_id=run_id)
    return JsonResponse(run_progress_data(run), json_dumps_params={"ensure_ascii": False})


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
    response["Content-Disposition"] = (
        f'attachment; filename="{manifest.manifest_filename(shipment, "csv")}"'
    )
    return response


@production_staff_required
@require_GET
def manifest_pdf(request, shipment_id: int):
    shipment = selectors.shipment_get(shipment_id=shipment_id)
    response = HttpResponse(manifest.manifest_pdf(shipment), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{manifest.manifest_filename(shipment, "pdf")}"'
    )
    return response
