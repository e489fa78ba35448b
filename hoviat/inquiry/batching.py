"""Work of concurrent inquiries done together: the log's group commit and write-behind, and
the card inquiries' answers (services.inquiries._CARD_ANSWERS).

Group commit for the inquiry log: the rows of concurrent answers go in together.

Every answer waits until its own row is written (and, with INQUIRY_LOG_DURABLE, flushed to
disk) before it is sent, exactly as with one INSERT per answer. What changes is how many
answers share a statement and a commit: the first request thread that finds no write under
way takes every row waiting at that moment and writes them in one statement on its own
database connection; the threads whose rows it took wait for it and then return (or raise
what it raised). The rows that arrive meanwhile wait for the next writer, which is one of
their own threads. Nobody waits for a timer: under light load a batch is one row, under
heavy load it is as many as arrived during one write.

Within a process only (each web worker has its own). WriteBehind, below, is the
non-durable variant, where an answer does not wait for its row at all.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import threading
from _thread import allocate_lock as _allocate_lock
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

Row = Sequence[Any]


class BatchFailed(RuntimeError):
    """Raised in the threads whose items were in a batch another thread failed to run."""


class _Waiting:
    __slots__ = ("done", "error", "result", "row", "wake")

    def __init__(self, row: Any) -> None:
        self.row = row
        self.done = False
        self.error: BaseException | None = None
        self.result: Any = None
        # While its thread sleeps: a lock it waits on, released to wake it (when its row is
        # through, or when it is to run the next batch).
        self.wake: Any = None


def _let_others_run() -> None:
    # Gives up the GIL and the processor once; the threads waiting for either run first. Not
    # time.sleep(0): on Linux that is a real sleep of the kernel's timer slack (60-80 µs here)
    # and cost 20 µs of CPU a call. sched_yield cut the card inquiry's CPU by 12%
    # (bench/inquiry.py --ab: lower in 11 of 12 rounds) and gathers more serials a read.
    os.sched_yield()


class GroupCommit:
    """Concurrent calls with one item each become one call of `run` with all of them.

    `run(items)` may return one result per item, in order (a read), or None (a write); each
    caller gets its own item's result. See the module's docstring for who runs when.

    With `gather`, the thread that is to run a batch first lets the threads that are ready to
    run have the GIL once, and takes its batch after that: on a busy web process, requests
    already under way reach add() in that turn and share the statement (the card reads: 5.2
    serials a read instead of 2.5 at 64 connections, bench/inquiry.py). It costs the thread one
    turn of the GIL, never a timer.

    Each waiting thread sleeps on a lock of its own, and only the threads that have something
    to do are woken: those whose items a batch took, when it is through, and the first of
    those that came meanwhile, to run the next batch. (With one condition variable for all,
    every batch woke every waiting thread, most of them only to wait again: each wake-up is a
    system call and a hand-over of the GIL.)
    """

    def __init__(
        self, run: Callable[[list[Any]], Sequence[Any] | None], *, gather: bool = False
    ) -> None:
        self._run = run
        self._gather = gather
        self._lock = threading.Lock()
        self._pending: list[_Waiting] = []
        self._writing = False  # a thread runs a batch, or has been chosen to run the next

    def add(self, row: Any) -> Any:
        """Return once `row` is through (with its result); raise if its batch failed."""
        mine = _Waiting(row)
        with self._lock:
            self._pending.append(mine)
            if self._writing:
                wake = mine.wake = _allocate_lock()
                wake.acquire()
            else:
                wake = None
                self._writing = True
        if wake is not None:
            try:
                wake.acquire()  # until released by the thread that ran a batch
            except BaseException:  # interrupted asleep (KeyboardInterrupt, in the main thread)
                self._leave(mine)
                raise
            if mine.done:
                if mine.error is not None:
                    raise BatchFailed("the batch this call was in failed") from mine.error
                return mine.result
        # This thread runs the next batch, its own row in it.
        batch: list[_Waiting] = []
        error: BaseException | None = None
        results: Sequence[Any] | None = None
        try:
            if self._gather:
                # The threads ready to run get one turn first: those that reach add() in it
                # join this batch instead of waiting for the next one.
                _let_others_run()
            with self._lock:
                batch, self._pending = self._pending, []
            results = self._run([waiting.row for waiting in batch])
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._through(batch, results, error, mine)
        return mine.result

    def _through(
        self,
        batch: list[_Waiting],
        results: Sequence[Any] | None,
        error: BaseException | None,
        runner: _Waiting,
    ) -> None:
        """Hand each item of `batch` its outcome and wake its thread, and choose the thread
        to run the next batch: the first of those that came meanwhile, if any. The locks are
        released under the group's lock, so that _leave() sees every choice made."""
        with self._lock:
            if not batch and runner in self._pending:  # failed before it took its batch
                self._pending.remove(runner)
            for i, waiting in enumerate(batch):
                waiting.done = True
                waiting.error = error
                if results is not None and error is None:
                    waiting.result = results[i]
                if waiting is not runner and waiting.wake is not None:
                    waiting.wake.release()
            self._pass_on()

    def _pass_on(self) -> None:
        # Under the group's lock: the first waiting thread runs the next batch; none, none.
        if self._pending:
            self._pending[0].wake.release()
        else:
            self._writing = False

    def _leave(self, mine: _Waiting) -> None:
        # A thread stops waiting without its outcome: its item is dropped if no batch took
        # it yet and, if it had been chosen to run the next batch, the choice passes on.
        with self._lock:
            if mine.done:
                return
            chosen = not mine.wake.locked()
            if mine in self._pending:
                self._pending.remove(mine)
            if chosen:
                self._pass_on()


class WriteBehind:
    """Rows handed to one writer thread of the process, which writes what has gathered every
    `interval` seconds (sooner once `batch` rows wait); the caller does not wait.

    For the inquiry log when it is not durable (INQUIRY_LOG_DURABLE off): an answer is sent
    before its row is written, so a crash of the process loses the rows handed over in the
    last `interval` (docs/inquiry.md). A write that fails is tried again with the next rows,
    the failed rows first, each `interval` × 2 up to 5 s; if the database stays away that long,
    at most `max_pending` rows are kept (then the oldest are dropped and the error log says
    how many). `flush()` writes what waits, in the caller's thread; it runs at exit too.

    A write the database refuses for its data (`refused`, e.g. a constraint) would be refused
    again however often it is tried, and every row after it would wait behind it: such a batch
    is written again row by row, and only the rows refused on their own are left out, each
    named in the error log and counted in `refused_rows`.
    """

    def __init__(
        self,
        write: Callable[[list[Row]], None],
        *,
        interval: float = 0.02,
        batch: int = 256,
        max_pending: int = 100_000,
        thread: bool = True,
        refused: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._write = write
        self._refused = refused
        self.refused_rows = 0
        self._thread = thread  # False: written by flush() alone
        self.interval = interval
        self._batch = batch
        self._max_pending = max_pending
        self._ready = threading.Condition(threading.Lock())
        self._pending: list[Row] = []
        self._writing = threading.Lock()  # one write at a time: the thread's or a flush()
        self._owner: int | None = None  # the pid whose thread runs (a fork has none)
        self.dropped = 0

    def add(self, row: Row) -> None:
        self.add_many((row,))

    def add_many(self, rows: Sequence[Row]) -> None:
        """Hand `rows` over to be written (under one taking of the lock); past `max_pending`
        waiting rows, the oldest are dropped."""
        with self._ready:
            if self._thread and self._owner != os.getpid():
                self._start()
            self._pending.extend(rows)
            excess = len(self._pending) - self._max_pending
            if excess > 0:
                del self._pending[:excess]
                self.dropped += excess
            if len(self._pending) >= self._batch:
                self._ready.notify()

    def flush(self) -> None:
        """Write every row handed over so far, now, in this thread."""
        with self._writing:
            with self._ready:
                rows, self._pending = self._pending, []
            if rows:
                self._write_rows(rows)

    def _start(self) -> None:
        self._owner = os.getpid()
        thread = threading.Thread(target=self._run, name="inquiry-log-writer", daemon=True)
        thread.start()
        # At exit, whether this is the main process (multiprocessing runs its finalizers from
        # atexit) or a worker a server forked with multiprocessing (granian's): such a child
        # leaves through os._exit(), which skips atexit, after running these finalizers.
        multiprocessing.util.Finalize(None, self._flush_at_exit, exitpriority=10)

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception:  # at exit there is nobody to tell but the log
            logger.exception("inquiry log: rows not written at exit")

    def _write_rows(self, rows: list[Row]) -> None:
        try:
            self._write(rows)
            return
        except self._refused:
            if len(rows) == 1:
                self._left_out(rows[0])
                return
        except BaseException:
            self._put_back(rows)
            raise
        # Refused for some row's data: each row alone, so only that row is left out.
        for i, row in enumerate(rows):
            try:
                self._write([row])
            except self._refused:
                self._left_out(row)
            except BaseException:
                self._put_back(rows[i:])
                raise

    def _left_out(self, row: Row) -> None:
        self.refused_rows += 1
        logger.exception("inquiry log: a row the database refused was left out: %r", row)

    def _put_back(self, rows: list[Row]) -> None:
        with self._ready:  # the failed rows go first next time
            self._pending[:0] = rows
            excess = len(self._pending) - self._max_pending
            if excess > 0:
                del self._pending[:excess]
                self.dropped += excess

    def _run(self) -> None:
        pause = self.interval
        while True:
            with self._ready:
                if len(self._pending) < self._batch:
                    self._ready.wait(pause)
            try:
                self.flush()
                pause = self.interval
            except Exception:
                logger.exception(
                    "inquiry log: a batch could not be written; trying again (%s rows wait, "
                    "%s dropped so far)",
                    len(self._pending),
                    self.dropped,
                )
                pause = min(5.0, pause * 2)
