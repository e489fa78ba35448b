"""Idempotency-Key for the API: a retried POST gets the first answer, and does nothing twice."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from hoviat.core.errors import problem
from hoviat.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"


def _principal(request: HttpRequest) -> str:
    who = (
        request.headers.get("Authorization")
        or request.headers.get("X-API-Key")
        or f"addr:{request.META.get('REMOTE_ADDR', '')}"
    )
    return hashlib.sha256(who.encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _problem(status: int, code: str, detail: str) -> HttpResponse:
    body = problem(status, code, detail)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )


# Headers that are part of the answer itself and must come back with a replay: the detached
# signature of an inquiry answer, where a created thing lives, when to try again.
KEPT_HEADERS = ("X-JWS-Signature", "Location", "Retry-After")


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    for name, value in (record.headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    """For API POSTs carrying the header: the request runs in one transaction with the
    stored answer, so a concurrent retry either waits and replays, or rolls back whole."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META, not request.headers (which copies every header): this runs on every request.
        key = request.META.get(META_KEY)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 128:
            return _problem(
                400,
                "IDEMPOTENCY_KEY_INVALID",
                "کلید تکرارناپذیری (Idempotency-Key) بیش از ۱۲۸ نویسه است.",
            )
        principal = _principal(request)
        fingerprint = _fingerprint(request)
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return self._answer_again(existing, fingerprint)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    return response
                IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                    headers={h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
                )
                return response
        except IntegrityError:
            # A concurrent request with the same key won; everything this one did is undone.
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:
                raise
            return self._answer_again(existing, fingerprint)

    @staticmethod
    def _answer_again(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            return _problem(
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "این کلید تکرارناپذیری پیش‌تر برای درخواست دیگری به کار رفته است.",
            )
        return _replay(record)
