from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "hoviat.enrolment"
    label = "enrolment"
    verbose_name = "ثبت‌نام حضوری"

    def ready(self) -> None:
        from hoviat.citizenship import hooks
        from hoviat.enrolment.images import image_check
        from hoviat.enrolment.storage import cipher

        hooks.document_image_check.register(
            lambda *, data: image_check(data, kind="document"), key="enrolment.image_check"
        )
        # Citizenship's scanned documents are kept encrypted under the biometric keys
        # (HOVIAT_BIOMETRIC_KEY, rotated like them), in its own rows.
        hooks.document_seal.register(lambda *, data: cipher().encrypt(data), key="enrolment.cipher")
        hooks.document_unseal.register(
            lambda *, token: cipher().decrypt(token), key="enrolment.cipher"
        )
