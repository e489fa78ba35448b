from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hoviat.api import api
from hoviat.applications import views as application_views
from hoviat.core import views as core_views
from hoviat.delivery import views as delivery_views

admin.site.site_header = "هویت — مدیریت سامانه"
admin.site.site_title = "هویت"
admin.site.index_title = "مدیریت"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("citizen/", include("hoviat.applications.urls")),
    path("citizen/book/", include("hoviat.booking.urls")),
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
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
