"""Inquiry pages: the integrator's page with the reason table, the published answer-signing
keys (JWKS), and the inquiry log for national admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from hoviat.core import permissions
from hoviat.core.jalali import today_local
from hoviat.inquiry import selectors
from hoviat.inquiry.guide_doc import guide_rendered
from hoviat.inquiry.reasons import ATTRIBUTES, PROBLEMS, PURPOSES, REASONS, RESULTS, SCOPES
from hoviat.inquiry.signing import signing_keys_document


@require_safe
def guide(request):
    return render(
        request,
        "inquiry/guide.html",
        {
            "reasons": REASONS.values(),
            "problems": [(code, *row) for code, row in PROBLEMS.items()],
            "purposes": PURPOSES.items(),
            "scopes": SCOPES.items(),
            "attributes": ATTRIBUTES.items(),
        },
    )


@require_safe
def guide_doc(request):
    """The integrator guide, docs/inquiry.md, as a page (Persian first in every section)."""
    return render(request, "inquiry/guide_doc.html", {"guide": guide_rendered()})


@require_safe
@cache_control(public=True, max_age=300)
def signing_keys(request):
    response = JsonResponse(signing_keys_document())
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@cache_control(public=True, max_age=3600)
def reasons_json(request):
    return JsonResponse(
        {
            "reasons": {
                r.code: {"fa": r.fa, "en": r.en, "endpoints": r.endpoints} for r in REASONS.values()
            },
            "problems": {
                c: {"status": s, "fa": fa, "en": en} for c, (s, fa, en) in PROBLEMS.items()
            },
            "purposes": {c: {"fa": fa, "en": en} for c, (fa, en) in PURPOSES.items()},
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_safe
def log(request):
    if not permissions.is_national_admin(request.user):
        return render(request, "inquiry/forbidden.html", status=403)
    page = Paginator(selectors.access_inquiry_log_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inquiry/log.html",
        {
            "page": page,
            "usage": selectors.partner_usage_today(today=today_local()),
            # Codes as people read them (the fa_label filter); the code stays in a tooltip.
            "endpoints": SCOPES,
            "purposes": PURPOSES,
            "results": RESULTS,
            "reasons": REASONS,
        },
    )
