from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "hoviat.enrolment"
    label = "enrolment"
    verbose_name = "ثبت‌نام حضوری"

    def ready(self) -> None:
        from hoviat.citizenship import hooks
        from hoviat.enrolment.images import image_check

        hooks.document_image_check.register(
            lambda *, data: image_check(data, kind="document"), key="enrolment.image_check"
        )
