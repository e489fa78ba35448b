"""Headers every answer of the site carries: Permissions-Policy, and Cache-Control: no-store
on everything except the public documents listed here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Public documents that carry nobody's personal data and that caches may keep (their views set
# their own max-age). Everything else may show a citizen's or an employee's data, or a form
# with their session's CSRF token, so no browser or proxy keeps a copy: a shared computer in
# an office or a café must not show the last person's page on "back".
CACHEABLE_PATHS = frozenset(
    {
        "/pki/root.crt",
        "/pki/issuing.crt",
        "/pki/crl",
        "/pki/receipt-keys",
        "/inquiry/keys",
        "/inquiry/reasons.json",
        "/audit/checkpoint",
        "/api/v1/docs",
        "/api/v1/openapi.json",
    }
)


# What django.utils.cache.add_never_cache_headers writes, set directly: it formats a date and
# parses the header back on every answer, a twentieth of a bank inquiry's CPU.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if request.path not in CACHEABLE_PATHS:
            # Replaces whatever a view said: a stale "private, max-age" would still let the
            # browser keep the page on disk.
            response.headers["Cache-Control"] = NEVER_CACHE
            response.headers["Expires"] = EXPIRED
        return response
