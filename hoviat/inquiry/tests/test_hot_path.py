"""The inquiry hot path shares work between requests: the log's group commit and write-behind
(batching.py) and the per-process leases of a key's counts (usage.py)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from unittest import mock

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hoviat.inquiry import usage
from hoviat.inquiry.batching import BatchFailed, GroupCommit, WriteBehind
from hoviat.inquiry.errors import InquiryProblem
from hoviat.inquiry.models import InquiryLog, KeyUsage

# --- Group commit ----------------------------------------------------------------------------


class _SlowTable:
    """A write function that takes a while, as a commit does, and records its batches."""

    def __init__(self, pause: float = 0.005, fail_when=None) -> None:
        self.batches: list[list] = []
        self.pause = pause
        self.fail_when = fail_when
        self.lock = threading.Lock()

    def write(self, rows) -> None:
        time.sleep(self.pause)
        if self.fail_when is not None and self.fail_when(rows):
            raise ConnectionError("the database went away")
        with self.lock:
            self.batches.append(list(rows))

    @property
    def rows(self) -> list:
        return [row for batch in self.batches for row in batch]


def _backend_terminated(pid: int) -> None:
    """End a database session as a restart or a failover would, and wait until it is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if not cursor.fetchone()[0]:
                return
        time.sleep(0.01)


def _in_threads(n: int, work) -> list:
    outcomes: list = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:  # collected for the test to look at
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_the_group_commit_writes_every_row_once_and_shares_statements():
    table = _SlowTable()
    group = GroupCommit(table.write)

    def answer(i: int) -> bool:
        group.add((i,))
        with table.lock:  # by the time add() returns, the row is written
            return (i,) in [row for batch in table.batches for row in batch]

    outcomes = _in_threads(16, answer)

    assert outcomes == [True] * 16
    assert sorted(table.rows) == [(i,) for i in range(16)]
    # Sixteen rows arriving together do not take sixteen writes.
    assert len(table.batches) < 16


def test_a_failed_batch_fails_every_answer_in_it_and_the_next_batch_goes_on():
    table = _SlowTable(fail_when=lambda rows: (0,) in rows)
    group = GroupCommit(table.write)

    with pytest.raises(ConnectionError):
        group.add((0,))  # alone, it is its own writer: the original error
    group.add((1,))

    assert table.rows == [(1,)]


def test_those_whose_rows_another_thread_failed_to_write_are_told():
    gate = threading.Event()

    def write(rows) -> None:
        if (0,) in rows:
            gate.wait(5)  # the first writer holds on while others queue behind it
            return
        raise ConnectionError("the database went away")

    group = GroupCommit(write)
    first = threading.Thread(target=group.add, args=((0,),))
    first.start()
    time.sleep(0.05)
    outcomes: list = []

    def later(i: int) -> None:
        try:
            group.add((i,))
            outcomes.append("written")
        except (BatchFailed, ConnectionError) as exc:
            outcomes.append(type(exc).__name__)

    others = [threading.Thread(target=later, args=(i,)) for i in (1, 2, 3)]
    for thread in others:
        thread.start()
    time.sleep(0.05)
    gate.set()
    for thread in [first, *others]:
        thread.join(5)

    # One of the three wrote the batch and got the error itself; the others were told.
    assert sorted(outcomes) == ["BatchFailed", "BatchFailed", "ConnectionError"]


def test_shared_reads_give_each_caller_its_own_row():
    reads: list[list] = []

    def read(serials):
        time.sleep(0.005)
        reads.append(list(serials))
        return [f"row of {serial}" if serial % 3 else None for serial in serials]

    group = GroupCommit(read)

    outcomes = _in_threads(12, lambda i: group.add(i))

    assert outcomes == [f"row of {i}" if i % 3 else None for i in range(12)]
    assert len(reads) < 12


def test_a_gathering_group_lets_threads_ready_to_run_join_the_batch(monkeypatch):
    from hoviat.inquiry import batching

    reads: list[list] = []
    group = GroupCommit(lambda items: reads.append(list(items)) or [f"row {i}" for i in items],
                        gather=True)  # fmt: skip
    second: list = []
    arrived = threading.Thread(target=lambda: second.append(group.add(2)))

    def turn() -> None:  # while the first reader lets others run, a second request arrives
        arrived.start()
        deadline = time.monotonic() + 5
        while not group._pending and time.monotonic() < deadline:
            time.sleep(0.001)

    monkeypatch.setattr(batching, "_let_others_run", turn)

    first = group.add(1)
    arrived.join(5)

    assert (first, second) == ("row 1", ["row 2"])
    assert reads == [[1, 2]]  # one read for both


class _CountedLock:
    """A waiting thread's lock (batching._allocate_lock), counting how often it is released."""

    made: list[_CountedLock] = []

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.releases = 0
        _CountedLock.made.append(self)

    def acquire(self, *args):
        return self._lock.acquire(*args)

    def release(self) -> None:
        self.releases += 1
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()


def _first_batch_held(group_run):
    """A run function whose first batch waits for `release`, and the batches it was given."""
    batches: list[list] = []
    started, release = threading.Event(), threading.Event()

    def run(items):
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            release.wait(5)
        return group_run(items)

    return run, batches, started, release


def test_only_the_threads_with_something_to_do_are_woken(monkeypatch):
    from hoviat.inquiry import batching

    _CountedLock.made = []
    monkeypatch.setattr(batching, "_allocate_lock", _CountedLock)
    run, batches, started, release = _first_batch_held(lambda items: [i * 10 for i in items])
    group = GroupCommit(run)
    outcomes: dict[int, int] = {}

    def ask(i: int) -> None:
        outcomes[i] = group.add(i)

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert started.wait(5)
    later = [threading.Thread(target=ask, args=(i,)) for i in (1, 2, 3)]
    for thread in later:  # they come while the first batch runs, and wait for the next
        thread.start()
    deadline = time.monotonic() + 5
    while len(group._pending) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    release.set()
    for thread in [first, *later]:
        thread.join(5)

    assert outcomes == {0: 0, 1: 10, 2: 20, 3: 30}
    assert batches[0] == [0] and sorted(batches[1]) == [1, 2, 3]
    # Three threads slept; each was woken once: the first of them to run the second batch,
    # the other two when it was through. None was woken by the first batch only to sleep again.
    assert len(_CountedLock.made) == 3
    assert [lock.releases for lock in _CountedLock.made] == [1, 1, 1]


def test_a_thread_that_stops_waiting_hands_on_the_next_batch(monkeypatch):
    from hoviat.inquiry import batching

    class Interrupted(BaseException):
        pass

    interrupted: list = []

    class InterruptedLock(_CountedLock):
        # The first thread to sleep is interrupted once it has been chosen to run: its
        # lock's second acquire() (the first one locks it before it sleeps).
        acquires = 0

        def acquire(self, *args):
            got = self._lock.acquire(*args)
            self.acquires += 1
            if self.acquires == 2 and not interrupted and self is _CountedLock.made[0]:
                interrupted.append(self)
                self._lock.release()  # as if the wait ended without taking the lock
                raise Interrupted
            return got

    _CountedLock.made = []
    monkeypatch.setattr(batching, "_allocate_lock", InterruptedLock)
    run, batches, started, release = _first_batch_held(lambda items: [f"row {i}" for i in items])
    group = GroupCommit(run)
    outcomes: dict[int, object] = {}

    def ask(i: int) -> None:
        try:
            outcomes[i] = group.add(i)
        except Interrupted:
            outcomes[i] = "interrupted"

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=ask, args=(1,))
    second.start()
    while len(group._pending) < 1:
        time.sleep(0.001)
    third = threading.Thread(target=ask, args=(2,))
    third.start()
    while len(group._pending) < 2:
        time.sleep(0.001)
    release.set()
    for thread in (first, second, third):
        thread.join(5)

    # The second was chosen to run the next batch and was interrupted: its item is dropped,
    # the third runs the batch instead, and nobody waits for ever.
    assert outcomes == {0: "row 0", 1: "interrupted", 2: "row 2"}
    assert batches == [[0], [2]]
    assert not group._writing and not group._pending


def test_a_batch_that_fails_before_it_starts_hands_on_the_next(monkeypatch):
    from hoviat.inquiry import batching

    group = GroupCommit(lambda items: [f"row {i}" for i in items], gather=True)

    def fails() -> None:
        raise RuntimeError("interrupted before the batch")

    monkeypatch.setattr(batching, "_let_others_run", fails)
    with pytest.raises(RuntimeError):
        group.add(1)
    monkeypatch.setattr(batching, "_let_others_run", lambda: None)

    assert not group._writing and not group._pending
    assert group.add(2) == "row 2"


# --- Write-behind ----------------------------------------------------------------------------


def test_the_write_behind_thread_writes_what_gathers_without_being_asked():
    table = _SlowTable(pause=0)
    behind = WriteBehind(table.write, interval=0.01)

    for i in range(5):
        behind.add((i,))
    deadline = time.monotonic() + 5
    while len(table.rows) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)

    assert table.rows == [(i,) for i in range(5)]


def test_a_forked_worker_writes_its_waiting_rows_when_it_stops(tmp_path):
    # granian's workers are multiprocessing children, which leave through os._exit(): what
    # atexit would run is skipped there, so the rows still waiting must be written anyway.
    import multiprocessing

    written = tmp_path / "rows"

    def write(rows):
        with written.open("a") as file:
            file.writelines(f"{row[0]}\n" for row in rows)

    behind = WriteBehind(write, interval=60)  # the thread alone would not write them in time

    def worker():
        for i in range(3):
            behind.add((i,))

    child = multiprocessing.get_context("fork").Process(target=worker)
    child.start()
    child.join(30)

    assert child.exitcode == 0
    assert written.read_text().split() == ["0", "1", "2"]


def test_the_write_behind_keeps_failed_rows_first_and_bounded():
    failing = [True]
    table = _SlowTable(pause=0, fail_when=lambda rows: failing[0])
    behind = WriteBehind(table.write, max_pending=4, thread=False)
    behind.add((1,))
    behind.add((2,))

    with pytest.raises(ConnectionError):
        behind.flush()
    for i in (3, 4, 5):
        behind.add((i,))
    failing[0] = False
    behind.flush()

    # The failed rows went first; past the bound of four, the oldest was dropped and counted.
    assert table.rows == [(2,), (3,), (4,), (5,)]
    assert behind.dropped == 1


class _Refused(Exception):
    """What the database says of a row it will never take (a constraint)."""


class _RefusingTable(_SlowTable):
    """Refuses any write holding a row marked "bad", whole; can also go away for a while."""

    def __init__(self) -> None:
        super().__init__(pause=0)
        self.away_after: int | None = None  # writes allowed before the database goes away
        self.writes = 0

    def write(self, rows) -> None:
        self.writes += 1
        if self.away_after is not None and self.writes > self.away_after:
            raise ConnectionError("the database went away")
        if any(row[0] == "bad" for row in rows):
            raise _Refused(f"refused: {rows}")
        super().write(rows)


def test_a_row_the_database_refuses_is_left_out_and_holds_up_no_other(caplog):
    table = _RefusingTable()
    behind = WriteBehind(table.write, thread=False, refused=(_Refused,))
    for row in [(1,), ("bad",), (3,)]:
        behind.add(row)

    behind.flush()
    behind.add((4,))
    behind.flush()

    assert table.rows == [(1,), (3,), (4,)]
    assert behind.refused_rows == 1 and behind.dropped == 0
    assert "refused was left out: ('bad',)" in caplog.text


def test_rows_not_yet_written_one_by_one_wait_when_the_database_goes_away():
    table = _RefusingTable()
    behind = WriteBehind(table.write, thread=False, refused=(_Refused,))
    for row in [(1,), ("bad",), (3,), (4,)]:
        behind.add(row)
    table.away_after = 2  # the whole batch, then row 1 alone; gone before "bad" alone

    with pytest.raises(ConnectionError):
        behind.flush()
    table.away_after = None
    behind.flush()

    # Row 1 was written once; the rest waited and went first, "bad" still left out.
    assert table.rows == [(1,), (3,), (4,)]
    assert behind.refused_rows == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_log_row_the_database_refuses_does_not_stop_the_log(bank):
    import uuid

    from django.db import DataError, IntegrityError

    from hoviat.inquiry.services._answering import _log_rows_write_behind

    def row(inquiry_id, partner_id=bank.partner.pk, prefix=bank.key.prefix) -> list:
        return [inquiry_id, timezone.now(), partner_id, prefix, "card",
                "BANK_ACCOUNT_OPENING", "valid", "", "a" * 32, "b" * 64]  # fmt: skip

    taken = uuid.uuid4()
    behind = WriteBehind(_log_rows_write_behind, thread=False, refused=(IntegrityError, DataError))
    for values in (row(taken), row(uuid.uuid4()), row(taken), row(uuid.uuid4(), partner_id=10**9)):
        behind.add(values)
    behind.add(row(uuid.uuid4(), prefix="k" * 200))  # longer than the column: never cut short
    behind.add(row(uuid.uuid4()))

    behind.flush()

    # The second row with the same inquiry id, the one of a partner that does not exist and the
    # one with a key prefix too long for its column are left out; the three others are in the
    # log, each as it was given.
    assert InquiryLog.objects.count() == 3
    assert behind.refused_rows == 3
    assert set(InquiryLog.objects.values_list("key_prefix", flat=True)) == {bank.key.prefix}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_log_writer_has_its_own_connection_and_replaces_a_lost_one(bank):
    import uuid

    from django.db import DatabaseError, DataError, IntegrityError

    from hoviat.inquiry import db
    from hoviat.inquiry.services._answering import _log_rows_write_behind

    def row() -> list:
        return [uuid.uuid4(), timezone.now(), bank.partner.pk, bank.key.prefix, "card",
                "BANK_ACCOUNT_OPENING", "valid", "", "a" * 32, "b" * 64]  # fmt: skip

    behind = WriteBehind(_log_rows_write_behind, thread=False, refused=(IntegrityError, DataError))
    connections.close_all()
    behind.add(row())
    behind.flush()
    # Written on the writer's own connection: this thread's (the pool's) is still unopened.
    assert connection.connection is None
    writer_pid = db._WRITER._connections["default"][0].info.backend_pid
    _backend_terminated(writer_pid)
    behind.add(row())

    # A write on a lost connection is not asked again behind the caller's back (it may have
    # committed): the rows wait for the next write, which has a new connection.
    with pytest.raises(DatabaseError):
        behind.flush()
    behind.flush()

    assert InquiryLog.objects.count() == 2
    assert db._WRITER._connections["default"][0].info.backend_pid != writer_pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_group_commit_writes_on_its_own_connection_durably(bank):
    """The durable log's batch is written by one of the requests waiting for it, while the
    others wait holding their pooled connections: it must never need one from the pool too
    (with fewer pooled connections than threads that stalled a process until the pool's
    timeout)."""
    import uuid

    from hoviat.inquiry import db
    from hoviat.inquiry.services._answering import _LOG_GROUP

    ids = [uuid.uuid4(), uuid.uuid4()]
    at = timezone.now()

    def row(inquiry_id) -> list:
        return [inquiry_id, at, bank.partner.pk, bank.key.prefix, "card",
                "BANK_ACCOUNT_OPENING", "valid", "", "a" * 32, "b" * 64]  # fmt: skip

    connections.close_all()
    _LOG_GROUP.add([row(ids[0])])
    _LOG_GROUP.add([row(ids[1])])

    # Written on the group commit's own connection: this thread's (the pool's) is unopened.
    assert connection.connection is None
    own = db._GROUPED._connections["default"][0]
    assert own.execute("SHOW synchronous_commit").fetchone() == ("on",)
    logged = InquiryLog.objects.filter(inquiry_id__in=ids)
    assert sorted(logged.values_list("at", flat=True)) == [at, at]
    assert logged.count() == 2


# --- Leases of a key's counts ----------------------------------------------------------------


def _count(key, *, rate: int, quota: int = 1_000_000) -> bool:
    try:
        usage.key_usage_count(key=key, rate_per_minute=rate, daily_quota=quota)
        return True
    except InquiryProblem as problem:
        assert problem.code in {"RATE_LIMITED", "QUOTA_EXCEEDED"}
        return False


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_process_counts_a_keys_requests_in_leases(make_partner):
    bank = make_partner(rate=256)  # leases of 256 / 64 = 4
    moment = timezone.now().replace(second=1)

    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
        admitted = [_count(bank.key, rate=256) for _ in range(20)]

    assert admitted == [True] * 20
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 5  # one statement per four requests
    row = KeyUsage.objects.get(key_id=bank.key.pk)
    assert (row.minute_count, row.day_count) == (20, 20)


@pytest.mark.django_db(transaction=True)
def test_leases_never_let_a_key_past_its_limit_across_processes(make_partner, monkeypatch):
    bank = make_partner(rate=256)
    moment = timezone.now().replace(second=1)
    processes = [{}, {}, {}]  # each process has its own leases
    admitted = 0

    with time_machine.travel(moment, tick=False):
        for i in range(300):
            monkeypatch.setattr(usage, "_LEASES", processes[i % 3])
            admitted += _count(bank.key, rate=256)

    # Never more than the limit; fewer only by what the other processes hold unused.
    assert 256 - 3 * 3 <= admitted <= 256
    assert KeyUsage.objects.get(key_id=bank.key.pk).minute_count <= 256


@pytest.mark.django_db(transaction=True)
def test_a_lease_left_unused_at_the_end_of_a_minute_is_given_back_to_the_day(make_partner):
    bank = make_partner(rate=256)
    moment = timezone.now().replace(second=1)

    with time_machine.travel(moment, tick=False):
        assert _count(bank.key, rate=256)  # leases 4, uses 1
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        assert _count(bank.key, rate=256)  # gives 3 back, leases 4, uses 1

    row = KeyUsage.objects.get(key_id=bank.key.pk)
    # Two requests made; three more counted in advance for this minute.
    assert (row.minute_count, row.day_count) == (4, 5)


@pytest.mark.django_db(transaction=True)
def test_near_the_daily_quota_the_leases_shrink_to_single_counts(make_partner):
    bank = make_partner(rate=10_000, quota=130)  # leases of 130 // 64 = 2
    moment = timezone.now().replace(hour=10, second=1)

    with time_machine.travel(moment, tick=False):
        admitted = sum(_count(bank.key, rate=10_000, quota=130) for _ in range(140))

    assert admitted == 130
    assert KeyUsage.objects.get(key_id=bank.key.pk).day_count == 130


# --- The whole path, many requests at once (PostgreSQL) --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [True, False])
def test_concurrent_answers_are_each_logged(bank, saras_card, settings, durable):
    from hoviat.inquiry.services import log_flush
    from hoviat.inquiry.tests.test_card_inquiry import SARA, ask

    settings.INQUIRY_LOG_DURABLE = durable

    def inquiries(i: int) -> list[str]:
        # Sara's card, then one nobody has, then Sara's card under someone else's code:
        # read together with other threads' reads, each answer is still its own.
        try:
            ids = []
            for _ in range(2):
                valid = ask(bank, saras_card).json()
                missing = bank.post(
                    "/inquiry/card",
                    {
                        "national_code": SARA,
                        "card_serial": f"ZZ{i:08d}",
                        "purpose": "BANK_ACCOUNT_OPENING",
                    },
                ).json()
                other = ask(bank, saras_card, national_code="0084575948").json()
                assert (valid["result"], valid["card_status"]) == ("valid", "active")
                assert (missing["result"], missing["reason_code"]) == ("invalid", "NOT_FOUND")
                assert (other["result"], other["reason_code"]) == ("invalid", "NOT_FOUND")
                ids += [valid["inquiry_id"], missing["inquiry_id"], other["inquiry_id"]]
            return ids
        finally:
            connections.close_all()

    outcomes = _in_threads(8, inquiries)
    if not durable:
        log_flush()

    assert [x for x in outcomes if not isinstance(x, list)] == []
    answered = sorted(i for ids in outcomes for i in ids)
    assert len(answered) == 48
    assert sorted(str(i) for i in InquiryLog.objects.values_list("inquiry_id", flat=True)) == (
        answered
    )


# --- Card answers made together (PostgreSQL) ------------------------------------------------

SARA_CODE = "0499370899"  # the holder of saras_card (test_card_inquiry.SARA)


def _ask_card(bank, card, national_code: str):
    return bank.post(
        "/inquiry/card",
        {
            "national_code": national_code,
            "card_serial": card.csn,
            "purpose": "BANK_ACCOUNT_OPENING",
        },
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_answers_made_in_one_batch_are_each_signed_over_their_own_body(bank, saras_card):
    from hoviat.inquiry import signing
    from hoviat.inquiry.services import inquiries

    batches: list[int] = []
    real = inquiries._card_answers

    def counted(asks):
        batches.append(len(asks))
        return real(asks)

    codes = [SARA_CODE, "0084575948"] * 6

    def inquiry(i: int) -> tuple[bytes, str]:
        try:
            response = _ask_card(bank, saras_card, codes[i])
            return response.content, response[signing.HEADER]
        finally:
            connections.close_all()

    with mock.patch.object(inquiries._CARD_ANSWERS, "_run", counted):
        outcomes = _in_threads(12, inquiry)

    jwks = signing.signing_keys_document()
    answers = [json.loads(body) for body, _ in outcomes]
    for body, signature in outcomes:
        signing.detached_verify(body, signature, jwks)  # raises unless it verifies
    assert [a["result"] for a in answers] == ["valid", "invalid"] * 6
    assert len({a["inquiry_id"] for a in answers}) == 12
    assert sum(batches) == 12
    assert InquiryLog.objects.count() == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_answer_that_fails_in_a_batch_fails_alone(bank, saras_card, monkeypatch):
    """Made by whichever thread runs the batch, an answer's error is raised in the thread of
    the inquiry it belongs to; the others in the batch are answered and logged."""
    from hoviat.inquiry.services import _answering, inquiries

    real = inquiries._card_answer_row

    def failing(asked, row):
        if asked.national_code == "0084575948":
            raise RuntimeError("this answer could not be made")
        return real(asked, row)

    monkeypatch.setattr(inquiries, "_card_answer_row", failing)
    asks = [
        inquiries._CardAsk(saras_card.csn, bank.key, "BANK_ACCOUNT_OPENING", code)
        for code in (SARA_CODE, "0084575948", SARA_CODE)
    ]

    outcomes = inquiries._card_answers(asks)
    _answering.log_flush()

    assert [type(o).__name__ for o in outcomes] == ["SignedAnswer", "RuntimeError", "SignedAnswer"]
    assert InquiryLog.objects.count() == 2
    # Through the whole path, the error is the inquiry's own, not the batch's.
    with pytest.raises(RuntimeError, match="could not be made"):
        inquiries.card_inquire(
            key=bank.key,
            national_code="0084575948",
            card_serial=saras_card.csn,
            purpose="BANK_ACCOUNT_OPENING",
        )


@pytest.fixture
def pool_of_one():
    """Django's pool on the default database, as HOVIAT_DB_POOL makes it, of one connection
    and a 3-second timeout: every thread of the test shares it."""
    connections.close_all()
    options = connection.settings_dict["OPTIONS"]
    options["pool"] = {"min_size": 0, "max_size": 1, "timeout": 3}
    try:
        yield
    finally:
        connections.close_all()
        connection.close_pool()
        del options["pool"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_thread_waiting_for_a_batch_holds_no_pooled_connection(bank, saras_card, pool_of_one):
    """The thread running a card batch may need a pooled connection (here, the signing key
    when its cache runs out). A request waiting for that batch gave back the one it held
    before it waited, so the batch does not wait for it until the pool's timeout fails every
    answer in it (seen under bench/inquiry.py: 8 answers of 503 after 10 s)."""
    from hoviat.inquiry import signing
    from hoviat.inquiry.services import inquiries

    def ask() -> object:
        try:
            return inquiries.card_inquire(
                key=bank.key,
                national_code=SARA_CODE,
                card_serial=saras_card.csn,
                purpose="BANK_ACCOUNT_OPENING",
            )
        finally:
            connections.close_all()

    ask()  # the lease, the signing key and the card's statement, ready
    entered, go = threading.Event(), threading.Event()
    real = inquiries._card_answers

    def first_waits(asks):
        if not entered.is_set():
            entered.set()
            assert go.wait(10)
        return real(asks)

    outcomes: dict[str, object] = {}

    def run(name: str, holding: bool) -> None:
        try:
            if holding:  # this request has used the database, as most do before they ask
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                assert connection.connection is not None
            outcomes[name] = ask()
        except Exception as exc:  # collected for the test to look at
            outcomes[name] = exc

    with mock.patch.object(inquiries._CARD_ANSWERS, "_run", first_waits):
        running = threading.Thread(target=run, args=("running", False))
        running.start()
        assert entered.wait(10)
        waiting = threading.Thread(target=run, args=("waiting", True))
        waiting.start()
        deadline = time.monotonic() + 10
        while not inquiries._CARD_ANSWERS._pending and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(inquiries._CARD_ANSWERS._pending) == 1  # it waits for the batch under way
        signing._CURRENT[:] = [float("-inf"), None]  # the batch's thread must read the key
        go.set()
        for thread in (running, waiting):
            thread.join(30)

    assert {name: type(o).__name__ for name, o in outcomes.items()} == {
        "running": "SignedAnswer",
        "waiting": "SignedAnswer",
    }
    assert InquiryLog.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [True, False])
def test_a_batch_whose_log_rows_cannot_be_written_sends_no_answer(
    bank, saras_card, settings, monkeypatch, durable
):
    from django.db import OperationalError

    from hoviat.inquiry.services import _answering, inquiries

    settings.INQUIRY_LOG_DURABLE = durable

    def refused(rows) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr(inquiries, "_log_write_many", refused)

    with pytest.raises(OperationalError):
        inquiries.card_inquire(
            key=bank.key,
            national_code=SARA_CODE,
            card_serial=saras_card.csn,
            purpose="BANK_ACCOUNT_OPENING",
        )
    _answering.log_flush()
    assert InquiryLog.objects.count() == 0


# --- The shared card reads' own connection (PostgreSQL) -------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_shared_card_reads_take_no_pooled_connection_of_the_request(bank, saras_card):
    from hoviat.inquiry import selectors

    connections.close_all()

    [row] = selectors.card_rows([saras_card.csn])

    assert row is not None and row[0] == "active"
    # Read on the process's reading connection: the request's own is still unopened.
    assert connection.connection is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_reading_connection_is_replaced_and_the_read_made_again(bank, saras_card):
    from hoviat.inquiry import db, selectors
    from hoviat.inquiry.tests.test_card_inquiry import ask

    assert selectors.card_rows([saras_card.csn])[0][0] == "active"
    reader_pid = db._READER._connections["default"][0].info.backend_pid
    _backend_terminated(reader_pid)

    response = ask(bank, saras_card)

    assert response.status_code == 200
    assert response.json()["card_status"] == "active"
    assert db._READER._connections["default"][0].info.backend_pid != reader_pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_card_read_is_an_error_not_an_answer(bank, saras_card, monkeypatch):
    from django.db import DatabaseError

    from hoviat.inquiry import selectors

    # A statement the database refuses (not a lost connection): raised, not asked again.
    monkeypatch.setattr(selectors, "_cards_sql", lambda count: "SELECT * FROM no_such_table")

    with pytest.raises(DatabaseError):
        selectors.card_rows([saras_card.csn])
    monkeypatch.undo()
    assert selectors.card_rows([saras_card.csn])[0][0] == "active"
