from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "hoviat.payments"
    label = "payments"
    verbose_name = "پرداخت"
