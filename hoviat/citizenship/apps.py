from django.apps import AppConfig


class CitizenshipConfig(AppConfig):
    name = "hoviat.citizenship"
    label = "citizenship"
    verbose_name = "پرونده‌های تابعیت (افراد فاقد شناسنامه)"
