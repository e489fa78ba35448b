from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "hoviat.applications"
    label = "applications"
    verbose_name = "درخواست‌های کارت"

    def ready(self) -> None:
        from hoviat.applications.services import citizen_session_mobile
        from hoviat.citizenship import hooks

        hooks.citizen_token_mobile.register(
            lambda *, token: citizen_session_mobile(token), key="applications.citizen_session"
        )
