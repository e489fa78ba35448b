"""The site's URLs with a few views that fail, outside the API's own handlers, and the site's
error handlers (test_error_pages.py sets this as ROOT_URLCONF)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from hoviat import urls as site_urls


def fails(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError("connection failed: Connection refused")


def refuses(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a malformed request")


urlpatterns = [
    path("test/fails/", fails),
    path("test/database-down/", database_down),
    path("test/refuses/", refuses),
    path("test/suspicious/", suspicious),
    # Under the API's prefix, but plain Django views: not ninja's exception handlers.
    path("api/v1/test/fails", fails),
    path("api/v1/test/database-down", database_down),
    path("api/v1/test/refuses", refuses),
    *site_urls.urlpatterns,
]

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
