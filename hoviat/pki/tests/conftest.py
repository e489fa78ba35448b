import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hoviat.pki.receipts import ReceiptClaims

ISSUED = dt.datetime(2026, 5, 1, 6, 30, 15, tzinfo=dt.UTC)  # 1405/02/11, 10:00 in Tehran
VALID_UNTIL = dt.date(2026, 8, 1)  # 1405/05/10


@pytest.fixture(scope="session")
def signing_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def claims():
    """Sara's enrolment receipt, issued 1 May 2026 and valid to the end of 1 August."""
    return ReceiptClaims(
        national_code="0499370899",
        first_name="سارا",
        last_name="محمدی",
        birth_date=dt.date(1991, 8, 5),
        tracking_code="140512345678",
        receipt_number="R1405-0601-000123",
        issued_at=ISSUED,
        valid_until=VALID_UNTIL,
    )


@pytest.fixture
def current_claims(claims):
    """The same receipt issued today, so it is valid by the clock of the pages."""
    import dataclasses

    from django.utils import timezone

    now = timezone.now()
    return dataclasses.replace(
        claims, issued_at=now, valid_until=timezone.localdate() + dt.timedelta(days=90)
    )
