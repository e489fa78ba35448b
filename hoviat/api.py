"""The JSON API (v1): one NinjaAPI; every app adds its router; errors are problem+json."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from hoviat.applications.api import router as applications_router
from hoviat.booking.api import router as booking_router
from hoviat.citizenship.api import router as citizenship_router
from hoviat.core.api import Problem, StrictJSONParser
from hoviat.core.api import router as core_router
from hoviat.core.errors import (
    UNAVAILABLE_RETRY_AFTER,
    DomainError,
    ServiceUnavailable,
    ValidationFailed,
    internal_error_problem,
    problem,
)
from hoviat.delivery.api import router as delivery_router
from hoviat.delivery.cards_api import router as cards_router
from hoviat.enrolment.api import router as enrolment_router
from hoviat.inquiry.api import router as inquiry_router
from hoviat.payments.api import router as payments_router
from hoviat.places.api import router as places_router
from hoviat.planning.api import router as planning_router
from hoviat.production.api import router as production_router
from hoviat.reports.api import router as reports_router
from hoviat.selfservice.api import router as selfservice_router

logger = logging.getLogger(__name__)


class Utf8JSONRenderer(JSONRenderer):
    # Persian text as itself, not \u escapes: half the bytes, and readable in a log.
    json_dumps_params = {"ensure_ascii": False}


NUL_DETAIL = "متن ارسال‌شده نویسهٔ نامعتبر (NUL) دارد."


PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
_ERROR_TITLES = {
    400: "Bad request, or the request cannot be completed (problem+json)",
    401: "Not signed in, or the token is unknown or expired",
    403: "Signed in without access to this",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Content too large",
    422: "Invalid input",
    503: "The database cannot answer now (SERVICE_UNAVAILABLE); ask again after Retry-After",
}


def _errors_every_operation_can_give(method: str, operation: dict) -> set[int]:
    """The error answers of the shared handlers below, by what an operation takes."""
    # DomainError's default status; parameters or body that do not parse; the database down
    codes = {400, 422, 503}
    if operation.get("security"):
        codes |= {401, 403}
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        codes.add(404)
    if method != "get":
        codes.add(409)
    if "requestBody" in operation:
        codes.add(413)
    return codes


class HoviatAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares the problem+json error answers too."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        problem_content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                # ninja keys the operation's own answers by int; JSON wants strings.
                responses = {str(code): answer for code, answer in operation["responses"].items()}
                operation["responses"] = responses
                for response in responses.values():
                    # Declared by the operation itself (`response={409: Problem}`).
                    content = response.get("content", {})
                    declared = content.get("application/json", {}).get("schema", {})
                    if declared.get("$ref") == PROBLEM_REF:
                        response["content"] = problem_content
                for status in sorted(_errors_every_operation_can_give(method, operation)):
                    responses.setdefault(
                        str(status),
                        {"description": _ERROR_TITLES[status], "content": problem_content},
                    )
        return schema


api = HoviatAPI(
    renderer=Utf8JSONRenderer(),
    parser=StrictJSONParser(),
    title="Hoviat API",
    version="1",
    description="Smart national ID card: lifecycle, inquiry and card authentication.",
    urls_namespace="api",
    docs_url="/docs",
)


def _problem_response(request: HttpRequest, body: dict) -> HttpResponse:
    body.setdefault("instance", request.path)
    response = api.create_response(request, body, status=body["status"])
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    response = _problem_response(request, exc.as_problem())
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return _problem_response(
        request,
        problem(
            422,
            "VALIDATION_FAILED",
            "اطلاعات ارسال‌شده کامل یا معتبر نیست.",
            title="Invalid input",
            errors=exc.errors,
        ),
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _problem_response(
        request,
        problem(
            401, "AUTHENTICATION_REQUIRED", "برای این درخواست باید وارد شوید.", title="Unauthorized"
        ),
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _problem_response(
        request, problem(404, "NOT_FOUND", "موردی یافت نشد.", title="Not found")
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):
        # The body parser's own refusal (core.api.StrictJSONParser), wrapped by ninja.
        return on_domain_error(request, exc.__cause__)
    if exc.status_code == 400:
        # ninja raises this for a body that is not JSON at all.
        return _problem_response(
            request,
            problem(400, "MALFORMED_REQUEST", "بدنه درخواست JSON معتبر نیست.", title="Bad request"),
        )
    return _problem_response(request, problem(exc.status_code, "HTTP_ERROR", str(exc)))


@api.exception_handler(DataError)
def on_data_error(request, exc: DataError):
    if "NUL (0x00)" in str(exc):
        # PostgreSQL text cannot hold U+0000 (psycopg refuses it before sending): bad input.
        return on_domain_error(request, ValidationFailed(NUL_DETAIL, code="NUL_CHARACTER"))
    return on_unexpected_error(request, exc)


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request, exc):
    return _problem_response(
        request,
        problem(
            413,
            "REQUEST_TOO_LARGE",
            "حجم درخواست بیش از اندازهٔ مجاز است.",
            title="Content too large",
        ),
    )


@api.exception_handler(OperationalError)
def on_database_unavailable(request, exc: OperationalError):
    # The database cannot be reached, or the pool gave no connection in time (PoolTimeout):
    # a passing state, so 503 and when to try again rather than a 500.
    logger.exception("Database unavailable in %s %s", request.method, request.path)
    return on_domain_error(
        request, ServiceUnavailable(extra={"retry_after": UNAVAILABLE_RETRY_AFTER})
    )


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    # Logged with its traceback for us; the client gets a stable code and no internals.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _problem_response(request, internal_error_problem())


def _register_routers() -> None:
    api.add_router("/", core_router)
    api.add_router("/places", places_router)
    api.add_router("/", citizenship_router)
    api.add_router("/", applications_router)
    api.add_router("/", booking_router)
    api.add_router("/", payments_router)
    api.add_router("/", enrolment_router)
    api.add_router("/", production_router)
    api.add_router("/", delivery_router)
    api.add_router("/", cards_router)
    api.add_router("/", inquiry_router)
    api.add_router("/", selfservice_router)
    api.add_router("/", reports_router)
    api.add_router("/", planning_router)


_register_routers()
