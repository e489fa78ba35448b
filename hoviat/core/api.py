import json
from functools import cache
from typing import Any

import pydantic
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.params.models import Body, BodyModel
from ninja.parser import Parser
from ninja.security import HttpBearer

from hoviat.core.errors import AccessDenied, ValidationFailed
from hoviat.core.models import StaffToken
from hoviat.core.national_code import parse_national_code
from hoviat.core.permissions import is_national_admin
from hoviat.core.selectors import staff_tokens_live
from hoviat.core.services import (
    staff_token_create,
    staff_token_logout,
    staff_token_revoke,
    staff_token_user,
)

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


def _could_have_lone_surrogate(body: bytes) -> bool:
    # A lone surrogate reaches the parsed text only from a backslash-u escape or, as json.loads
    # decodes bytes with "surrogatepass", from UTF-8-like bytes ED A0..ED BF; a body with
    # neither (and not UTF-16 or UTF-32, which put zero bytes up front) has none.
    return b"\\u" in body or b"\xed" in body or b"\x00" in body[:4]


class StrictJSONParser(Parser):
    """The JSON body of an operation: an object, and text that UTF-8 can hold.

    JSON may spell a lone UTF-16 surrogate (`"\\ud800"`); no database or encoder downstream can
    store it, so it failed as a 500 wherever it reached one. A body that is not an object
    (`[null, null]`) was read as "no fields". Both are refused here, for every operation.
    ninja wraps what this raises in a 400 HttpError; hoviat/api.py answers with the cause.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        body = request.body
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValidationFailed("بدنهٔ درخواست باید یک شیء JSON باشد.", code="VALIDATION_FAILED")
        if _could_have_lone_surrogate(body) and _has_lone_surrogate(data):
            raise ValidationFailed(LONE_SURROGATE_DETAIL, code="VALIDATION_FAILED")
        return data


class JSONBodyModel(BodyModel):
    """ninja's body model, with a shorter way for a body that is valid as it stands.

    ninja reads a JSON body as: request.body (twice), json.loads and this parser's checks,
    the object wrapped under the parameter's name, then the wrapper validated (which
    validates the body's model from the parsed dict). For a valid body, one call of pydantic's
    own JSON validation (model_validate_json, parsing in Rust) gives the same model: on the
    card inquiry, about 15 µs less of a request's CPU. Anything not plainly valid goes the
    general way, so every refusal (malformed JSON, not an object, a lone surrogate, a missing
    or wrong field) is exactly what it was, word for word.
    """

    @classmethod
    def resolve(cls, request: HttpRequest, api: Any, path_params: Any) -> Any:
        name = getattr(cls, "__read_from_single_attr__", None)
        model = _body_model(cls, name) if name else None
        if model is not None:
            body = request.body
            if body and not _could_have_lone_surrogate(body):
                try:
                    return {name: model.model_validate_json(body)}
                except pydantic.ValidationError:
                    pass  # refused the general way below, in the general words
        return super().resolve(request, api, path_params)


@cache
def _body_model(wrapper: type[BodyModel], name: str) -> type[pydantic.BaseModel] | None:
    # The body's own model (the one parameter's annotation), when it is a plain pydantic
    # model: ninja's Schema validates objects as well as dicts (its DjangoGetter), which
    # model_validate_json would not do the same way.
    field = wrapper.model_fields.get(name)
    annotation = field.annotation if field is not None else None
    if (
        isinstance(annotation, type)
        and issubclass(annotation, pydantic.BaseModel)
        and not issubclass(annotation, Schema)
    ):
        return annotation
    return None


# pydantic marks FieldInfo final; ninja's parameters (its Body too) subclass it all the same.
class JSONBody(Body):  # type: ignore[misc]
    """`payload: Annotated[CardIn, JSONBody(...)]`: a JSON body read through JSONBodyModel,
    documented in the OpenAPI document exactly as ninja's Body."""

    _model = JSONBodyModel

    @classmethod
    def _param_source(cls) -> str:
        return "body"


class StaffBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = staff_token_user(token)
        if user is not None:
            request.user = user
            request.staff_token = token  # type: ignore[attr-defined]  # for sign-out, which revokes this very token
        return user


staff_auth = StaffBearer()


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None  # the authenticator's current code, or a recovery code


class StaffTokenIssuedOut(Schema):
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


@router.post(
    "/auth/token",
    response={200: StaffTokenIssuedOut, 401: Problem, 403: Problem, 429: Problem},
    summary="Staff sign-in",
)
def auth_token(request, payload: TokenIn):
    raw, token = staff_token_create(
        request=request, username=payload.username, password=payload.password, otp=payload.otp
    )
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@router.post("/auth/logout", response={204: None}, auth=staff_auth, summary="Staff sign-out")
def auth_logout(request):
    """Revokes the bearer token the request was made with."""
    staff_token_logout(raw=request.staff_token)
    return Status(204, None)


class StaffTokenOut(Schema):
    id: int
    username: str
    created_at: str
    expires_at: str
    last_used_at: str | None
    revoked_at: str | None


def _national_admin(request) -> None:
    if not is_national_admin(request.auth):
        raise AccessDenied()


def _token_out(token: StaffToken) -> dict:
    return {
        "id": token.pk,
        "username": token.user.username,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@router.get(
    "/auth/tokens",
    response={200: list[StaffTokenOut], 403: Problem},
    auth=staff_auth,
    summary="Staff API tokens that are still live (national admin)",
)
def auth_tokens(request, username: str | None = None):
    _national_admin(request)
    return [_token_out(token) for token in staff_tokens_live(username=username)]


@router.post(
    "/auth/tokens/{token_id}/revoke",
    response={200: StaffTokenOut, 403: Problem, 404: Problem},
    auth=staff_auth,
    summary="Revoke a staff API token (national admin)",
)
def auth_token_revoke(request, token_id: int):
    _national_admin(request)
    token = staff_token_revoke(token_id=token_id, actor=request.auth, reason="revoked_by_admin")
    return _token_out(token)


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
