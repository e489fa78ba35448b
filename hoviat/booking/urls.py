from django.urls import path

from hoviat.booking import views

app_name = "booking"

urlpatterns = [
    path("<uuid:public_id>/", views.choose, name="choose"),
    path("<uuid:public_id>/book/", views.book, name="book"),
    path("<uuid:public_id>/cancel/", views.cancel, name="cancel"),
]
