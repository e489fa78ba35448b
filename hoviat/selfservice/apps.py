from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "hoviat.selfservice"
    label = "selfservice"
    verbose_name = "خدمات شهروند به خود"

    def ready(self) -> None:
        from hoviat.pki import hooks as pki_hooks
        from hoviat.selfservice.selectors import card_standing_of

        # /pki/verify/ asks whether a digital card is still valid (suspended, revoked, expired).
        pki_hooks.card_standing.register(card_standing_of, key="selfservice.card_standing")
