from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "hoviat.inquiry"
    label = "inquiry"
    verbose_name = "استعلام"
