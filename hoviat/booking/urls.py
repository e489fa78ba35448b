from django.urls import path

from hoviat.booking import views

app_name = "booking"

urlpatterns = [
    path("<str:tracking_code>/", views.choose, name="choose"),
    path("<str:tracking_code>/book/", views.book, name="book"),
    path("<str:tracking_code>/cancel/", views.cancel, name="cancel"),
]
