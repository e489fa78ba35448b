from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "hoviat.delivery"
    label = "delivery"
    verbose_name = "تحویل کارت"
