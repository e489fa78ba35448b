from django.urls import path

from hoviat.selfservice import views

app_name = "selfservice"

urlpatterns: list = [
    path("grievances/", views.grievances, name="grievances"),
    path("grievances/new/", views.grievance_new, name="grievance_new"),
    path("grievances/<str:number>/", views.grievance_detail, name="grievance"),
]
