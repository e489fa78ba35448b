from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hoviat.api import api
from hoviat.applications import views as application_views
from hoviat.core import error_pages
from hoviat.core import views as core_views
from hoviat.delivery import views as delivery_views
from hoviat.enrolment import views as enrolment_views


def _partner_calls_first(urls):
    """The API's URL patterns, with the inquiry and card-authentication paths tried first.

    Django tries patterns in order, and banks' inquiries are most of the API's requests: at
    the end of the list each of them paid for some sixty failed matches. None of the moved
    paths can be matched by another pattern (they start with fixed words no other API path
    uses), so the order changes nothing but the cost.
    """
    patterns, app_name, namespace = urls
    first = [p for p in patterns if str(p.pattern).startswith(("inquiry/", "auth/card/"))]
    return [*first, *(p for p in patterns if p not in first)], app_name, namespace


# With DEBUG off: Persian pages, and problem+json under /api/ (core/error_pages.py).
handler400 = error_pages.bad_request
handler403 = error_pages.permission_denied
handler404 = error_pages.page_not_found
handler500 = error_pages.server_error

admin.site.site_header = "هویت — مدیریت سامانه"
admin.site.site_title = "هویت"
admin.site.index_title = "مدیریت"

urlpatterns = [
    # First: the API answers the most requests (bank inquiries), and each pattern tried
    # before it costs every one of them a regular-expression match.
    path("api/v1/", _partner_calls_first(api.urls)),
    path("", core_views.home, name="home"),
    path("audit/checkpoint", core_views.audit_checkpoint_view, name="audit_checkpoint"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/second-factor/", core_views.second_factor, name="second_factor"),
    # Under /accounts/ so a staff member who has given only a password can still reach them.
    path("accounts/passkeys/", include("hoviat.core.passkeys")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("citizenship/", include("hoviat.citizenship.urls")),
    path("citizen/", include("hoviat.applications.urls")),
    path("citizen/book/", include("hoviat.booking.urls")),
    path(
        "citizen/applications/<uuid:public_id>/receipt.pdf",
        enrolment_views.citizen_receipt_pdf,
        name="citizen_receipt_pdf",
    ),
    path("track/", application_views.track, name="track"),
    path("track/card-mobile/", delivery_views.notice_mobile, name="track_card_mobile"),
    path("payments/", include("hoviat.payments.urls")),
    path("pki/", include("hoviat.pki.urls")),
    path("office/", include("hoviat.enrolment.urls")),
    path("production/", include("hoviat.production.urls")),
    path("office/delivery/", include("hoviat.delivery.urls")),
    path("cards/", include("hoviat.delivery.cards_urls")),
    path("inquiry/", include("hoviat.inquiry.urls")),
    path("reports/", include("hoviat.reports.urls")),
    path("me/", include("hoviat.selfservice.urls")),
    path("office/grievances/", include("hoviat.selfservice.staff_urls")),
    path("planning/", include("hoviat.planning.urls")),
    path("admin/", admin.site.urls),
]
