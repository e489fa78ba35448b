from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hoviat.core"
    label = "core"
    verbose_name = "هسته"
