"""Hooks citizenship declares for later stages (docs/architecture.md, "hooks")."""

from hoviat.core.hooks import Hook

citizen_token_mobile = Hook(
    "citizen_token_mobile",
    "the mobile a live citizen token proves, or None (applications owns citizen sign-in)",
)

document_image_check = Hook(
    "document_image_check",
    "check an uploaded document scan as enrolment checks images (data=bytes): its content "
    "type and sha256, or raises a ValidationFailed",
)
