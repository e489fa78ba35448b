from django.urls import path

from hoviat.planning import views

app_name = "planning"

urlpatterns = [
    path("accuracy/", views.accuracy, name="accuracy"),
]
