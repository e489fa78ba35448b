from django.urls import path

from hoviat.applications import views

app_name = "citizen"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/verify/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("apply/", views.apply, name="apply"),
    path("lost-code/", views.lost_code, name="lost_code"),
    # The citizen's own pages are addressed by the application's public id, never by its
    # tracking code (personal data; it would land in history, logs and the Referer header).
    path("applications/<uuid:public_id>/", views.application_detail, name="application"),
    path("applications/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
]
