from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "hoviat.pki"
    label = "pki"
    verbose_name = "زیرساخت کلید عمومی"

    def ready(self) -> None:
        from hoviat.citizenship import hooks
        from hoviat.pki.letters import letter_claims_from
        from hoviat.pki.services import decision_letter_qr_sign

        # Citizenship's decision letters carry a QR signed like the enrolment receipt's.
        hooks.decision_letter_sign.register(
            lambda *, claims: decision_letter_qr_sign(claims=letter_claims_from(claims)),
            key="pki.decision_letter_qr_sign",
        )
