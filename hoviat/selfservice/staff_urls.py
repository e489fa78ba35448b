"""Staff pages of self-service: complaints of their office or province (/office/grievances/)."""

from django.urls import path

from hoviat.selfservice import views

app_name = "office_grievances"

urlpatterns = [
    path("", views.staff_grievances, name="list"),
    path("overdue/", views.staff_overdue, name="overdue"),
    path("<str:number>/", views.staff_grievance, name="detail"),
]
