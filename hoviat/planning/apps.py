from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "hoviat.planning"
    label = "planning"
    verbose_name = "برنامه‌ریزی و وعدهٔ کارت"
