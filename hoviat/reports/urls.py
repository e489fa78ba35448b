from django.urls import path

from hoviat.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/", views.charts, name="nation_charts"),
    path("citizenship/", views.citizenship, name="citizenship"),
    path("provinces.csv", views.provinces_csv, name="provinces_csv"),
    path("provinces.xlsx", views.provinces_xlsx, name="provinces_xlsx"),
    path("province/<str:code>/", views.province, name="province"),
    path("province/<str:code>/charts/", views.charts, name="charts"),
    path("province/<str:code>/export.csv", views.province_csv, name="province_csv"),
    path("province/<str:code>/export.xlsx", views.province_xlsx, name="province_xlsx"),
    path("province/<str:code>/report.pdf", views.province_pdf, name="province_pdf"),
    path("office/<str:code>/", views.office, name="office"),
]
