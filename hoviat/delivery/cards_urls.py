from django.urls import path

from hoviat.delivery import cards_views as views

app_name = "cards"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("office/", views.office, name="office"),
    path("policy/", views.policy, name="policy"),
    path("<str:csn>/report/", views.report, name="report"),
    path("<str:csn>/reissue/", views.reissue, name="reissue"),
]
