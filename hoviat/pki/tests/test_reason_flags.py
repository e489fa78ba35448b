"""Free-text revocation reasons map to the RFC 5280 reason code of their first word."""

import pytest
from cryptography import x509

from hoviat.pki.profiles import reason_flag


@pytest.mark.parametrize(
    ("reason", "flag"),
    [
        ("destroyed: رد در کنترل کیفیت", x509.ReasonFlags.cessation_of_operation),
        ("voided — uncollected", x509.ReasonFlags.cessation_of_operation),
        ("superseded by card IR123", x509.ReasonFlags.superseded),
        ("Stolen", x509.ReasonFlags.key_compromise),
        ("key-compromise", x509.ReasonFlags.key_compromise),
        ("", x509.ReasonFlags.unspecified),
        ("some other story", x509.ReasonFlags.unspecified),
    ],
)
def test_a_reason_maps_to_the_code_of_its_first_word(reason, flag):
    assert reason_flag(reason) == flag
