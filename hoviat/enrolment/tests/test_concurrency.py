"""Two operators pressing «complete» for the same citizen at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hoviat.core.errors import DomainError
from hoviat.core.tests.factories import audit_log_holds
from hoviat.enrolment.devices import simulator_for
from hoviat.enrolment.models import BiometricFile, Enrolment, Receipt
from hoviat.enrolment.services import enrolment_submit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_enrolments_of_one_application_give_one_receipt(
    reza, sara_booked, biometric_store
):
    device = simulator_for(citizen=sara_booked.citizen)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def enrol() -> None:
        try:
            start.wait()
            receipt = enrolment_submit(
                operator=reza,
                tracking_code=sara_booked.tracking_code,
                documents=["shenasnameh_original", "form_confirmed"],
                device=device,
            )
            outcomes.append(f"receipt {receipt.receipt_number}")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcome.split()[0] for outcome in outcomes) == ["ENROLMENT_EXISTS", "receipt"]
    assert Receipt.objects.count() == 1
    assert Enrolment.objects.get().status == "completed"
    # The loser waited for the application row and wrote nothing: no stray file.
    stored = [path for path in biometric_store.rglob("*") if path.is_file()]
    assert len(stored) == BiometricFile.objects.count() == 11
    assert audit_log_holds()
