from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "hoviat.notifications"
    label = "notifications"
    verbose_name = "اطلاع‌رسانی"
