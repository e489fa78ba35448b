from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "hoviat.production"
    label = "production"
    verbose_name = "تولید کارت"
