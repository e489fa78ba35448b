"""The JSON API (v1): one NinjaAPI; every app adds its router; errors are problem+json."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hoviat.core.errors import DomainError, problem

api = NinjaAPI(
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
    return _problem_response(request, exc.as_problem())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return _problem_response(
        request,
        problem(422, "VALIDATION_FAILED", "اطلاعات ارسال‌شده کامل یا معتبر نیست.",
                title="Invalid input", errors=exc.errors),
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _problem_response(
        request, problem(401, "AUTHENTICATION_REQUIRED", "برای این درخواست باید وارد شوید.",
                         title="Unauthorized"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _problem_response(request, problem(404, "NOT_FOUND", "موردی یافت نشد.",
                                              title="Not found"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _problem_response(request, problem(exc.status_code, "HTTP_ERROR", str(exc)))


def _register_routers() -> None:
    from hoviat.core.api import router as core_router
    from hoviat.places.api import router as places_router

    api.add_router("/", core_router)
    api.add_router("/places", places_router)


_register_routers()
