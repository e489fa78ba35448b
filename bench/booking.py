"""Booking bench on PostgreSQL: office search, slot availability, booking under contention.

    .venv/bin/python bench/booking.py [--offices 2000] [--days 60] [--processes 4]
                                      [--threads 8] [--attempts 4000] [--rounds 3]
                                      [--rebuild]

Builds (once; reused while it still covers the days asked for) 2,000 offices across the 31
provinces with 60 days of slots, then times through the real API (Django test Client, in
process, so the figure is server time without the network):
- GET /api/v1/offices?province=&date= (sometimes with type and city), p50/p95 over many calls;
- GET /api/v1/offices/{id}/slots (a week, and the longest range of 31 days).
Then it measures what one hold costs in CPU (ours and the database's), and races
processes × threads workers, as a server runs them, over a few hot slots: holds of
pre-registered applications, then bookings of paid ones (booked at once, SMS queued),
reporting bookings/s and checking that no slot ends with more seats taken than it has, nor a
count that disagrees with its bookings; and the sweep that gives the lapsed holds back. With
--rounds N the hold race runs N times, each between two measures of the one-connection cost
(before and after it, averaged), and the medians are reported: this machine's speed drifts
from second to second, and one cost measured only before a race moved their ratio by 20 points.

Settings as in production: DEBUG off, pooled connections (HOVIAT_DB_POOL=1). The queued SMS
rows are written and counted, but not handed to the job queue (that is a worker's job). The
bench server runs without autovacuum, so the bench VACUUMs the tables it churns before each
phase, as autovacuum would. The last line gives issue 15's two booking targets, met or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hoviat_bench_booking")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
# DEBUG keeps every query in memory and adds its own cost to each one: measure without it.
os.environ.setdefault("HOVIAT_DEBUG", "0")
os.environ.setdefault("HOVIAT_LOG_LEVEL", "WARNING")
# As in production: pooled connections, not a new one per request.
os.environ.setdefault("HOVIAT_DB_POOL", "1")

TARGET_MS = 50.0
TARGET_BOOKINGS_PER_SECOND = 200.0
# Issue 15: CPU per hold on one connection (no contention), and holds per second under
# contention against what the machine's cores would give at that cost. When the issue was
# written this bench measured CPU on one connection only (5.1 ms) and headed the race with
# bookings per second (149/s then): so holds here are bookings, not attempts.
TARGET_HOLD_CPU_MS = 2.5
TARGET_HOLDS_OF_CORES = 0.70


def _database_ensure(url: str) -> None:
    """Create the bench database if it does not exist yet (PostgreSQL only)."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench/booking.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    _database_ensure(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test Client's host, and no e-mail leaves


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return (
        f"n={len(ordered)} p50={pick(0.50):.1f} ms p95={pick(0.95):.1f} ms "
        f"p99={pick(0.99):.1f} ms max={ordered[-1]:.1f} ms "
        f"mean={statistics.fmean(ordered):.1f} ms"
    )


# --- Building the data -----------------------------------------------------------------------


def _build(*, offices: int, days: int, rebuild: bool) -> None:
    from django.db import connection

    from hoviat.booking.models import Booking, Slot
    from hoviat.booking.services import slots_generate_all
    from hoviat.core.jalali import today_local
    from hoviat.offices.models import Office, OfficeKind
    from hoviat.offices.services import holidays_load
    from hoviat.places.models import City
    from hoviat.places.services import places_load

    last_day = today_local() + dt.timedelta(days=days)
    have = Office.objects.filter(code__startswith="BENCH-").count()
    covered = Slot.objects.filter(date__gte=last_day - dt.timedelta(days=2)).exists()
    if have == offices and covered and not rebuild:
        print(f"reusing {have} offices and {Slot.objects.count():,} slots")
        return
    started = time.perf_counter()
    if not City.objects.exists():
        places_load()
    holidays_load()
    with connection.cursor() as cursor:
        # The bench database is the bench's own: start from empty booking tables.
        cursor.execute(f"TRUNCATE {Booking._meta.db_table}, {Slot._meta.db_table}")
    Office.objects.filter(code__startswith="BENCH-").delete()

    rng = random.Random(2026)
    cities = list(City.objects.select_related("province"))
    # Offices follow people: a city's weight is its province's census population.
    weights = [city.province.population_1395 for city in cities]
    kinds = [OfficeKind.POST] * 5 + [OfficeKind.COUNTER] * 4 + [OfficeKind.REGISTRATION]
    rows = []
    for n in range(offices):
        city = rng.choices(cities, weights)[0]
        kind = rng.choice(kinds)
        rows.append(
            Office(
                kind=kind,
                name=f"{OfficeKind(kind).label} {city.name_fa} {n}",
                code=f"BENCH-{n:05d}",
                city=city,
                address=f"{city.name_fa}، خیابان {n}",
                capacity_per_slot=rng.choice([1, 2, 2, 3, 4]),
            )
        )
    Office.objects.bulk_create(rows, batch_size=1000)
    print(
        f"offices: {offices} across {len({c.province_id for c in cities})} provinces "
        f"({time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    created = slots_generate_all(days_ahead=days)
    took = time.perf_counter() - started
    print(
        f"slots_generate_all: {created:,} slots for {days + 1} days in {took:.1f} s "
        f"({created / took:,.0f} slots/s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Slot._meta.db_table}")
    # The daily job on a calendar that is already there: only missing days are written.
    started = time.perf_counter()
    again = slots_generate_all(days_ahead=days)
    print(
        f"slots_generate_all again (the daily job): {again} new slots in "
        f"{time.perf_counter() - started:.1f} s"
    )


# --- Reads -----------------------------------------------------------------------------------


def _time_get(client, url: str, params: dict) -> float:
    started = time.perf_counter()
    response = client.get(url, params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} → {response.status_code} {response.content[:300]!r}")
    return elapsed


def _queries(call) -> int:
    """How many SQL statements call() runs."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return count


def _reads(*, calls: int, days: int) -> bool:
    from django.test import Client

    from hoviat.booking.models import Slot
    from hoviat.core.jalali import today_local
    from hoviat.offices.models import Office

    rng = random.Random(7)
    client = Client()
    today = today_local()
    offices = list(
        Office.objects.filter(code__startswith="BENCH-").values_list(
            "pk", "kind", "city_id", "city__province__code"
        )
    )
    ok = True

    def search_params() -> dict:
        _, kind, city_id, province = rng.choice(offices)  # busy provinces come up more often
        params = {
            "province": province,
            "date": (today + dt.timedelta(days=rng.randint(0, days))).isoformat(),
        }
        roll = rng.random()
        if roll < 0.25:
            params["type"] = kind
        elif roll < 0.5:
            params["city"] = str(city_id)
        return params

    for _ in range(20):  # warm the connection, the plans and the caches
        _time_get(client, "/api/v1/offices", search_params())
    samples = [_time_get(client, "/api/v1/offices", search_params()) for _ in range(calls)]
    queries = _queries(lambda: client.get("/api/v1/offices", {"province": "IR-23"}))
    sizes = Office.objects.filter(code__startswith="BENCH-").values("city__province__code")
    largest = max(
        sizes.values_list("city__province__code", flat=True).order_by().distinct().iterator(),
        key=lambda code: sizes.filter(city__province__code=code).count(),
    )
    big = [_time_get(client, "/api/v1/offices", {"province": largest}) for _ in range(50)]
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    ok &= p95 < TARGET_MS
    print(f"office search   {_percentiles(samples)}  ({queries} queries per call)")
    print(
        f"  largest province ({largest}, "
        f"{sizes.filter(city__province__code=largest).count()} offices): {_percentiles(big)}"
    )

    def slot_params(span: int) -> tuple[str, dict]:
        office_id = rng.choice(offices)[0]
        # Slots exist for days 0..days: with --days 30 the 31-day range can only start today.
        first = today + dt.timedelta(days=rng.randint(0, max(0, days - span)))
        return (
            f"/api/v1/offices/{office_id}/slots",
            {"from": first.isoformat(), "to": (first + dt.timedelta(days=span - 1)).isoformat()},
        )

    for _ in range(20):
        _time_get(client, *slot_params(7))
    week = [_time_get(client, *slot_params(7)) for _ in range(calls)]
    month = [_time_get(client, *slot_params(31)) for _ in range(calls // 2)]
    slot_queries = _queries(lambda: client.get(*slot_params(7)))
    p95 = sorted(week)[int(0.95 * (len(week) - 1))]
    ok &= p95 < TARGET_MS
    print(f"slots (7 days)  {_percentiles(week)}  ({slot_queries} queries per call)")
    print(f"slots (31 days) {_percentiles(month)}")
    print(f"  ({Slot.objects.count():,} slots in the table)")
    return ok


# --- Booking under contention ----------------------------------------------------------------


def _applications(count: int, status: str, tag: int) -> list:
    from hoviat.applications.codes import tracking_code_new
    from hoviat.applications.models import Application
    from hoviat.core.national_code import make_national_code
    from hoviat.places.models import City
    from hoviat.registry.models import Citizen

    city = City.objects.select_related("county").first()
    citizens = Citizen.objects.bulk_create(
        [
            Citizen(
                national_code=make_national_code("999", tag * 100_000 + n),
                first_name="آزمون",
                last_name="بار",
                father_name="پدر",
                mother_name="مادر",
                gender="female",
                birth_date=dt.date(1990, 1, 1),
                shenasnameh_number=str(n),
                shenasnameh_series=1,
                shenasnameh_letter="الف",
                shenasnameh_serial=f"{n:06d}",
                issuing_county=city.county,
                residence_province_id=city.province_id,
                residence_city=city,
                mobile=f"0999{tag}{n:06d}",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    return Application.objects.bulk_create(
        [
            Application(
                tracking_code=tracking_code_new(),
                citizen=citizen,
                kind="first",
                fee_rials=1_450_000,
                mobile=citizen.mobile,
                status=status,
            )
            for citizen in citizens
        ],
        batch_size=2000,
    )


def _child(application_ids: list[int], slot_ids: list[int], threads: int, barrier, results) -> None:
    """One worker process: `threads` threads booking away, each on its own connection."""
    from django.conf import settings
    from django.db import connection

    from hoviat.applications.models import Application
    from hoviat.booking.services import booking_hold
    from hoviat.core.audit import Actor
    from hoviat.core.errors import DomainError

    actor = Actor("system", "bench", "bench")
    applications = list(Application.objects.filter(pk__in=application_ids))
    connection.close()
    # As a server does: with the pool, a thread holds a connection for one request (here one
    # booking) and gives it back; without it, each thread keeps its own connection.
    pooled = "pool" in settings.DATABASES["default"].get("OPTIONS", {})
    outcomes: dict[str, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def work(share: list) -> None:
        rng = random.Random(id(share))
        mine: dict[str, int] = {}
        times: list[float] = []
        try:
            for application in share:
                began = time.perf_counter()
                try:
                    booking_hold(application=application, slot_id=rng.choice(slot_ids), actor=actor)
                    mine["ok"] = mine.get("ok", 0) + 1
                except DomainError as exc:
                    mine[exc.code] = mine.get(exc.code, 0) + 1
                except Exception as exc:  # a deadlock or a constraint: counted and shown
                    mine[type(exc).__name__] = mine.get(type(exc).__name__, 0) + 1
                if pooled:
                    connection.close()
                times.append((time.perf_counter() - began) * 1000)
        finally:
            connection.close()
            with lock:
                for key, value in mine.items():
                    outcomes[key] = outcomes.get(key, 0) + value
                latencies.extend(times)

    workers = [
        threading.Thread(target=work, args=(applications[i::threads],)) for i in range(threads)
    ]
    barrier.wait()
    cpu = time.process_time()  # the whole process: every thread's CPU
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((outcomes, latencies, time.process_time() - cpu))


class _BackendCpu(threading.Thread):
    """CPU of this database's PostgreSQL backends while the race runs (the server on this
    machine): each backend's /proc CPU from when it is first seen to when it is last seen,
    polled; a backend that ends between two polls loses at most one interval."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.settings_dict
        with psycopg.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"],
            dbname=params["NAME"],
            autocommit=True,
        ) as conn:
            while True:
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in pids:
                    cpu = _backend_cpu_seconds(pid)
                    if cpu is not None:
                        self.first.setdefault(pid, cpu)
                        self.last[pid] = cpu
                if self.done.wait(self.interval):
                    return

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _race(
    *, application_ids: list[int], slot_ids: list[int], processes: int, threads: int
) -> tuple[float, dict, list, float, float]:
    """threads × processes workers at once; (seconds, outcomes, latencies in ms, CPU seconds
    of the worker processes, CPU seconds of their PostgreSQL backends)."""
    import multiprocessing

    from django.db import connections

    # A forked child must not share the parent's sockets: close them (and the pool) first.
    for conn in connections.all():
        conn.close()
        if hasattr(conn, "close_pool"):
            conn.close_pool()

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    children = [
        context.Process(
            target=_child, args=(application_ids[i::processes], slot_ids, threads, barrier, results)
        )
        for i in range(processes)
    ]
    for child in children:
        child.start()
    backends = _BackendCpu()
    backends.start()
    barrier.wait()
    began = time.perf_counter()
    outcomes: dict[str, int] = {}
    latencies: list[float] = []
    python_cpu = 0.0
    for _ in children:
        theirs, times, cpu = results.get()
        for key, value in theirs.items():
            outcomes[key] = outcomes.get(key, 0) + value
        latencies.extend(times)
        python_cpu += cpu
    took = time.perf_counter() - began
    for child in children:
        child.join()
    backends.done.set()
    backends.join()
    return took, outcomes, latencies, python_cpu, backends.seconds()


def _overbooked() -> tuple[int, int]:
    """(slots over capacity, slots whose count disagrees with their bookings)."""
    from django.db.models import Count, F, Q

    from hoviat.booking.models import SEAT_HOLDING, Slot

    over = Slot.objects.filter(taken__gt=F("capacity")).count()
    touched = (
        Slot.objects.filter(bookings__isnull=False)
        .distinct()
        .annotate(seats=Count("bookings", filter=Q(bookings__status__in=SEAT_HOLDING)))
    )
    wrong = sum(1 for slot in touched if slot.seats != slot.taken)
    return over, wrong


def _clear() -> None:
    """No bench bookings, applications or citizens, and no seat taken: each round and each
    rerun measures the same thing. Plain SQL: the ORM's cascade would visit every table that
    points at applications, and some of those may still be on their way (apps whose
    migrations are not written yet)."""
    from django.db import connection

    from hoviat.applications.models import Application
    from hoviat.booking.models import Booking, Slot
    from hoviat.registry.models import Citizen

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Booking._meta.db_table}")
        cursor.execute(
            f"DELETE FROM {Application._meta.db_table} WHERE citizen_id IN "
            f"(SELECT id FROM {Citizen._meta.db_table} "
            "WHERE national_code LIKE '999%%')"
        )
        cursor.execute(f"DELETE FROM {Citizen._meta.db_table} WHERE national_code LIKE '999%%'")
    Slot.objects.filter(taken__gt=0).update(taken=0)


def _contention(
    *, processes: int, threads: int, attempts: int, hot_slots: int, rounds: int = 1
) -> tuple[bool, dict[str, float]]:
    """(no overbooking and no unexpected error anywhere, bookings/s of each phase).

    Holds race `rounds` times, each between two measures of the one-connection cost (before
    and after, averaged), so a machine that speeds up or slows down moves both sides of a
    round's ratio alike; the summary gives the medians. Paid bookings race once, after the
    last round."""
    import hoviat.notifications.services as notifications
    from hoviat.booking.models import Booking, Slot
    from hoviat.core.jalali import today_local

    # The SMS outbox row is written in the booking's transaction, and so is measured; handing
    # it to the job queue after commit is a worker's job, and here would fill var/huey.sqlite3.
    notifications._enqueue = lambda message_id: None
    _clear()

    day = (
        Slot.objects.filter(date__gt=today_local())
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    # Hot slots at offices that open that day; seats for about 85% of the attempts, so most
    # succeed while the last ones meet full slots, as in the first hours of a new month.
    slots = list(Slot.objects.filter(date=day).order_by("?")[:hot_slots])
    per_slot = min(32_000, max(1, int(attempts * 0.85 / hot_slots)))
    Slot.objects.filter(pk__in=[s.pk for s in slots]).update(capacity=per_slot)
    slot_ids = [slot.pk for slot in slots]
    seats = per_slot * len(slots)
    ok = True
    rates: dict[str, float] = {}
    held: list[dict[str, float]] = []
    phases = [
        (1, "pre_registered", f"holds (pre-registered), round {n + 1} of {rounds}")
        for n in range(rounds)
    ]
    phases.append((2, "paid", "bookings (paid: booked at once, SMS queued)"))
    for tag, status, label in phases:
        _clear()
        _vacuum()
        application_ids = [a.pk for a in _applications(attempts, status, tag)]
        _vacuum()
        cost_ms = _cost(after=day, when="before the race") if status == "pre_registered" else 0.0
        took, outcomes, latencies, python_cpu, server_cpu = _race(
            application_ids=application_ids, slot_ids=slot_ids, processes=processes, threads=threads
        )
        if status == "pre_registered":
            # The same measure right after the race, and the race against both together.
            after_ms = _cost(after=day, when="after the race", tag=4)
            cost_ms = (cost_ms + after_ms) / 2
            print(f"  one-connection cost, before and after the race together: {cost_ms:.2f} ms")
        booked = outcomes.get("ok", 0)
        taken = sum(Slot.objects.filter(pk__in=slot_ids).values_list("taken", flat=True))
        over, wrong = _overbooked()
        rate = booked / took
        print(
            f"{label}: {processes} processes × {threads} threads, {attempts} attempts on "
            f"{len(slot_ids)} slots "
            f"({seats} seats) in {took:.2f} s"
        )
        print(
            f"  {rate:,.0f} bookings/s, {attempts / took:,.0f} attempts/s; outcomes "
            f"{dict(sorted(outcomes.items()))}; latency {_percentiles(latencies)}"
        )
        # On a machine shared with other work, wall time says little: the CPU the race used
        # says what it cost. Against the one-connection cost, what contention adds.
        race_cpu_ms = (python_cpu + server_cpu) * 1000
        per_cpu_second = booked / (python_cpu + server_cpu) if race_cpu_ms else 0.0
        against = (
            f"; the one-connection cost of a hold allows {1000 / cost_ms:,.0f}: "
            f"{per_cpu_second * cost_ms / 10:.0f}% of it"
            if status == "pre_registered"
            else ""
        )
        print(
            f"  CPU under contention: {python_cpu * 1000 / attempts:.2f} ms in Python + "
            f"{server_cpu * 1000 / attempts:.2f} ms in PostgreSQL per attempt, "
            f"{race_cpu_ms / max(booked, 1):.1f} ms per booking: {per_cpu_second:,.0f} bookings "
            f"per CPU second{against}"
        )
        cores = os.cpu_count() or 1
        if status == "pre_registered":
            # Two more views of the same race, per attempt rather than per booking (a refused
            # attempt is work too): CPU per attempt against the one-connection cost, and the
            # wall-clock rate against what the machine's cores allow at that cost (this one
            # moves with whatever else runs here).
            print(
                f"  per attempt: one-connection cost ÷ CPU per attempt under contention = "
                f"{cost_ms * attempts / race_cpu_ms * 100:.0f}%; attempts/s ÷ ({cores} cores ÷ "
                f"one-hold CPU) = {attempts / took / (cores * 1000 / cost_ms) * 100:.0f}% "
                f"(load average {os.getloadavg()[0]:.1f})"
            )
            held.append(
                {
                    "rate": rate,
                    "cost": cost_ms,
                    "per_booking": race_cpu_ms / max(booked, 1),
                    "of_cost": per_cpu_second * cost_ms / 10,
                    "per_attempt": cost_ms * attempts / race_cpu_ms * 100,
                    "of_cores": attempts / took / (cores * 1000 / cost_ms) * 100,
                    "bookings_of_cores": rate / (cores * 1000 / cost_ms) * 100,
                }
            )
        print(
            f"  seats taken {taken} = successes {booked}: {taken == booked}; "
            f"slots over capacity: {over}; counts disagreeing with bookings: {wrong}"
        )
        ok &= over == 0 and wrong == 0 and taken == booked and booked <= seats
        ok &= set(outcomes) <= {"ok", "SLOT_FULL"}
        rates[status] = rate
        if status == "pre_registered":
            ok &= _sweep(slot_ids)
            Booking.objects.filter(slot_id__in=slot_ids).delete()
    if held:
        rates["pre_registered"] = statistics.median(r["rate"] for r in held)
        rates["hold_cost_ms"] = statistics.median(r["cost"] for r in held)
        rates["holds_of_cores"] = statistics.median(r["bookings_of_cores"] for r in held) / 100

        def middle(key: str) -> str:
            values = sorted(r[key] for r in held)
            spread = f" ({values[0]:.0f}–{values[-1]:.0f})" if len(values) > 1 else ""
            return f"{statistics.median(values):.0f}%{spread}"

        print(
            f"holds, median of {len(held)} round(s): {rates['pre_registered']:,.0f} bookings/s; "
            f"one-connection cost {statistics.median(r['cost'] for r in held):.2f} ms, "
            f"under contention {statistics.median(r['per_booking'] for r in held):.2f} ms per "
            f"booking; bookings per CPU second against what the one-connection cost allows "
            f"{middle('of_cost')}; per attempt {middle('per_attempt')}; attempts/s against "
            f"the cores {middle('of_cores')}"
        )
    return ok, rates


def _vacuum() -> None:
    """VACUUM the tables the bench churns, as autovacuum would between bursts.

    Bookings, slots and applications are updated over and over; autovacuum is off on this
    bench server, so the bench does it.
    """
    from django.db import connection

    from hoviat.applications.models import Application
    from hoviat.booking.models import Booking, Slot
    from hoviat.core.models import AuditEntry
    from hoviat.notifications.models import SmsMessage
    from hoviat.registry.models import Citizen

    tables = ", ".join(
        model._meta.db_table
        for model in (AuditEntry, Booking, Slot, Application, Citizen, SmsMessage)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def _backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of a PostgreSQL backend process, when the server runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cost(*, after: dt.date, when: str, tag: int = 3, count: int = 600, batches: int = 2) -> float:
    """CPU per booking on one connection, no contention: ours (Python) and the database's.

    `batches` runs of `count` holds one after the other, their spread printed beside the
    whole: this machine's speed drifts from second to second (one run of 600 measured
    anywhere from 0.8 to 1.5 ms), which is why a race is measured against this taken both
    before and after it (`tag` keeps the two sets of applications apart)."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import F

    from hoviat.booking.models import Slot
    from hoviat.booking.services import booking_hold
    from hoviat.core.audit import Actor

    # Slots of a later day than the race's, so the two never count each other's seats.
    slots = list(Slot.objects.filter(date__gt=after).order_by("date", "pk")[:10])
    Slot.objects.filter(pk__in=[s.pk for s in slots]).update(capacity=F("taken") + count * batches)
    applications = _applications(count * batches, "pre_registered", tag)
    actor = Actor("system", "bench", "bench")
    # With the pool, the race's threads give their connection back after each hold and take
    # one again for the next (a request's share of the pool): so does this. The database's
    # CPU is then that of every backend of this database (only this process's pool now).
    pooled = "pool" in settings.DATABASES["default"].get("OPTIONS", {})

    def backends() -> dict[int, float]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend'"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        return {pid: cpu for pid in pids if (cpu := _backend_cpu_seconds(pid)) is not None}

    python = server = wall = 0.0
    each: list[float] = []
    for batch in range(batches):
        server_before = backends()
        python_before, wall_before = time.process_time(), time.perf_counter()
        for n in range(batch * count, (batch + 1) * count):
            booking_hold(application=applications[n], slot_id=slots[n % len(slots)].pk, actor=actor)
            if pooled:
                connection.close()  # back to the pool after each hold, as in the race
        python_took = time.process_time() - python_before
        wall += time.perf_counter() - wall_before
        server_took = sum(cpu - server_before.get(pid, 0.0) for pid, cpu in backends().items())
        python += python_took
        server += server_took
        each.append((python_took + server_took) / count * 1000)
    holds = count * batches
    python, server, wall = python / holds * 1000, server / holds * 1000, wall / holds * 1000
    total = python + server
    spread = ", ".join(f"{ms:.2f}" for ms in each)
    print(
        f"cost of one hold {when} (one connection, no contention, {holds} holds): "
        f"{wall:.1f} ms wall; "
        f"CPU {python:.2f} ms in Python + {server:.2f} ms in PostgreSQL = {total:.2f} ms "
        f"(batches of {count}: {spread}), so at most ~{1000 / total:,.0f} bookings/s per free "
        f"CPU core ({os.cpu_count()} cores here, load average {os.getloadavg()[0]:.1f})"
    )
    return total


def _sweep(slot_ids: list[int]) -> bool:
    """The sweep after the holds lapse: every seat back, in how long."""
    from django.conf import settings
    from django.utils import timezone

    from hoviat.booking.models import Slot
    from hoviat.booking.services import bookings_sweep

    later = timezone.now() + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)
    started = time.perf_counter()
    result = bookings_sweep(now=later)
    took = time.perf_counter() - started
    left = sum(Slot.objects.filter(pk__in=slot_ids).values_list("taken", flat=True))
    over, wrong = _overbooked()
    print(
        f"  sweep after the holds lapse: {result} in {took:.2f} s "
        f"({result.holds_released / took:,.0f} holds/s, one audit row each, appended in batches); "
        f"seats still taken: {left}; counts disagreeing: {wrong}"
    )
    return left == 0 and over == 0 and wrong == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=2000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--calls", type=int, default=400, help="timed calls per read")
    parser.add_argument(
        "--processes",
        type=int,
        default=4,
        help="worker processes, as a server runs them (1: all threads under one GIL)",
    )
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument("--attempts", type=int, default=4000)
    parser.add_argument("--hot-slots", type=int, default=20)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="hold races, each after its own measure of the one-connection cost (medians)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild offices and slots")
    parser.add_argument("--skip-reads", action="store_true")
    args, _ = parser.parse_known_args()  # `make bench` passes every script the same options

    _setup()
    from django.db import connection

    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"database {connection.settings_dict['NAME']}; {os.cpu_count()} CPU cores, "
        f"load average {os.getloadavg()[0]:.1f} before the run; Django's pool: "
        f"{pool.get('max_size', '?') if pool else 'off'} connections per process "
        "(HOVIAT_DB_POOL_MAX_SIZE)"
    )
    _build(offices=args.offices, days=args.days, rebuild=args.rebuild)
    _vacuum()
    reads_ok = args.skip_reads or _reads(calls=args.calls, days=args.days)
    consistent, rates = _contention(
        processes=args.processes,
        threads=args.threads,
        attempts=args.attempts,
        hot_slots=args.hot_slots,
        rounds=max(1, args.rounds),
    )
    # The target is the seat race itself: holds, the way nearly every citizen books (before
    # paying). A paid citizen's booking does more in its transaction (the application's
    # transition and the SMS, two audit rows), and is reported beside it.
    holds_fast = rates.get("pre_registered", 0) >= TARGET_BOOKINGS_PER_SECOND
    print(
        f"targets: reads p95 < {TARGET_MS:.0f} ms: {'met' if reads_ok else 'MISSED'}; "
        f"no overbooking, no unexpected error: {'met' if consistent else 'MISSED'}; "
        f"holds ≥ {TARGET_BOOKINGS_PER_SECOND:.0f}/s: "
        f"{'met' if holds_fast else 'MISSED'} ({rates.get('pre_registered', 0):,.0f}/s; "
        f"paid bookings {rates.get('paid', 0):,.0f}/s)"
    )
    cost, of_cores = rates.get("hold_cost_ms", float("nan")), rates.get("holds_of_cores", 0.0)
    print(
        f"issue 15: CPU per hold on one connection ≤ {TARGET_HOLD_CPU_MS} ms: "
        f"{'met' if cost <= TARGET_HOLD_CPU_MS else 'MISSED'} ({cost:.2f} ms); holds/s under "
        f"contention ≥ {TARGET_HOLDS_OF_CORES:.0%} of what {os.cpu_count()} cores give at that "
        f"cost: {'met' if of_cores >= TARGET_HOLDS_OF_CORES else 'MISSED'} ({of_cores:.0%})"
    )
    return 0 if reads_ok and consistent and holds_fast else 1


if __name__ == "__main__":
    sys.exit(main())
