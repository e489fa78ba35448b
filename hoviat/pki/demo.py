"""Demo data for the PKI: a receipt-signing key, so demo receipts carry a signed QR code."""

from hoviat.pki.services import receipt_key_init


def build(*, citizens: int, seed: int) -> str:
    key, created = receipt_key_init()
    return f"receipt-signing key {key.kid} ({'created' if created else 'already there'})"
