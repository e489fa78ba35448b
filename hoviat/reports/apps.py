from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hoviat.reports"
    label = "reports"
    verbose_name = "آمار و گزارش"
