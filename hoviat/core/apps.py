from django.apps import AppConfig
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "hoviat.core"
    label = "core"
    verbose_name = "هسته"

    def ready(self) -> None:
        from hoviat.core.models import User
        from hoviat.core.receivers import user_tokens_revoke_on_change

        pre_save.connect(user_tokens_revoke_on_change, sender=User, dispatch_uid="core-user-tokens")
