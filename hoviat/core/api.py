import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.parser import Parser
from ninja.security import HttpBearer

from hoviat.core.errors import ValidationFailed
from hoviat.core.national_code import parse_national_code
from hoviat.core.services import staff_token_create, staff_token_user

router = Router(tags=["auth"])


class Problem(Schema):
    """An RFC 9457 problem document; `code` is the stable machine-readable part.

    Declare it for an operation's own error answers (`response={200: X, 409: Problem}`);
    hoviat/api.py declares the ones every operation can give and serves them all as
    application/problem+json.
    """

    model_config = {"extra": "allow"}

    type: str
    title: str
    status: int
    detail: str = Field(..., description="Persian, for people")
    code: str = Field(..., description="Stable, for programs")
    instance: str | None = None


LONE_SURROGATE_DETAIL = "متن ارسال‌شده نویسهٔ نامعتبر (نیمهٔ تنهای یک جفت UTF-16) دارد."


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class StrictJSONParser(Parser):
    """The JSON body of an operation: an object, and text that UTF-8 can hold.

    JSON may spell a lone UTF-16 surrogate (`"\\ud800"`); no database or encoder downstream can
    store it, so it failed as a 500 wherever it reached one. A body that is not an object
    (`[null, null]`) was read as "no fields". Both are refused here, for every operation.
    ninja wraps what this raises in a 400 HttpError; hoviat/api.py answers with the cause.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValidationFailed("بدنهٔ درخواست باید یک شیء JSON باشد.", code="VALIDATION_FAILED")
        if _has_lone_surrogate(data):
            raise ValidationFailed(LONE_SURROGATE_DETAIL, code="VALIDATION_FAILED")
        return data


class StaffBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = staff_token_user(token)
        if user is not None:
            request.user = user
        return user


staff_auth = StaffBearer()


class TokenIn(Schema):
    username: str
    password: str


class StaffTokenOut(Schema):
    token: str
    expires_at: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    province: str | None
    office_id: int | None


class NationalCodeOut(Schema):
    national_code: str
    valid: bool


@router.post("/auth/token", response={200: StaffTokenOut, 401: Problem}, summary="Staff sign-in")
def auth_token(request, payload: TokenIn):
    raw, token = staff_token_create(username=payload.username, password=payload.password)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@router.get("/me", response=MeOut, auth=staff_auth, summary="The signed-in staff member")
def me(request):
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "province": user.province.code if user.province_id else None,
        "office_id": user.office_id,
    }


@router.get(
    "/national-codes/{code}",
    response=NationalCodeOut,
    tags=["registry"],
    summary="Check a national code's form and check digit",
)
def national_code_check(request, code: str):
    """Validates only the number itself (no registry look-up, so nothing about a person)."""
    return {"national_code": parse_national_code(code), "valid": True}
