"""The director's capacity-plan page: the plan found, its charts, and what-ifs in the background.

GET shows the newest finished run (or the one named by ?run=); POST starts a plan search or a
what-if (a huey task) and comes back to the page, where an htmx-polled progress bar follows it
and, when it ends, opens its result. National admins and provincial directors only.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from hoviat.core.jalali import MONTHS, format_jalali
from hoviat.core.permissions import is_national_admin, is_provincial_director
from hoviat.core.text import persian_digits
from hoviat.planning.engine.calendar import jalali_start
from hoviat.planning.engine.scenario import default_scenario
from hoviat.planning.models import PlanRun
from hoviat.planning.plan_services import plan_run_start


def director_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_national_admin(request.user) or is_provincial_director(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _int_field(label: str, *, minimum: int, maximum: int, initial: int, help_text: str = ""):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        initial=initial,
        help_text=help_text,
        error_messages={
            "required": f"«{label}» را بنویسید.",
            "invalid": f"«{label}» باید عدد درست باشد.",
            "min_value": f"«{label}» دست‌کم {persian_digits(minimum)} است.",
            "max_value": f"«{label}» حداکثر {persian_digits(maximum)} است.",
        },
    )


class PlanForm(forms.Form):
    prefix = "plan"
    target_days = _int_field(
        "سقف زمان درخواست تا کارت (روز، صدک ۹۵)", minimum=5, maximum=120, initial=30
    )
    months = _int_field("ماه‌های برنامه", minimum=1, maximum=24, initial=12)


class WhatIfForm(forms.Form):
    prefix = "whatif"
    shifts = _int_field(
        "نوبت‌های کاری افزوده در هفته (تولید)",
        minimum=0,
        maximum=30,
        initial=0,
        help_text="خط تولید هفته‌ای ۱۱ نوبت کار می‌کند؛ هر نوبت نیم روز کامل کارت می‌سازد.",
    )
    seat_percent = _int_field(
        "صندلی‌های افزوده در دفترها (درصد ظرفیت کنونی هر استان)",
        minimum=0,
        maximum=500,
        initial=0,
    )
    peak_seat_percent = _int_field(
        "صندلی‌های افزوده فقط در اوج تقاضا (درصد ظرفیت کنونی)",
        minimum=0,
        maximum=500,
        initial=0,
        help_text="از دو هفته پیش از فروردین و ماه‌های هجوم تا یک ماه پس از آن‌ها.",
    )
    order_count = _int_field(
        "سفارش بدنهٔ کارت از تأمین‌کنندهٔ دوم (تعداد)", minimum=0, maximum=50_000_000, initial=0
    )
    order_day = _int_field(
        "روز سفارش (از آغاز شبیه‌سازی)",
        minimum=0,
        maximum=700,
        initial=170,
        help_text="بدنه‌ها ۳۰ روز پس از سفارش می‌رسند.",
    )
    months = _int_field("ماه‌های شبیه‌سازی", minimum=1, maximum=24, initial=12)


def _week_label(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return format_jalali(day, long=True)


def _month_label(label: str) -> str:
    year, month = label.split("-")
    return persian_digits(f"{MONTHS[int(month) - 1]} {year}")


def _charts(result: dict) -> dict:
    weeks = result["weekly"]
    return {
        "weeks": [_week_label(w["week_start"]) for w in weeks],
        "queue": [w["queue"] for w in weeks],
        "waiting": [w["appointments_waiting"] for w in weeks],
        "p50": [w["lead_time_p50"] for w in weeks],
        "p95": [w["lead_time_p95"] for w in weeks],
        "cover": [w["stock_cover_days"] for w in weeks],
    }


def _seat_rows(plan: dict) -> list[dict]:
    names = {code: p.name_fa for code, p in default_scenario().provinces.items()}
    year_round = plan.get("office_seats_per_week", {})
    peak: dict[str, int] = {}
    for window in plan.get("temporary_seats", []):
        for code, seats in window["office_seats_per_week"].items():
            peak[code] = max(peak.get(code, 0), seats)
    rows = [
        {"name": names[code], "seats": year_round.get(code, 0), "peak": peak.get(code, 0)}
        for code in set(year_round) | set(peak)
    ]
    return sorted(rows, key=lambda row: -(row["seats"] + row["peak"]))


def _peak_windows(plan: dict) -> list[dict]:
    first_day = jalali_start(default_scenario().start)
    return [
        {
            "from": first_day + dt.timedelta(days=w["from_day"]),
            "to": first_day + dt.timedelta(days=w["to_day"] - 1),
            "seats": sum(w["office_seats_per_week"].values()),
        }
        for w in plan.get("temporary_seats", [])
    ]


@director_required
@require_http_methods(["GET", "POST"])
def plan_page(request):
    plan_form = PlanForm()
    whatif_form = WhatIfForm()
    if request.method == "POST":
        kind = request.POST.get("action")
        form = PlanForm(request.POST) if kind == "plan" else WhatIfForm(request.POST)
        if kind == "plan":
            plan_form = form
        else:
            whatif_form = form
        if form.is_valid():
            run = plan_run_start(
                actor=request.user,
                kind=PlanRun.Kind.PLAN if kind == "plan" else PlanRun.Kind.WHATIF,
                inputs=form.cleaned_data,
            )
            return redirect(f"{reverse('planning:plan')}?run={run.pk}")
    runs = list(PlanRun.objects.all()[:10])
    wanted = request.GET.get("run", "")
    shown = None
    if wanted.isdigit():
        shown = PlanRun.objects.filter(pk=int(wanted), status=PlanRun.Status.DONE).first()
    if shown is None:
        shown = PlanRun.objects.filter(status=PlanRun.Status.DONE).first()
    active = [r for r in runs if r.status in (PlanRun.Status.QUEUED, PlanRun.Status.RUNNING)]
    failed = form if request.method == "POST" else None
    context = {
        "plan_form": plan_form,
        "whatif_form": whatif_form,
        "error_form": failed,
        "runs": runs,
        "active": active,
        "shown": shown,
        "result": shown.result if shown else None,
        "charts": _charts(shown.result) if shown else None,
        "seat_rows": _seat_rows(shown.result["plan"]) if shown else [],
        "seat_total": sum(shown.result["plan"]["office_seats_per_week"].values()) if shown else 0,
        "peak_windows": _peak_windows(shown.result["plan"]) if shown else [],
        "months": [{**row, "label": _month_label(row["month"])} for row in shown.result["months"]]
        if shown
        else [],
    }
    return render(request, "planning/plan.html", context, status=400 if failed else 200)


@director_required
@require_GET
def plan_progress(request, run_id: int):
    """The progress bar of one run, for htmx to poll; when it ends, the page opens its result."""
    run = get_object_or_404(PlanRun, pk=run_id)
    if run.status == PlanRun.Status.DONE and request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse('planning:plan')}?run={run.pk}"
        return response
    return render(
        request,
        "planning/plan_progress.html",
        {"run": run, "percent": round(run.progress * 100)},
    )
