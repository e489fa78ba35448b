"""Demo data for places: the real reference data, the same for every demo."""

from hoviat.places.services import places_load


def build(*, citizens: int, seed: int) -> str:
    # citizens and seed shape other apps' demo data; reference data does not depend on them.
    result = places_load()
    return (
        f"{result['provinces']} provinces, {result['counties']} counties, "
        f"{result['prefixes']} national-code prefixes, {result['cities']} cities "
        f"({result['created']} created, {result['updated']} updated)"
    )
