from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "hoviat.pki"
    label = "pki"
    verbose_name = "زیرساخت کلید عمومی"
