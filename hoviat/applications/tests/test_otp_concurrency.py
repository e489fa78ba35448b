"""Races on PostgreSQL: parallel guesses of one number's code (skipped on SQLite)."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from hoviat.applications.services import OtpInvalid, OtpLocked, otp_request, otp_verify
from hoviat.core.models import AuditEntry
from hoviat.notifications.models import SmsMessage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MOBILE = "09171234567"


def _race(threads: int, tries: int, work) -> list:
    """`tries` calls of work() spread over `threads` threads released at the same instant."""
    start = threading.Barrier(threads)
    results: list = []
    lock = threading.Lock()

    def run(share: int) -> None:
        try:
            start.wait()
            for _ in range(share):
                try:
                    outcome = work()
                except Exception as exc:  # the test inspects what each try met
                    outcome = exc
                with lock:
                    results.append(outcome)
        finally:
            connection.close()  # each thread has its own connection; leave none behind

    # 40 connections, not 100: the server's max_connections is shared with other suites.
    shares = [tries // threads + (i < tries % threads) for i in range(threads)]
    pool = [threading.Thread(target=run, args=(share,)) for share in shares]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    return results


def test_a_hundred_parallel_wrong_guesses_evaluate_at_most_the_limit():
    otp_request(mobile=MOBILE, client_address="10.0.0.1")
    body = SmsMessage.objects.get(to=MOBILE).body
    wrong = "111111" if "۰۰۰۰۰۰" in body else "000000"

    results = _race(40, 100, lambda: otp_verify(mobile=MOBILE, code=wrong))

    assert len(results) == 100
    compared = [r for r in results if isinstance(r, OtpInvalid) and not isinstance(r, OtpLocked)]
    locked = [r for r in results if isinstance(r, OtpLocked)]
    assert len(compared) <= settings.OTP_MAX_FAILURES
    assert len(compared) + len(locked) == 100, [r for r in results if r not in compared + locked]
    assert AuditEntry.objects.filter(action="auth.otp.failed").count() == len(compared)
    assert all(r.status == 429 and r.extra["retry_after"] > 0 for r in locked)
