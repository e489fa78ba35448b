from django.urls import path

from hoviat.selfservice import views_history, views_lock

app_name = "selfservice"

urlpatterns: list = [
    # Who asked about me, and lock my card (views_history.py, views_lock.py).
    path("", views_history.history_page, name="history"),
    path("who/", views_history.who, name="who"),
    path("digest/", views_history.digest, name="digest"),
    path("lock/", views_lock.lock_page, name="lock"),
    path("lock/confirm/", views_lock.lock_confirm, name="lock_confirm"),
]
