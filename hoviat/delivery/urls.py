from django.urls import path

from hoviat.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.home, name="home"),
    path("shipments/<int:shipment_id>/receive/", views.receive, name="receive"),
    path("waiting/", views.waiting, name="waiting"),
    path("handover/", views.handover, name="handover"),
    path("handover/<str:card_serial>/pad/", views.pin_pad, name="pin_pad"),
    path("handover/<str:card_serial>/photo/", views.holder_photo, name="holder_photo"),
    path("handover/<str:card_serial>/done/", views.handed_over, name="handed_over"),
    path("handover/<str:card_serial>/slip/", views.handover_slip, name="handover_slip"),
    # For citizens (no sign-in): reached from the tracking page when the card-ready SMS failed.
]
