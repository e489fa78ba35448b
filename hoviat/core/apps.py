from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_save
from PIL import Image


class CoreConfig(AppConfig):
    name = "hoviat.core"
    label = "core"
    verbose_name = "هسته"

    def ready(self) -> None:
        from hoviat.core.models import User
        from hoviat.core.receivers import user_tokens_revoke_on_change

        pre_save.connect(user_tokens_revoke_on_change, sender=User, dispatch_uid="core-user-tokens")

        # A backstop for any picture opened anywhere: Pillow warns above this and refuses above
        # twice it. The upload checks refuse at IMAGE_MAX_PIXELS themselves, from the header;
        # this is looser so a large JPEG can still be opened and decoded at a reduced scale.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS * 4
