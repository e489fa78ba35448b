"""The inquiry API's problem codes, as domain errors (texts from reasons.PROBLEMS)."""

from __future__ import annotations

from typing import Any

from hoviat.core.errors import DomainError
from hoviat.inquiry.reasons import PROBLEMS, REASONS


class InquiryProblem(DomainError):
    """A problem of the inquiry API; status and Persian detail come from the one table."""

    def __init__(self, code: str, *, detail: str | None = None, **extra: Any) -> None:
        status, fa, en = PROBLEMS[code]
        self.title = en
        super().__init__(detail or fa, code=code, status=status, extra=extra or None)


class CardAuthFailed(DomainError):
    """The card was not authenticated: a problem+json that still carries the answer's fields
    (authenticated: false, national_code: null, reason_code), signed like every answer."""

    code = "AUTH_FAILED"
    status = 403
    title = "Card authentication failed"

    def __init__(self, reason_code: str) -> None:
        super().__init__(
            REASONS[reason_code].fa,
            code=reason_code,
            extra={"authenticated": False, "national_code": None, "reason_code": reason_code},
        )
