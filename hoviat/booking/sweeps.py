from hoviat.booking.services import bookings_sweep


def run() -> str:
    return str(bookings_sweep())
