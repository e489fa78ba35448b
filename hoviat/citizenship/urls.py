from django.urls import path

from hoviat.citizenship import views

app_name = "citizenship"

urlpatterns = [path("", views.overview, name="overview")]
