from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "hoviat.places"
    label = "places"
    verbose_name = "تقسیمات کشوری"
