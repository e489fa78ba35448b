from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "hoviat.booking"
    label = "booking"
    verbose_name = "نوبت‌دهی"
