from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "hoviat.offices"
    label = "offices"
    verbose_name = "دفاتر صدور"
