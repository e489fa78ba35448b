"""The inquiry log is append-only and sealed into the audit hash chain in batches."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.inquiry import services
from hoviat.inquiry.models import InquiryLog, LogSeal

CARD = {"national_code": "0499370899", "card_serial": "IR0000000001", "purpose": "LOAN"}


@pytest.fixture
def logged(bank):
    """Five inquiries made two minutes ago (settled), and one just now (not yet)."""
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=2), tick=False):
        for _ in range(5):
            assert bank.post("/inquiry/card", CARD).status_code == 200
    assert bank.post("/inquiry/card", CARD).status_code == 200
    return bank


def test_settled_rows_are_sealed_into_the_audit_chain(logged):
    seal = services.inquiry_log_seal()

    assert (seal.count, seal.last_id - seal.first_id) == (5, 4)
    entry = AuditEntry.objects.get(pk=seal.audit_entry_id)
    assert entry.action == "inquiry.log_sealed"
    assert entry.data["digest"] == seal.digest
    assert audit_log_holds()
    assert services.inquiry_log_seal() is None  # the sixth row is too fresh
    assert services.inquiry_log_verify().ok


def test_the_next_seal_takes_up_where_the_last_ended(logged):
    first = services.inquiry_log_seal()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        second = services.inquiry_log_seal()

    assert (second.first_id, second.count) == (first.last_id + 1, 1)
    verdict = services.inquiry_log_verify()
    assert (verdict.ok, verdict.seals, verdict.rows) == (True, 2, 6)


def test_an_edited_log_row_breaks_its_seal(logged):
    seal = services.inquiry_log_seal()
    InquiryLog.objects.filter(pk=seal.first_id + 2).update(result="valid")

    verdict = services.inquiry_log_verify()

    assert not verdict.ok
    assert "changed after sealing" in verdict.problem
    with pytest.raises(CommandError):
        call_command("inquiry", "verify-log")


def test_a_deleted_log_row_breaks_its_seal(logged):
    seal = services.inquiry_log_seal()
    InquiryLog.objects.filter(pk=seal.first_id + 1).delete()

    assert not services.inquiry_log_verify().ok


def test_an_edited_seal_no_longer_matches_its_audit_row(logged):
    seal = services.inquiry_log_seal()
    LogSeal.objects.filter(pk=seal.pk).update(digest="0" * 64)

    verdict = services.inquiry_log_verify()

    assert not verdict.ok and "audit row" in verdict.problem


def test_a_sealer_that_lost_the_race_rolls_back_whole(logged, monkeypatch):
    first = services.inquiry_log_seal()
    entries = AuditEntry.objects.count()
    # A second sealer that read "no seal yet" just before the first committed: it computes
    # the same batch, and its seal collides on first_id.
    monkeypatch.setattr(LogSeal.objects, "order_by", lambda *a: LogSeal.objects.none())

    assert services.inquiry_log_seal() is None
    assert LogSeal.objects.count() == 1 and LogSeal.objects.get().pk == first.pk
    assert AuditEntry.objects.count() == entries  # its audit row was rolled back with it
    assert audit_log_holds()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_seal_each_row_once(make_partner):
    import threading

    from django.db import connection

    bank = make_partner()
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=2), tick=False):
        for _ in range(20):
            assert bank.post("/inquiry/card", CARD).status_code == 200
    barrier = threading.Barrier(2)
    results = []

    def seal():
        barrier.wait()
        try:
            results.append(services.inquiry_log_seal())
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(1 for r in results if r is not None) == 1
    assert LogSeal.objects.count() == 1 and LogSeal.objects.get().count == 20
    assert services.inquiry_log_verify().ok and audit_log_holds()


def test_the_sweep_seals_and_the_command_verifies(logged, capsys):
    from hoviat.inquiry import sweeps

    summary = sweeps.run()
    call_command("inquiry", "verify-log")

    assert summary.startswith("5 inquiry-log rows sealed")
    assert "5 rows under 1 seals" in capsys.readouterr().out


def test_refused_requests_are_not_logged_as_answers_but_answers_carry_no_personal_data(logged):
    rows = list(InquiryLog.objects.values())

    text = json.dumps(rows, default=str)
    assert "0499370899" not in text
    assert {row["endpoint"] for row in rows} == {"card"}
