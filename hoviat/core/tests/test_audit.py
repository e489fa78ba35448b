"""The hash-chained audit log: every row is linked to the one before; tampering shows."""

import datetime as dt
import itertools
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connection
from django.utils import timezone

from hoviat.core.audit import (
    GENESIS,
    Actor,
    _digest,
    _fields,
    audit_many,
    audit_record,
    audit_verify,
)
from hoviat.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def record_some(count: int = 5) -> list[AuditEntry]:
    return [
        audit_record(
            actor=None,
            action="test.event",
            object_type="test.thing",
            object_id=str(number),
            reason=f"دلیل {number}",
        )
        for number in range(1, count + 1)
    ]


def verify_command() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_each_row_holds_the_hash_of_the_row_before_it():
    entries = record_some(5)
    stored = list(AuditEntry.objects.order_by("id"))
    assert [entry.id for entry in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    assert [entry.hash for entry in entries] == [entry.hash for entry in stored]
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash, head.count) == (5, stored[-1].hash, 5)


def test_an_intact_chain_verifies():
    record_some(5)
    assert audit_verify().ok
    assert audit_verify().checked == 5


def test_an_empty_log_verifies():
    verdict = audit_verify()
    assert verdict.ok
    assert verdict.checked == 0


def test_a_user_a_system_and_a_named_actor_are_recorded(nasrin):
    by_user = audit_record(actor=nasrin, action="test.user", obj=nasrin)
    by_system = audit_record(actor=None, action="test.system")
    by_partner = audit_record(actor=Actor("partner", "7", "بانک ملی"), action="test.partner")
    assert (by_user.actor_kind, by_user.actor_id, by_user.actor_label) == (
        "user",
        str(nasrin.pk),
        "nasrin",
    )
    assert (by_user.object_type, by_user.object_id) == ("core.user", str(nasrin.pk))
    assert (by_system.actor_kind, by_system.actor_label) == ("system", "سامانه")
    assert (by_partner.actor_kind, by_partner.actor_id) == ("partner", "7")
    with pytest.raises(TypeError):
        audit_record(actor="someone", action="test.bad")


def test_rich_data_hashes_the_same_once_stored():
    """Decimals, dates, Persian text and nested values come back from the database
    exactly as they were hashed (JSONB reorders keys; the digest sorts them)."""
    audit_record(
        actor=None,
        action="test.data",
        data={
            "fee": Decimal("1450000"),
            "on": dt.date(2024, 3, 20),
            "name": "سارا\u200cبانو",
            "z": {"b": [1, 2.5, None, True], "a": "x"},
            "big": 10**18,
            "ratio": 0.1 + 0.2,
            7: "key",
        },
    )
    assert audit_verify().ok


@pytest.mark.parametrize("number", [1e16, 1e20, -3e17, 1.0, 1e-7, 2.0**70])
def test_large_floats_do_not_look_like_tampering_once_stored(number):
    # JSONB prints 1e20 as 100000000000000000000, which reads back as an int.
    audit_record(actor=None, action="test.float", data={"n": number})
    assert audit_verify().ok
    assert AuditEntry.objects.get().data["n"] == number


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_a_number_json_cannot_hold_is_refused_before_it_is_written(number):
    with pytest.raises(ValueError):
        audit_record(actor=None, action="test.float", data={"n": number})
    assert not AuditEntry.objects.exists()


def test_editing_a_row_is_detected_at_that_row():
    record_some(5)
    AuditEntry.objects.filter(pk=3).update(reason="دلیل دیگر")
    verdict = audit_verify()
    assert not verdict.ok
    assert verdict.broken_id == 3
    assert verdict.checked == 2


def test_rehashing_an_edited_row_only_moves_the_break_to_the_next_row():
    record_some(5)
    forged = AuditEntry.objects.get(pk=3)
    forged.reason = "دلیل دیگر"
    forged.hash = _digest(forged.prev_hash, _fields(forged))
    forged.save()
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 4)


def test_deleting_a_middle_row_is_detected():
    record_some(5)
    AuditEntry.objects.filter(pk=3).delete()
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 3)
    assert "missing" in verdict.problem


def test_deleting_the_first_row_is_detected():
    record_some(3)
    AuditEntry.objects.filter(pk=1).delete()
    assert audit_verify().broken_id == 1


def test_deleting_the_last_row_is_detected_by_the_head():
    record_some(5)
    AuditEntry.objects.filter(pk=5).delete()
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 5)
    assert "head" in verdict.problem


def test_deleting_the_last_row_and_the_head_is_still_detected():
    record_some(5)
    AuditEntry.objects.filter(pk=5).delete()
    AuditHead.objects.all().delete()
    verdict = audit_verify()
    assert not verdict.ok
    assert verdict.broken_id == 1


def test_a_forged_row_with_a_wrong_link_is_detected():
    record_some(3)
    AuditEntry.objects.create(
        id=4,
        at=timezone.now(),
        actor_kind="system",
        action="forged",
        prev_hash="f" * 64,
        hash="e" * 64,
    )
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 4)
    assert "link" in verdict.problem


def test_a_forged_row_with_a_perfect_link_is_detected_beyond_the_head():
    last = record_some(3)[-1]
    forged = AuditEntry(
        id=4, at=timezone.now(), actor_kind="system", action="forged", prev_hash=last.hash, data={}
    )
    forged.hash = _digest(forged.prev_hash, _fields(forged))
    forged.save(force_insert=True)
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 4)
    assert "beyond the head" in verdict.problem


def test_a_head_that_does_not_match_its_row_is_detected():
    record_some(3)
    AuditHead.objects.filter(pk=1).update(last_hash="a" * 64)
    verdict = audit_verify()
    assert (verdict.ok, verdict.broken_id) == (False, 3)


def test_verify_audit_succeeds_on_an_intact_chain():
    record_some(3)
    assert "Audit chain intact: 3 rows." in verify_command()


def test_verify_audit_fails_naming_the_first_broken_row():
    record_some(5)
    AuditEntry.objects.filter(pk=2).update(reason="")
    AuditEntry.objects.filter(pk=4).update(reason="")
    with pytest.raises(CommandError, match=r"broken at row 2\b.*\(1 rows verified"):
        verify_command()


def test_verify_audit_exits_non_zero_from_the_command_line(capsys):
    """As `hoviat verify-audit` runs it (argv parsing, CommandError turned into an exit)."""
    record_some(2)
    AuditEntry.objects.filter(pk=1).update(action="rewritten")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["hoviat", "verify_audit"]).execute()
    assert exited.value.code == 1
    assert "broken at row 1" in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_an_intact_chain_with_contiguous_ids():
    threads_count, per_thread = 8, 15
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait()
            for number in range(per_thread):
                audit_record(
                    actor=Actor("worker", str(worker), f"worker {worker}"),
                    action="test.concurrent",
                    object_id=str(number),
                )
        except BaseException as error:  # surfaced below, in the test's own thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    total = threads_count * per_thread
    assert list(AuditEntry.objects.order_by("id").values_list("id", flat=True)) == list(
        range(1, total + 1)
    )
    assert AuditHead.objects.get(pk=1).count == total
    verdict = audit_verify()
    assert verdict.ok, verdict
    assert verdict.checked == total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_appended_while_verifying_are_not_mistaken_for_forgeries(monkeypatch):
    from hoviat.core import audit

    record_some(3)
    real_head_state = audit._head_state
    calls = {"count": 0}

    def head_state_with_an_append_in_between():
        calls["count"] += 1
        if calls["count"] == 2:  # after the walk, before the head is read again

            def append():
                audit_record(actor=None, action="test.late")
                connection.close()

            worker = threading.Thread(target=append)
            worker.start()
            worker.join()
        return real_head_state()

    monkeypatch.setattr(audit, "_head_state", head_state_with_an_append_in_between)
    verdict = audit_verify()
    assert verdict.ok, verdict
    assert verdict.checked == 3
    assert audit_verify().checked == 4


def test_many_rows_appended_at_once_chain_like_rows_appended_one_by_one(nasrin):
    audit_record(actor=nasrin, action="first.one", object_type="x", object_id="1")
    audit_many(
        actor=nasrin,
        rows=[
            {"action": "batch.row", "object_type": "x", "object_id": str(i), "data": {"i": i}}
            for i in range(2, 6)
        ],
    )
    audit_record(actor=None, action="after.batch", object_type="x", object_id="6")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.object_id for e in entries] == ["1", "2", "3", "4", "5", "6"]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit_verify().ok


def test_a_batch_may_start_an_empty_chain_and_an_edit_inside_it_is_found(nasrin):
    audit_many(
        actor=nasrin,
        rows=[{"action": "batch.row", "object_type": "x", "object_id": str(i)} for i in range(3)],
    )
    assert audit_verify().ok
    middle = AuditEntry.objects.order_by("id")[1]
    AuditEntry.objects.filter(pk=middle.pk).update(to_state="tampered")

    verdict = audit_verify()
    assert not verdict.ok and verdict.broken_id == middle.pk
