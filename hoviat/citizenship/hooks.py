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

document_seal = Hook(
    "document_seal",
    "encrypt a document's bytes for keeping (data=bytes) → bytes, under the biometric keys",
)
document_unseal = Hook(
    "document_unseal",
    "decrypt what document_seal gave (token=bytes) → bytes; raises if it is damaged",
)

decision_letter_sign = Hook(
    "decision_letter_sign",
    "sign a decision letter's claims (claims=dict of letter_number, case_number, "
    "temporary_id, first_name, last_name, outcome, decided_on, appeal_closes_on, "
    "reasons_digest, national_codes, issued_at) → its QR text (HVD1:…, pki/letters.py)",
)

biometric_image_check = Hook(
    "biometric_image_check",
    "check a face (kind='face') or fingerprint (kind='finger') image as enrolment checks its "
    "own (data=bytes, kind=str): its content type and sha256, or raises a ValidationFailed",
)

biometric_device_capture = Hook(
    "biometric_device_capture",
    "capture a face and ten fingers through enrolment's device interface (person=str, the "
    "seed; initials=str) → {'face': bytes, 'fingers': {position: bytes}}",
)

enrolled_biometrics_matching = Hook(
    "enrolled_biometrics_matching",
    "the registry's enrolled images with any of these SHA-256 hashes (sha256s=list[str]) → "
    "[{'national_code', 'position', 'sha256'}] (the simulator matcher's gallery)",
)

citizen_session_mobile = Hook(
    "citizen_session_mobile",
    "the mobile of the citizen signed in by SMS code on this request's session "
    "(request=HttpRequest), or None (applications owns citizen sign-in)",
)
