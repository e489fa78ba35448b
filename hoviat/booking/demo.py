"""Demo data for booking: slots for every active office for the booking horizon."""

from hoviat.booking.services import slots_generate_all


def build(*, citizens: int, seed: int) -> str:
    return f"{slots_generate_all()} slots created"
