"""Request size limits, enforced from the headers before anything reads the body.

Django reads a body when a view (or the CSRF middleware) first touches `request.POST`,
`request.FILES` or `request.body`; by then a 300 MB upload has been read in full. This
middleware runs first and refuses on the declared length alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from hoviat.core.errors import problem

TOO_LARGE_DETAIL = "حجم درخواست بیش از اندازهٔ مجاز است."
LENGTH_REQUIRED_DETAIL = "طول بدنهٔ درخواست (Content-Length) باید گفته شود."


@cache
def _upload_paths(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns) or r"(?!)")


def request_max_bytes(path: str) -> int:
    """The largest body a request to `path` may declare."""
    if _upload_paths(tuple(settings.REQUEST_UPLOAD_PATHS)).match(path):
        return settings.REQUEST_UPLOAD_MAX_BYTES
    return settings.REQUEST_MAX_BYTES


def _refusal(request: HttpRequest, status: int, code: str, detail: str, **extra) -> HttpResponse:
    body = problem(status, code, detail, instance=request.path, **extra)
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/problem+json"
    # The body was not read: the connection cannot carry another request after this one.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware:
    """413 REQUEST_TOO_LARGE for a declared length above the path's limit; 411 for a body
    sent chunked without a length (Django would read it as empty, or a server as unbounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = request_max_bytes(request.path_info)
        declared = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not declared:
            return _refusal(request, 411, "LENGTH_REQUIRED", LENGTH_REQUIRED_DETAIL)
        try:
            length = int(declared) if declared else 0
        except ValueError:
            length = -1
        if length < 0:
            return _refusal(request, 400, "MALFORMED_REQUEST", "طول بدنهٔ درخواست نامعتبر است.")
        if length > limit:
            return _refusal(request, 413, "REQUEST_TOO_LARGE", TOO_LARGE_DETAIL, max_bytes=limit)
        return self.get_response(request)
