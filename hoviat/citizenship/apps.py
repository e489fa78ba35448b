from django.apps import AppConfig


class CitizenshipConfig(AppConfig):
    name = "hoviat.citizenship"
    label = "citizenship"
    verbose_name = "پرونده‌های تابعیت (افراد فاقد شناسنامه)"

    def ready(self) -> None:
        from hoviat.citizenship import selectors
        from hoviat.core.context_processors import staff_menu_flags

        staff_menu_flags.register(
            lambda *, user: {"citizenship": bool(selectors.post_counties(user))},
            key="citizenship.posts",
        )
