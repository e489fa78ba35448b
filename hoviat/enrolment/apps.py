from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "hoviat.enrolment"
    label = "enrolment"
    verbose_name = "ثبت‌نام حضوری"

    def ready(self) -> None:
        from hoviat.citizenship import hooks
        from hoviat.enrolment.devices import SimulatorDevice, capture_all
        from hoviat.enrolment.images import image_check
        from hoviat.enrolment.selectors import enrolled_biometrics_with_hashes
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
        # Citizenship cases take the applicant's face and fingers through the same device
        # interface and checks, and look them up among the enrolments (its simulator matcher).
        hooks.biometric_image_check.register(
            lambda *, data, kind: image_check(data, kind=kind), key="enrolment.image_check"
        )
        hooks.biometric_device_capture.register(
            lambda *, person, initials: capture_all(
                SimulatorDevice(person=person, initials=initials)
            ),
            key="enrolment.simulator_device",
        )
        hooks.enrolled_biometrics_matching.register(
            enrolled_biometrics_with_hashes, key="enrolment.biometrics"
        )
