"""`hoviat generate-population --province IR-06 --size N`: synthetic citizens of a province."""

from django.core.management.base import BaseCommand, CommandError

from hoviat.core.errors import DomainError
from hoviat.registry.services import population_generate, population_write_csv


class Command(BaseCommand):
    help = (
        "Add synthetic citizens to a province (valid codes with its county prefixes, Persian "
        "names, Iran's age pyramid); the same seed gives the same people."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="ISO 3166-2 code, e.g. IR-06")
        parser.add_argument("--size", type=int, required=True, help="how many citizens")
        parser.add_argument("--seed", type=int, default=1405, help="default 1405")
        parser.add_argument(
            "--csv",
            metavar="PATH",
            help="write them as an import-registry CSV instead of the database",
        )

    def handle(self, *args, province, size, seed, csv, **options):
        if size < 0:
            raise CommandError("--size must not be negative")
        try:
            if csv:
                written = population_write_csv(province=province, size=size, seed=seed, path=csv)
                self.stdout.write(f"wrote {written:,} citizens of {province.upper()} to {csv}")
                return
            result = population_generate(province=province, size=size, seed=seed)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.detail}") from None
        self.stdout.write(
            f"{result.province}: created {result.created:,} · already present "
            f"{result.already_present:,} · {result.seconds:.1f} s"
        )
