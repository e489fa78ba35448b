"""Where later stages extend booking (registered from their AppConfig.ready())."""

from hoviat.core.hooks import Hook

appointment_moved = Hook(
    "appointment_moved",
    "a booked appointment moved to another slot (called after commit with application_id): "
    "planning promises the card again from the new day, without calling it a slip",
)
