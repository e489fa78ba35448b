from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from hoviat.core.errors import AccessDenied
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
    detail: str
    code: str
    instance: str | None = None


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


class TokenOut(Schema):
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
    response={200: TokenOut, 401: Problem, 403: Problem, 429: Problem},
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
