"""Where later stages extend the application (registered from their AppConfig.ready())."""

from hoviat.core.hooks import Hook

application_paid = Hook(
    "application_paid",
    "an application became paid (called after commit with application_id): delivery sends a "
    "paid replacement whose biometrics are reused straight to production",
)
application_status_changed = Hook(
    "application_status_changed",
    "applications moved to a status (called after commit with application_ids and to, for "
    "every status): planning makes its card promise at booking, enrolment and production start",
)
expected_ready = Hook(
    "expected_ready",
    "when the card of `application` should be ready, or None: production answers from its "
    "queue; the first answer that is not None is used",
)
tracking_extras = Hook(
    "tracking_extras",
    "what tracking shows of `application` beyond its status, by key: delivery adds the card "
    "waiting at an office (page and API)",
)
application_closing = Hook(
    "application_closing",
    "`application` (locked, in the caller's transaction) is about to be cancelled by its "
    "owner: booking gives back its held or booked seat before the status moves",
)
