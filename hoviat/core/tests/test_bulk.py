"""core.bulk: rows inserted with a condition in one statement, and refusals that end their
transaction without a ROLLBACK."""

import pytest
from django.db import connection, transaction

from hoviat.core.audit import Actor, audit_entry
from hoviat.core.bulk import NothingWritten, atomic_refusing, objects_insert_if
from hoviat.core.errors import Conflict
from hoviat.core.models import AuditEntry

pytestmark = pytest.mark.django_db

BENCH = Actor("system", "test", "test")


def _condition_sql() -> str:
    return "SELECT 1 WHERE %s::boolean"


@pytest.mark.postgres
@pytest.mark.parametrize("holds", [True, False])
def test_rows_go_in_only_when_the_statement_returns_a_row(holds):
    before = AuditEntry.objects.count()
    entries = [
        audit_entry(actor=BENCH, action="test.one", object_id="1", data={"n": 1}),
        audit_entry(actor=BENCH, action="test.two", object_id="2"),
    ]

    count = objects_insert_if(entries, ("test_condition",), _condition_sql, [holds])

    assert count == (1 if holds else 0)
    written = list(
        AuditEntry.objects.filter(action__startswith="test.")
        .order_by("action")
        .values_list("action", "object_id", "actor_label", "data")
    )
    if holds:
        assert written == [("test.one", "1", "test", {"n": 1}), ("test.two", "2", "test", {})]
        assert AuditEntry.objects.count() == before + 2
    else:
        assert written == []
        assert AuditEntry.objects.count() == before


@pytest.mark.postgres
def test_a_row_too_long_for_its_column_is_refused_not_cut():
    entry = audit_entry(actor=BENCH, action="x" * 65)  # action is 64 characters at most

    with pytest.raises(Exception, match="too long"), transaction.atomic():
        objects_insert_if([entry], ("test_condition",), _condition_sql, [True])
    assert not AuditEntry.objects.filter(action__startswith="xxx").exists()


class _Refused(Conflict):
    code = "TEST_REFUSED"


def test_a_refusal_ends_its_block_by_commit_and_then_raises():
    # A refusal is for a block that wrote nothing; a row written anyway shows the COMMIT.
    with pytest.raises(_Refused) as caught, atomic_refusing():
        AuditEntry.objects.create(at="2026-01-01T00:00Z", actor_kind="system", action="test.kept")
        raise NothingWritten(_Refused("پر است"))
    assert caught.value.detail == "پر است"
    assert not connection.in_atomic_block or not connection.get_rollback()
    assert AuditEntry.objects.filter(action="test.kept").exists()


def test_a_refusal_inside_another_transaction_leaves_the_outer_one_going():
    with transaction.atomic():
        AuditEntry.objects.create(at="2026-01-01T00:00Z", actor_kind="system", action="test.outer")
        with pytest.raises(_Refused), atomic_refusing():
            raise NothingWritten(_Refused())
        assert not connection.get_rollback()
    assert AuditEntry.objects.filter(action="test.outer").exists()


def test_any_other_error_rolls_the_block_back():
    with pytest.raises(ValueError), atomic_refusing():
        AuditEntry.objects.create(at="2026-01-01T00:00Z", actor_kind="system", action="test.gone")
        raise ValueError("boom")
    assert not AuditEntry.objects.filter(action="test.gone").exists()


@pytest.mark.postgres
def test_a_refusal_keeps_the_prepared_statements_and_a_rollback_does_not():
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    objects_insert_if(
        [audit_entry(actor=BENCH, action="test.one")], ("test_condition",), _condition_sql, [True]
    )
    kept = prepared()
    assert kept >= 1

    with pytest.raises(_Refused), atomic_refusing():
        raise NothingWritten(_Refused())
    assert prepared() == kept

    with pytest.raises(_Refused), transaction.atomic():
        raise _Refused()
    assert prepared() == 0  # psycopg's DEALLOCATE ALL after the rollback
