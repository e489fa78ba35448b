from django.urls import path

from hoviat.selfservice import views, views_history, views_lock

app_name = "selfservice"

urlpatterns: list = [
    path("grievances/", views.grievances, name="grievances"),
    path("grievances/new/", views.grievance_new, name="grievance_new"),
    path("grievances/<str:number>/", views.grievance_detail, name="grievance"),
    path("documents/", views.documents, name="documents"),
    path("contact/", views.contact, name="contact"),
    path("documents/cards/<str:card_serial>.pdf", views.document_card_pdf, name="card_pdf"),
    # Who asked about me, and lock my card (views_history.py, views_lock.py).
    path("", views_history.history_page, name="history"),
    path("who/", views_history.who, name="who"),
    path("digest/", views_history.digest, name="digest"),
    path("lock/", views_lock.lock_page, name="lock"),
    path("lock/confirm/", views_lock.lock_confirm, name="lock_confirm"),
]
