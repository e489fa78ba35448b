from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "hoviat.registry"
    label = "registry"
    verbose_name = "ثبت جمعیت"
