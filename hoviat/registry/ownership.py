"""Who owns a mobile line: the Shahkar-like interface and its two backends.

Iran binds a SIM card to the national code of its owner (the Shahkar registry); a service
that signs citizens in by SMS asks it whether the mobile that proved itself belongs to the
person the request is about. `simulator` answers from registry_mobileownership; `http` asks
a Shahkar-like service:

    POST {HOVIAT_MOBILE_OWNERSHIP_URL}  (Authorization: Bearer {HOVIAT_MOBILE_OWNERSHIP_TOKEN})
    {"mobile": "09171234567", "national_code": "0499370899"}
    → 200 {"owner": true}   or   200 {"owner": false}

Anything else (a timeout, a refused connection, a 5xx, a body without a boolean `owner`) is
MobileOwnershipUnavailable: the caller refuses with 503, it never guesses.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings

from hoviat.core.errors import DomainError
from hoviat.registry.models import MobileOwnership


class MobileOwnershipUnavailable(DomainError):
    code = "MOBILE_OWNERSHIP_UNAVAILABLE"
    status = 503
    title = "Service unavailable"
    default_detail = (
        "سامانهٔ استعلام مالکیت خط همراه اکنون پاسخ نمی‌دهد. چند دقیقهٔ دیگر دوباره تلاش کنید."
    )


class OwnershipBackend(Protocol):
    def owns(self, *, mobile: str, national_code: str) -> bool: ...


class SimulatorBackend:
    """Answers from the ownership table (the demo and generate-population fill it)."""

    def owns(self, *, mobile: str, national_code: str) -> bool:
        return MobileOwnership.objects.filter(mobile=mobile, national_code=national_code).exists()


class HttpBackend:
    """Asks a Shahkar-like service; fails closed (MobileOwnershipUnavailable) on any doubt."""

    def __init__(self) -> None:
        self.url = settings.MOBILE_OWNERSHIP_URL
        self.token = settings.MOBILE_OWNERSHIP_TOKEN
        self.timeout = settings.MOBILE_OWNERSHIP_TIMEOUT_SECONDS

    def owns(self, *, mobile: str, national_code: str) -> bool:
        if not self.url.startswith(("http://", "https://")):
            raise MobileOwnershipUnavailable()
        body = json.dumps({"mobile": mobile, "national_code": national_code}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=body, headers=headers, method="POST"
        )
        try:
            # The scheme is checked above (http or https only), never file: or custom ones.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 # nosec B310
                answer = json.loads(response.read(4096).decode())
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise MobileOwnershipUnavailable() from None
        owner = answer.get("owner") if isinstance(answer, dict) else None
        if not isinstance(owner, bool):
            raise MobileOwnershipUnavailable()
        return owner


BACKENDS: dict[str, type[OwnershipBackend]] = {
    "simulator": SimulatorBackend,
    "http": HttpBackend,
}


def ownership_backend() -> OwnershipBackend:
    """The backend HOVIAT_MOBILE_OWNERSHIP_BACKEND names."""
    return BACKENDS[settings.MOBILE_OWNERSHIP_BACKEND]()
