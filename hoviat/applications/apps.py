from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "hoviat.applications"
    label = "applications"
    verbose_name = "درخواست‌های کارت"
