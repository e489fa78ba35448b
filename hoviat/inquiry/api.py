"""Inquiry API v1 for banks and agencies (the contract in ../shared/API.md).

Every answer is signed: the `X-JWS-Signature` header holds a detached JWS over the exact
body bytes (see signing.py); the keys are published at GET /inquiry/keys. Partners
authenticate with `X-API-Key`; see docs/inquiry.md.

For the benchmark (colleague I2): GET /api/v1/inquiry/ping is the no-op baseline. It checks
the API key exactly as the inquiries do (one indexed query) but counts no quota, writes no
log and signs nothing, so `card inquiry − ping` is the cost of the inquiry itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict

from hoviat.core.api import JSONBody, Problem
from hoviat.core.jalali import parse_date
from hoviat.inquiry import selectors, services
from hoviat.inquiry.reasons import PURPOSES, REASONS
from hoviat.inquiry.signing import HEADER


class PartnerKey(APIKeyHeader):
    param_name = "X-API-Key"

    def _get_key(self, request: HttpRequest) -> str | None:
        # From META, as request.headers would give it: building request.headers copies every
        # header of the request, a twentieth of a no-op call's CPU.
        return request.META.get("HTTP_X_API_KEY")

    def authenticate(self, request: HttpRequest, key: str | None):
        return selectors.api_key_for(key, address=request.META.get("REMOTE_ADDR", ""))


partner_key = PartnerKey()
router = Router(tags=["inquiry"], auth=partner_key)

PURPOSE_FIELD = Field(
    ...,
    max_length=32,
    description="Why the partner asks (a code from the purpose table).",
    json_schema_extra={"enum": list(PURPOSES)},
)
REASON_FIELD = Field(
    ...,
    description="Stable reason code (docs/inquiry.md); OK when valid.",
    json_schema_extra={"enum": list(REASONS)},
)
ANSWER_FIELDS = {
    "inquiry_id": "Our reference of this inquiry (kept in the inquiry log).",
    "answered_at": "When the registry answered (ISO 8601).",
}


class RequestBody(BaseModel):
    """A request body: plain JSON data, validated by pydantic alone. ninja's Schema first wraps
    what it validates so that it can read model objects too (DjangoGetter): for CardIn that
    made validating the body 7.6 µs instead of 1.4. The OpenAPI document is the same."""


class Answer(Schema):
    inquiry_id: str = Field(..., description=ANSWER_FIELDS["inquiry_id"])
    answered_at: str = Field(..., description=ANSWER_FIELDS["answered_at"])


class CardIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "national_code": "0499370899",
                    "card_serial": "IR0000000001",
                    "purpose": "BANK_ACCOUNT_OPENING",
                }
            ]
        }
    )
    national_code: str = Field(..., max_length=20, description="10 digits (Persian digits ok)")
    card_serial: str = Field(..., max_length=32, description="Card serial number (CSN)")
    purpose: str = PURPOSE_FIELD


class CardOut(Answer):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "result": "valid",
                    "card_status": "active",
                    "expires_on": "2033-05-01",
                    "reason_code": "OK",
                    "inquiry_id": "0b7c8f8e-4f3e-4c7e-9d0b-6c1c7a1f2e11",
                    "answered_at": "2026-11-22T21:30:00+03:30",
                },
                {
                    "result": "invalid",
                    "card_status": None,
                    "expires_on": None,
                    "reason_code": "NOT_FOUND",
                    "inquiry_id": "4d3f1a52-8f45-4b5e-a0a4-34f0a0d4c0c2",
                    "answered_at": "2026-11-22T21:30:00+03:30",
                },
            ]
        }
    )
    result: Literal["valid", "invalid"]
    card_status: str | None = Field(
        None, description="Card status; null unless the card_status attribute is granted."
    )
    expires_on: str | None = Field(
        None,
        description="Last valid day under the validity policy (extensions counted); null "
        "unless the expires_on attribute is granted.",
    )
    reason_code: str = REASON_FIELD


class ReceiptIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "national_code": "0499370899",
                    "tracking_code": "140512345678",
                    "purpose": "SIM_CARD",
                }
            ]
        }
    )
    national_code: str = Field(..., max_length=20)
    tracking_code: str = Field(..., max_length=32)
    receipt_number: str | None = Field(
        None,
        max_length=16,
        description="Optional: the number printed on the receipt shown; a reissued (older) "
        "receipt is then RECEIPT_SUPERSEDED.",
    )
    purpose: str = PURPOSE_FIELD


class ReceiptOut(Answer):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "result": "valid",
                    "application_status": "in_production",
                    "receipt_valid_until": "2027-02-20",
                    "reason_code": "OK",
                    "inquiry_id": "0b7c8f8e-4f3e-4c7e-9d0b-6c1c7a1f2e11",
                    "answered_at": "2026-11-22T21:30:00+03:30",
                }
            ]
        }
    )
    result: Literal["valid", "invalid"]
    application_status: str | None = None
    receipt_valid_until: str | None = None
    reason_code: str = REASON_FIELD


class IdentityIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "national_code": "0499370899",
                    "birth_date": "1370/05/14",
                    "first_name": "سارا",
                    "last_name": "محمدی",
                    "purpose": "BANK_ACCOUNT_OPENING",
                }
            ]
        }
    )
    national_code: str = Field(..., max_length=20)
    birth_date: str = Field(
        ..., max_length=20, description="ISO 8601 (1991-08-05) or Jalali (1370/05/14)"
    )
    first_name: str | None = Field(None, max_length=64)
    last_name: str | None = Field(None, max_length=64)
    purpose: str = PURPOSE_FIELD


class IdentityOut(Answer):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "match": True,
                    "inquiry_id": "0b7c8f8e-4f3e-4c7e-9d0b-6c1c7a1f2e11",
                    "answered_at": "2026-11-22T21:30:00+03:30",
                }
            ]
        }
    )
    match: bool


class PaperCardIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"national_code": "0499370899", "card_number": "0499370899-1", "purpose": "LOAN"}
            ]
        }
    )
    national_code: str = Field(..., max_length=20)
    card_number: str = Field(..., max_length=32)
    purpose: str = PURPOSE_FIELD


class PaperCardOut(Answer):
    result: Literal["valid", "invalid"]
    accepted_until: str | None = Field(
        None, description="Cut-off of paper cards in force; null unless granted or none set."
    )
    reason_code: str = REASON_FIELD


class ChallengeOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "challenge": "q1x0nV7wJ4m9d2k8Yp3sTgH6bE5rL0aZcW1uN8fK2oQ",
                    "expires_at": "2026-11-22T18:02:00+00:00",
                }
            ]
        }
    )
    challenge: str = Field(..., description="32 random bytes, base64url: the card signs these")
    expires_at: str


class VerifyIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "challenge": "q1x0nV7wJ4m9d2k8Yp3sTgH6bE5rL0aZcW1uN8fK2oQ",
                    "certificate_pem": "-----BEGIN CERTIFICATE-----\nMIIC…\n"
                    "-----END CERTIFICATE-----\n",
                    "signature": "MEUCIQD…",
                }
            ]
        }
    )
    challenge: str = Field(..., max_length=64)
    certificate_pem: str = Field(..., max_length=8192)
    signature: str = Field(
        ..., max_length=200, description="base64 of the ECDSA signature (DER or r||s)"
    )


class VerifyOut(Answer):
    authenticated: bool
    national_code: str | None = Field(
        None, description="The certificate holder; null unless the national_code attribute."
    )
    reason_code: str = REASON_FIELD


class PingOut(Schema):
    ok: bool
    partner: str


SIGNATURE_HEADER = {
    HEADER: {
        "description": "Detached JWS (RFC 7515 appendix F, ES256) over the exact body; keys "
        "at /inquiry/keys",
        "schema": {"type": "string"},
    }
}
ERRORS = {401: Problem, 403: Problem, 422: Problem, 429: Problem}


def _signed(answer: services.SignedAnswer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    response[HEADER] = answer.signature
    response["Cache-Control"] = "no-store"
    return response


PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _extra(summary_fa: str = "", *, signed: bool = True, errors=(401, 403, 422, 429)) -> dict:
    # Errors are sent as application/problem+json (RFC 9457): say so in the document.
    responses: dict = {status: {"content": PROBLEM_CONTENT} for status in errors}
    if signed:
        responses[200] = {"headers": SIGNATURE_HEADER}
    extra: dict = {"responses": responses}
    if summary_fa:
        extra["x-summary-fa"] = summary_fa
    return extra


@router.post(
    "/inquiry/card",
    response={200: CardOut, **ERRORS},
    summary="Card inquiry: is this smart card valid today?",
    openapi_extra=_extra("استعلام کارت هوشمند"),
)
def inquiry_card(request, payload: Annotated[CardIn, JSONBody(...)]):
    return _signed(
        services.card_inquire(
            key=request.auth,
            national_code=payload.national_code,
            card_serial=payload.card_serial,
            purpose=payload.purpose,
        )
    )


@router.post(
    "/inquiry/receipt",
    response={200: ReceiptOut, **ERRORS},
    summary="Receipt inquiry: does this enrolment receipt stand in for the card?",
    openapi_extra=_extra("استعلام رسید ثبت‌نام"),
)
def inquiry_receipt(request, payload: Annotated[ReceiptIn, JSONBody(...)]):
    return _signed(
        services.receipt_inquire(
            key=request.auth,
            national_code=payload.national_code,
            tracking_code=payload.tracking_code,
            receipt_number=payload.receipt_number,
            purpose=payload.purpose,
        )
    )


@router.post(
    "/inquiry/identity",
    response={200: IdentityOut, **ERRORS},
    summary="Identity match: yes or no, never the data",
    openapi_extra=_extra("تطبیق هویت"),
)
def inquiry_identity(request, payload: Annotated[IdentityIn, JSONBody(...)]):
    return _signed(
        services.identity_inquire(
            key=request.auth,
            national_code=payload.national_code,
            birth_date=parse_date(payload.birth_date),
            first_name=payload.first_name,
            last_name=payload.last_name,
            purpose=payload.purpose,
        )
    )


@router.post(
    "/inquiry/paper-card",
    response={200: PaperCardOut, **ERRORS},
    summary="Old paper card inquiry, under the cut-off policy",
    openapi_extra=_extra("استعلام کارت ملی قدیمی"),
)
def inquiry_paper_card(request, payload: Annotated[PaperCardIn, JSONBody(...)]):
    return _signed(
        services.paper_card_inquire(
            key=request.auth,
            national_code=payload.national_code,
            card_number=payload.card_number,
            purpose=payload.purpose,
        )
    )


@router.post(
    "/auth/card/challenge",
    response={200: ChallengeOut, **ERRORS},
    tags=["card authentication"],
    summary="A one-time challenge for the card to sign",
    openapi_extra=_extra("چالش احراز هویت با کارت", signed=False),
)
def auth_card_challenge(request):
    challenge, expires_at = services.challenge_create(key=request.auth)
    return {"challenge": challenge, "expires_at": expires_at.isoformat()}


VERIFY_EXTRA = _extra("احراز هویت با کارت", errors=(401, 403, 404, 409, 410, 422, 429))
# A refused authentication (403) is an answer too, and signed like one.
VERIFY_EXTRA["responses"][403]["headers"] = SIGNATURE_HEADER


@router.post(
    "/auth/card/verify",
    response={200: VerifyOut, 404: Problem, 409: Problem, 410: Problem, **ERRORS},
    tags=["card authentication"],
    summary="Verify the card's signature over a challenge",
    description="A refusal (certificate untrusted, expired, revoked, not for authentication, "
    "signature invalid, card not active) is a signed problem+json, status 403, with "
    "`code` = `reason_code` and `authenticated: false`.",
    openapi_extra=VERIFY_EXTRA,
)
def auth_card_verify(request, payload: Annotated[VerifyIn, JSONBody(...)]):
    return _signed(
        services.card_authenticate(
            key=request.auth,
            challenge=payload.challenge,
            certificate_pem=payload.certificate_pem,
            signature=payload.signature,
        )
    )


@router.get(
    "/inquiry/ping",
    response={200: PingOut, 401: Problem, 403: Problem},
    summary="No-op with the same key check (benchmark baseline; no quota, log or signature)",
    openapi_extra=_extra(signed=False, errors=(401, 403)),
)
def inquiry_ping(request):
    return {"ok": True, "partner": request.auth.partner.name}
