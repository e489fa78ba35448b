from typing import TextIO

from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "hoviat.offices"
    label = "offices"
    verbose_name = "دفاتر صدور"

    def ready(self) -> None:
        from hoviat.core.reference import reference_data_on_migrate

        # Slots are never generated on an official holiday, so the calendar comes with migrate.
        reference_data_on_migrate(self, model="Holiday", load=_holidays_load)


def _holidays_load(out: TextIO | None) -> None:
    from hoviat.offices.services import holidays_load

    result = holidays_load()
    if out is not None:
        out.write(f"{result.total} holidays ({result.created} new, {result.updated} updated)\n")
