"""SMS backends: where a message goes once the outbox hands it over."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    """The message did not leave. `permanent` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


@dataclass(frozen=True)
class DeliveryReport:
    provider_message_id: str
    delivered: bool | None  # None: still on its way
    detail: str = ""


class SmsBackend:
    def send(self, *, to: str, body: str, local_id: str) -> SendResult:
        raise NotImplementedError

    def delivery_reports(self, provider_ids: list[str]) -> list[DeliveryReport]:
        """Ask the provider what became of sent messages (backends without reports: none)."""
        return []


class ConsoleBackend(SmsBackend):
    def send(self, *, to: str, body: str, local_id: str) -> SendResult:
        # The number's last four digits only: the developer sees which, the log holds no mobile.
        logger.info("SMS to …%s: %s", to[-4:], body)
        return SendResult(f"console-{local_id}")


class FileBackend(SmsBackend):
    """One JSON line per message in SMS_FILE_PATH: the development default."""

    _lock = threading.Lock()

    def send(self, *, to: str, body: str, local_id: str) -> SendResult:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": local_id, "to": to, "body": body, "at": timezone.now().isoformat()},
            ensure_ascii=False,
        )
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return SendResult(f"file-{local_id}")


# Kavenegar's delivery statuses (its REST documentation, sms/status).
_KAVENEGAR_DELIVERED = {10}
_KAVENEGAR_NOT_DELIVERED = {6, 11, 13, 14, 100}


class KavenegarBackend(SmsBackend):
    """Kavenegar's REST API: POST {base}/v1/{api_key}/sms/send.json."""

    def __init__(self) -> None:
        self.base_url = settings.KAVENEGAR_BASE_URL.rstrip("/")
        self.api_key = settings.KAVENEGAR_API_KEY
        self.sender = settings.KAVENEGAR_SENDER
        self.timeout = settings.KAVENEGAR_TIMEOUT_SECONDS

    def _call(self, method: str, params: dict[str, str]) -> dict:
        url = f"{self.base_url}/v1/{urllib.parse.quote(self.api_key)}/sms/{method}.json"
        data = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
        try:
            # The URL is https://… from settings (KAVENEGAR base URL), never from a request.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                payload = json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            try:
                payload = json.loads(exc.read().decode())
            except ValueError:
                raise SmsSendError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SmsSendError(f"provider unreachable: {exc}") from None
        status = payload.get("return", {}).get("status")
        if status != 200:
            message = payload.get("return", {}).get("message", "")
            # 4xx statuses of Kavenegar are about the request itself (bad number, no credit,
            # bad key): retrying the same request will not help.
            raise SmsSendError(
                f"provider status {status}: {message}",
                permanent=isinstance(status, int) and 400 <= status < 500,
            )
        return payload

    def send(self, *, to: str, body: str, local_id: str) -> SendResult:
        payload = self._call(
            "send", {"receptor": to, "message": body, "sender": self.sender, "localid": local_id}
        )
        entries = payload.get("entries") or []
        if not entries or "messageid" not in entries[0]:
            raise SmsSendError("provider answered without a message id")
        return SendResult(str(entries[0]["messageid"]))

    def delivery_reports(self, provider_ids: list[str]) -> list[DeliveryReport]:
        if not provider_ids:
            return []
        payload = self._call("status", {"messageid": ",".join(provider_ids)})
        reports = []
        for entry in payload.get("entries") or []:
            status = entry.get("status")
            delivered = (
                True
                if status in _KAVENEGAR_DELIVERED
                else False
                if status in _KAVENEGAR_NOT_DELIVERED
                else None
            )
            reports.append(
                DeliveryReport(
                    str(entry.get("messageid")), delivered, str(entry.get("statustext", ""))
                )
            )
        return reports


BACKENDS = {
    "console": "hoviat.notifications.backends.ConsoleBackend",
    "file": "hoviat.notifications.backends.FileBackend",
    "kavenegar": "hoviat.notifications.backends.KavenegarBackend",
}


def get_backend() -> SmsBackend:
    return import_string(BACKENDS[settings.SMS_BACKEND])()
