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
        hooks.citizen_session_mobile.register(_session_mobile, key="applications.citizen_session")


def _session_mobile(*, request):
    from hoviat.applications.views import SESSION_KEY

    return request.session.get(SESSION_KEY) or None
