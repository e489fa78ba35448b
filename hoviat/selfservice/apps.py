from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "hoviat.selfservice"
    label = "selfservice"
    verbose_name = "خدمات شهروند به خود"
