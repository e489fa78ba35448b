from django.urls import path

from hoviat.payments import views

app_name = "payments"

urlpatterns = [
    path("callback", views.callback, name="callback"),
    path("start/<uuid:public_id>", views.start, name="start"),
    path("sandbox/pay/<str:authority>", views.sandbox_pay, name="sandbox_pay"),
]
