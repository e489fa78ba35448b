"""Demo data for the PKI: the root and issuing CAs and a receipt-signing key."""

from hoviat.pki.services import ca_init, receipt_key_init


def build(*, citizens: int, seed: int) -> str:
    cas = ca_init()
    key, created = receipt_key_init()
    return (
        f"{len(cas)} CA(s) created; receipt-signing key {key.kid} "
        f"({'created' if created else 'already there'})"
    )
