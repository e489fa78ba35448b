"""Staff page sessions end after STAFF_SESSION_IDLE_MINUTES idle and STAFF_SESSION_MAX_HOURS."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from hoviat.core.services import second_factor_enrolled

SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
# Write the last-seen time at most this often: a session saved on every request costs a write.
SEEN_RESOLUTION_SECONDS = 60


class StaffSessionMiddleware:
    """Signs a staff member out of the pages when their session is idle or too old.

    Django's SESSION_COOKIE_AGE is renewed whenever the session is saved, so it alone gives
    neither an idle limit nor an absolute one; the two times kept in the session do.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API signs staff in with bearer tokens, never the session; leaving it alone keeps
        # the banks' inquiries from loading a session they do not have.
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.get(SIGNED_IN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.STAFF_SESSION_IDLE_MINUTES * 60
                or now - signed_in_at > settings.STAFF_SESSION_MAX_HOURS * 3600
            ):
                logout(request)  # flushes the session; the view sees an anonymous user
            else:
                self._stamp(request, now)
        response = self.get_response(request)
        # A sign-in during this request (the login view) starts the clock now.
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            self._stamp(request, time.time())
        return response

    @staticmethod
    def _stamp(request: HttpRequest, now: float) -> None:
        request.session.setdefault(SIGNED_IN_AT, now)
        if now - request.session.get(SEEN_AT, 0) >= SEEN_RESOLUTION_SECONDS:
            request.session[SEEN_AT] = now


# Paths a signed-in but not yet verified staff member may still reach: signing in and out,
# the second-factor page itself, static files; the API has its own (token) rule.
SECOND_FACTOR_OPEN_PATHS = ("/accounts/", "/admin/logout/", "/static/", "/api/")


class SecondFactorMiddleware:
    """Sends a staff member who has given only a password to the second-factor page.

    After OTPMiddleware (which knows whether this session passed a second factor). With
    STAFF_SECOND_FACTOR `required` everyone must pass one (enrolling first if need be); with
    `optional` only those who have enrolled.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(SECOND_FACTOR_OPEN_PATHS):
            user = request.user
            if (
                user.is_authenticated
                and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
                and (
                    settings.STAFF_SECOND_FACTOR == "required" or second_factor_enrolled(user=user)
                )
            ):
                return redirect_to_login(
                    request.get_full_path(), reverse("second_factor"), REDIRECT_FIELD_NAME
                )
        return self.get_response(request)
