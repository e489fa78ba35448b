"""Staff sign-in throttling: the answer given while a username is locked at an address."""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hoviat.core.errors import DomainError
from hoviat.core.text import persian_digits


class SigninLocked(DomainError):
    code = "SIGNIN_LOCKED"
    status = 429
    title = "Too many failed sign-ins"
    default_detail = (
        "به دلیل تلاش‌های ناموفق پیاپی، ورود با این نام کاربری از این نشانی "
        "تا {minutes} دقیقهٔ دیگر ممکن نیست."
    )


def signin_cooloff_minutes() -> int:
    """Whole minutes a lock lasts (the cool-off counts from the last failure)."""
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)


def signin_locked_error() -> SigninLocked:
    """The domain error of a locked sign-in, its Persian detail saying how long it lasts."""
    minutes = signin_cooloff_minutes()
    return SigninLocked(
        SigninLocked.default_detail.format(minutes=persian_digits(minutes)),
        extra={"retry_after": minutes * 60},
    )


def signin_locked_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Axes' lockout answer (AXES_LOCKOUT_CALLABLE): problem+json on the API, a page elsewhere.

    A locked attempt never reaches the password check, so this is the same whether the
    password given was right or wrong.
    """
    error = signin_locked_error()
    if request.path.startswith("/api/"):
        response = HttpResponse(
            json.dumps(error.as_problem(instance=request.path), ensure_ascii=False),
            status=error.status,
            content_type="application/problem+json",
        )
    else:
        response = render(
            request,
            "registration/signin_locked.html",
            {"minutes": signin_cooloff_minutes()},
            status=error.status,
        )
    response["Retry-After"] = str(error.extra["retry_after"])
    return response
