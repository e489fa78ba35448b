from django.urls import path

from hoviat.planning import plan_views, views

app_name = "planning"

urlpatterns = [
    path("accuracy/", views.accuracy, name="accuracy"),
    path("plan/", plan_views.plan_page, name="plan"),
    path("plan/runs/<int:run_id>/progress/", plan_views.plan_progress, name="plan_progress"),
]
