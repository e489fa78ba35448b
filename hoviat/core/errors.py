"""Domain errors: each has a stable code and a Persian detail, and maps to problem+json."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "DOMAIN_ERROR"
    status = 400
    title = "Request cannot be completed"
    default_detail = "درخواست قابل انجام نیست."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}
        super().__init__(f"{self.code}: {self.detail}")

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem(
            self.status, self.code, self.detail, title=self.title, instance=instance, **self.extra
        )


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"
    status = 422
    title = "Invalid input"
    default_detail = "اطلاعات واردشده معتبر نیست."


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404
    title = "Not found"
    default_detail = "موردی یافت نشد."


class AccessDenied(DomainError):
    code = "ACCESS_DENIED"
    status = 403
    title = "Forbidden"
    default_detail = "شما به این بخش دسترسی ندارید."


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409
    title = "Conflict"
    default_detail = "این درخواست با وضعیت فعلی سازگار نیست."


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    default_detail = "این تغییر وضعیت مجاز نیست."


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    status = 429
    title = "Too many requests"
    default_detail = "تعداد درخواست‌ها بیش از حد مجاز است. کمی بعد دوباره تلاش کنید."


class ServiceUnavailable(DomainError):
    """The database cannot be reached, or gave no connection in time: the client may retry."""

    code = "SERVICE_UNAVAILABLE"
    status = 503
    title = "Service unavailable"
    default_detail = "سامانه هم‌اکنون پاسخ‌گو نیست؛ چند لحظه بعد دوباره تلاش کنید."


# Retry-After (seconds) with a 503 for an unavailable database: long enough for the pool to
# free a connection or a failover to finish, short enough that a person retrying loses little.
UNAVAILABLE_RETRY_AFTER = 5


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An RFC 9457 problem document; `code` is the stable machine-readable part."""
    body: dict[str, Any] = {
        "type": f"urn:hoviat:problem:{code.lower()}",
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def internal_error_problem() -> dict[str, Any]:
    """The body of a 500: a stable code and nothing of the internals (those go to the log)."""
    return problem(
        500,
        "INTERNAL_ERROR",
        "خطای پیش‌بینی‌نشده‌ای رخ داد. لطفاً دوباره تلاش کنید.",
        title="Internal server error",
    )
