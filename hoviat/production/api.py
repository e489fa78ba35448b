"""Production API: card-body deliveries, runs, the queue, shipment dispatch."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from hoviat.core.api import staff_auth
from hoviat.core.errors import AccessDenied
from hoviat.core.jalali import today_local
from hoviat.production import selectors, services
from hoviat.production.models import PersonalisationRun
from hoviat.production.tasks import production_run_task

router = Router(tags=["production"], auth=staff_auth)


def _operator(request):
    user = request.auth
    if not selectors.is_production_staff(user):
        raise AccessDenied("این بخش ویژهٔ کارشناسان تولید کارت است.")
    return user


class StockIn(Schema):
    # Strict: 5.0, "5" and true are not a count of card bodies.
    quantity: StrictInt
    lot: str = Field(max_length=64)


class StockOut(Schema):
    id: int
    lot: str
    quantity: int
    stock: int
    days_of_cover: float | None


class RunIn(Schema):
    date: dt.date | None = None
    tracking_codes: list[str] | None = None


class RunOut(Schema):
    id: int
    date: dt.date
    status: str
    requested: int
    personalised: int
    qc_failed: int
    stop_reason: str


class CapacityIn(Schema):
    daily_capacity: StrictInt


class QueueItemOut(Schema):
    position: int
    tracking_code: str
    priority: int
    enrolled_at: dt.datetime | None
    expected_ready: dt.date | None
    reason: str


class QueueOut(Schema):
    length: int
    oldest_enrolled_at: dt.datetime | None
    oldest_age_days: float | None
    daily_capacity: int
    stock: int
    days_of_cover: float | None
    stopped_reason: str
    items: list[QueueItemOut]


class ShipmentOut(Schema):
    id: int
    office_id: int
    status: str
    cards: int


def _run_out(run) -> dict:
    return {
        f: getattr(run, f)
        for f in ("id", "date", "status", "requested", "personalised", "qc_failed", "stop_reason")
    }


@router.post("/production/stock", response={201: StockOut}, summary="Record a card-body delivery")
def stock_deliver(request, payload: StockIn):
    entry = services.stock_deliver(
        quantity=payload.quantity, lot=payload.lot, actor=_operator(request)
    )
    stock = selectors.stock_current()
    return Status(
        201,
        {
            "id": entry.pk,
            "lot": entry.lot,
            "quantity": entry.quantity,
            "stock": stock,
            "days_of_cover": selectors.stock_days_of_cover(stock=stock),
        },
    )


@router.post("/production/runs", response={202: RunOut}, summary="Start a personalisation run")
def run_start(request, payload: RunIn):
    """Started here, executed by a worker; GET /production/runs/{id} follows it."""
    user = _operator(request)
    run = services.production_run_start(
        date=payload.date or today_local(), actor=user, tracking_codes=payload.tracking_codes
    )
    transaction.on_commit(lambda: production_run_task(run.pk, user.pk))
    return Status(202, _run_out(run))


@router.get("/production/runs/{run_id}", response=RunOut, summary="A personalisation run")
def run_get(request, run_id: int):
    _operator(request)
    from django.shortcuts import get_object_or_404

    return _run_out(get_object_or_404(PersonalisationRun, pk=run_id))


@router.put("/production/capacity", response=CapacityIn, summary="Set the daily capacity")
def capacity_set(request, payload: CapacityIn):
    row = services.capacity_set(daily_capacity=payload.daily_capacity, actor=_operator(request))
    return {"daily_capacity": row.daily_capacity}


@router.get("/production/queue", response=QueueOut, summary="The production queue")
def queue(
    request,
    offset: int = Query(0, ge=0, le=100_000_000),
    limit: int = Query(100, ge=1, le=1000),
):
    _operator(request)
    summary = selectors.queue_summary()
    items = [
        {
            "position": row.position,
            "tracking_code": row.application.tracking_code,
            "priority": row.application.queue_priority,
            "enrolled_at": row.application.enrolled_at,
            "expected_ready": row.eta.date,
            "reason": row.eta.reason,
        }
        for row in selectors.queue_page(offset=offset, limit=limit)
    ]
    return {**summary.__dict__, "items": items}


@router.post(
    "/shipments/{shipment_id}/dispatch",
    response=ShipmentOut,
    summary="Dispatch a shipment: its cards go in transit",
)
def shipment_dispatch(request, shipment_id: int):
    shipment = services.shipment_dispatch(shipment_id=shipment_id, actor=_operator(request))
    return {
        "id": shipment.pk,
        "office_id": shipment.office_id,
        "status": shipment.status,
        "cards": shipment.cards.count(),
    }
