from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "hoviat.enrolment"
    label = "enrolment"
    verbose_name = "ثبت‌نام حضوری"
