from django.urls import path

from hoviat.selfservice import views

app_name = "selfservice"

urlpatterns: list = [
    path("grievances/", views.grievances, name="grievances"),
    path("grievances/new/", views.grievance_new, name="grievance_new"),
    path("grievances/<str:number>/", views.grievance_detail, name="grievance"),
    path("documents/", views.documents, name="documents"),
    path("contact/", views.contact, name="contact"),
    path("documents/cards/<str:card_serial>.pdf", views.document_card_pdf, name="card_pdf"),
]
