from django.urls import path

from hoviat.pki import views

app_name = "pki"

urlpatterns = [
    path("receipt-keys", views.receipt_keys, name="receipt_keys"),
    path("verify/", views.verify, name="verify"),
]
