"""The partner API's short way through MIDDLEWARE: what serves people in a browser steps aside.

Banks' and agencies' calls (`/api/v1/inquiry/…`, `/api/v1/auth/card/…`) authenticate with an
API key on every request: they never have a session, a CSRF cookie, a signed-in user, a second
factor, flash messages or a sign-in to throttle, and their answers do not change with the
browser's language. Those middleware (sessions, locale, CSRF, authentication, OTP, the staff
session checks, messages, axes, WhiteNoise) cost an inquiry about a fifth of its CPU; for
these paths `PartnerApiMiddleware` skips them and goes straight on to the view through the few
later middleware a partner call still needs (`PARTNER_KEPT`: the privacy headers, Django's
common middleware and Idempotency-Key). Everything before it in MIDDLEWARE (probes, client
address, request id/log/metrics, security headers and the HTTPS redirect, X-Frame-Options, the
request size limit) runs for every request as before.

The site's Content-Security-Policy is still sent on a partner answer: it is the same for every
such answer (no nonce, no per-view change), so it is built once instead of per request.

`PartnerApiEndMiddleware`, last in MIDDLEWARE, only hands over the handler that runs the view
(the URL resolution, the view middleware and the view) when the chain is built; it then takes
itself out of the chain (MiddlewareNotUsed), so it costs nothing per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

PARTNER_PATHS = ("/api/v1/inquiry/", "/api/v1/auth/card/")

# The middleware after PartnerApiMiddleware that partner calls still go through (in the order
# MIDDLEWARE gives them).
PARTNER_KEPT = (
    "hoviat.core.headers.PrivacyHeadersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hoviat.core.idempotency.IdempotencyMiddleware",
)

FORK = f"{__name__}.PartnerApiMiddleware"
END = f"{__name__}.PartnerApiEndMiddleware"

Handler = Callable[[HttpRequest], HttpResponse]

# The view's handler, from PartnerApiEndMiddleware to PartnerApiMiddleware while one handler
# builds its chain (in one thread, innermost middleware first).
_building = threading.local()


class PartnerApiEndMiddleware:
    """Last in MIDDLEWARE: passes the view's handler on, then leaves the chain."""

    def __init__(self, get_response: Handler) -> None:
        _building.view = get_response
        raise MiddlewareNotUsed


class PartnerApiMiddleware:
    """Partner API calls go from here to the view through PARTNER_KEPT only."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        view = getattr(_building, "view", None)
        _building.view = None
        names = list(settings.MIDDLEWARE)
        if view is None or not names or names[-1] != END:
            raise ImproperlyConfigured(f"{END} must be the last of MIDDLEWARE, after {FORK}")
        after = names[names.index(FORK) + 1 :]
        kept = [name for name in after if name in PARTNER_KEPT]
        if sorted(kept) != sorted(PARTNER_KEPT):
            raise ImproperlyConfigured(f"MIDDLEWARE must list {PARTNER_KEPT} after {FORK}")
        handler = view
        for name in reversed(kept):
            handler = convert_exception_to_response(import_string(name)(handler))
        self.partner = handler
        # The site's policies from settings (what CSPMiddleware builds for a page that asks
        # for no nonce and no change), once.
        self.policy = build_policy()
        self.policy_report_only = build_policy(report_only=True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PARTNER_PATHS):
            return self.get_response(request)
        response = self.partner(request)
        if self.policy and HEADER not in response:
            response[HEADER] = self.policy
        if self.policy_report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = self.policy_report_only
        return response
