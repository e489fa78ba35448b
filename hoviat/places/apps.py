from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "hoviat.places"
    label = "places"
    verbose_name = "تقسیمات کشوری"

    def ready(self) -> None:
        from hoviat.core.reference import reference_data_on_migrate
        from hoviat.places.services import places_load

        # `hoviat migrate` alone leaves a usable database: the places every later step needs
        # (a province to generate people in, a city for an office) are loaded right after it.
        reference_data_on_migrate(self, model="City", load=lambda out: places_load(stdout=out))
