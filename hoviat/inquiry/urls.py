from django.urls import path

from hoviat.inquiry import views

app_name = "inquiry"

urlpatterns = [
    path("", views.guide, name="guide"),
    path("guide/", views.guide_doc, name="guide_doc"),
    path("keys", views.signing_keys, name="keys"),
    path("reasons.json", views.reasons_json, name="reasons_json"),
    path("log/", views.log, name="log"),
]
