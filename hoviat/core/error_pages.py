"""The site's answers for 400, 403, 404 and 500 (hoviat/urls.py's handler400 … handler500), and
a 503 when the database is unavailable.

With DEBUG off Django renders these. Under /api/ the answer is problem+json with the API's
stable codes (API.md), as the API's own handlers give for what happens inside a route
(hoviat/api.py): a path that matches no route never reaches them. Elsewhere a Persian page
(hoviat/templates/400.html …). The 500 and 503 pages are rendered without the request: no
context processor runs, so nothing on them reads the session, the user or the database, which
may be what failed.

A `django.db.OperationalError` (the database cannot be reached, or Django's pool gave no
connection in time: psycopg_pool.PoolTimeout is one) is a passing state, not a fault of the
request: 503 with Retry-After instead of 500, so a person and a client know to try again.
Django logs it with its traceback ("Service Unavailable: …"), as it does a 500.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from hoviat.core.errors import (
    UNAVAILABLE_RETRY_AFTER,
    AccessDenied,
    NotFound,
    ServiceUnavailable,
    internal_error_problem,
    problem,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

# The last answer when even the plain page cannot be rendered: nothing in it can fail.
FALLBACK_PAGE = (
    '<!doctype html>\n<html lang="fa" dir="rtl"><head><meta charset="utf-8">'
    "<title>هویت</title></head><body><h1>{heading}</h1>"
    '<p>چند لحظه بعد دوباره تلاش کنید.</p><p><a href="/">صفحهٔ نخست</a></p></body></html>\n'
)
FALLBACK_HEADINGS = {500: "خطایی در سامانه رخ داد", 503: "سامانه موقتاً در دسترس نیست"}


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _problem(request: HttpRequest, body: dict) -> HttpResponse:
    body.setdefault("instance", request.path)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=body["status"],
        content_type=PROBLEM_MEDIA_TYPE,
    )


def _page(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    # With the request: base.html shows the menu of whoever is signed in. If this fails (the
    # database is down and the session cannot be read), Django calls server_error.
    return HttpResponse(loader.render_to_string(template_name, request=request), status=status)


def _plain_page(template_name: str, status: int) -> HttpResponse:
    body: str
    try:
        body = loader.render_to_string(template_name)
    except Exception:
        # Raising here would leave Django with no answer at all to give.
        logger.exception("The error page %s could not be rendered", template_name)
        body = FALLBACK_PAGE.format(heading=FALLBACK_HEADINGS[status])
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem(
            request, problem(400, "BAD_REQUEST", "درخواست نامعتبر است.", title="Bad request")
        )
    return _page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem(request, AccessDenied().as_problem())
    return _page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem(request, NotFound().as_problem())
    return _page(request, "404.html", 404)


def _database_unavailable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, OperationalError):
            return True
        error = error.__cause__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the exception: sys.exc_info() is the one that ended
    # the request.
    if _database_unavailable(sys.exc_info()[1]):
        if _is_api(request):
            unavailable = ServiceUnavailable(extra={"retry_after": UNAVAILABLE_RETRY_AFTER})
            response = _problem(request, unavailable.as_problem())
        else:
            response = _plain_page("503.html", 503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
    if _is_api(request):
        return _problem(request, internal_error_problem())
    return _plain_page("500.html", 500)
