from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

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
    detail: str
    code: str
    instance: str | None = None


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
    "/auth/token", response={200: TokenOut, 401: Problem, 429: Problem}, summary="Staff sign-in"
)
def auth_token(request, payload: TokenIn):
    raw, token = staff_token_create(
        request=request, username=payload.username, password=payload.password
    )
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
