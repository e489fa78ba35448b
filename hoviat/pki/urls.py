from django.urls import path

from hoviat.pki import views

app_name = "pki"

urlpatterns = [
    path("receipt-keys", views.receipt_keys, name="receipt_keys"),
    path("verify/", views.verify, name="verify"),
    path("root.crt", views.root_certificate, name="root_certificate"),
    path("issuing.crt", views.issuing_certificate, name="issuing_certificate"),
    path("crl", views.crl, name="crl"),
    path("ocsp", views.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_get, name="ocsp_get"),
]
