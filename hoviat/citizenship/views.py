"""The citizenship page for staff: figures of the areas they see, overdue inquiries, cases."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hoviat.citizenship import selectors
from hoviat.citizenship.models import CaseStatus


@require_GET
@login_required
def overview(request):
    if not selectors.may_see_cases(request.user):
        return render(
            request,
            "citizenship/problem.html",
            {"detail": "شما به پرونده‌های تابعیت دسترسی ندارید."},
            status=403,
        )
    cases = list(selectors.cases_list(request.user).select_related("residence_county")[:50])
    for case in cases:
        case.status_label = CaseStatus(case.status).label
    return render(
        request,
        "citizenship/overview.html",
        {
            "figures": selectors.citizenship_figures(user=request.user),
            "overdue": list(selectors.overdue_inquiries(request.user)[:100]),
            "cases": cases,
        },
    )
