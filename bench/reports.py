"""Reports bench: N applications on PostgreSQL, the aggregates refreshed, the pages timed.

    DATABASE_URL is not read: the bench uses its own database (default hoviat_r1bench).
    .venv/bin/python bench/reports.py [--applications 1000000] [--reuse] [--keep]
                                      [--generate-only] [--repeat 30] [--db postgres]

1. Generates, set-based in SQL (INSERT … SELECT over generate_series), citizens in every
   province (1.25 per application, weighted by the 1395 census, in the real cities), three
   offices per city, and the applications with real lifecycle rows: enrolments, cards,
   collections at offices and hand-overs (84 % delivered, 0.2 % waiting at an office, 11 %
   enrolled and queued, 5 % paid, spread from 1397 to today), the bookings (attended at the
   enrolment, a missed one before it for 1 in 12) and the SMS (booking confirmed, card ready:
   3 % failed, 1 % unreachable). Synthetic national codes are
   unique 10-digit strings without a valid check digit (nothing here validates them).
   The tables are loaded without their secondary indexes and foreign keys, which are built
   and checked once at the end, as pg_restore does (10,000,000 applications in ~9 minutes).
2. Times a full refresh of the aggregates, then an incremental one after a day's worth of
   new applications (applications / 2,000), and prints each refresh's slowest steps.
3. Times, server side, the selector calls of the national dashboard and of a province page,
   and the pages themselves through Django's test Client (signed in as a national admin):
   p50 / p95 / max over --repeat runs each.

With --reuse the generated database is kept from an earlier --keep or --generate-only run
(step 1 skipped).
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_BASE = "postgres://postgres@127.0.0.1:5432"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _setup(name: str, *, reuse: bool) -> None:
    import psycopg

    if not reuse:
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{PG_BASE}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    os.environ["HOVIAT_DEBUG"] = "0"
    os.environ["HUEY_BACKEND"] = "immediate"
    import django

    django.setup()
    from django.core.management import call_command

    if not reuse:
        call_command("migrate", verbosity=0)
        call_command("load_places", verbosity=0)


def _drop(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _sql(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if params is None:
            cursor.execute(sql)  # no placeholders: a literal % stays as it is
        else:
            cursor.execute(sql, params)
        return cursor.rowcount


def _timed(label: str, sql: str, params=None) -> float:
    started = time.perf_counter()
    rows = _sql(sql, params)
    seconds = time.perf_counter() - started
    _say(f"{label}: {rows:,} rows in {seconds:.1f}s ({rows / max(seconds, 1e-9):,.0f} rows/s)")
    return seconds


def _generate(applications: int) -> dict:
    from django.utils import timezone

    from hoviat.core.models import Role, User
    from hoviat.offices.models import Office
    from hoviat.places.models import City
    from hoviat.production.models import PersonalisationRun

    citizens = applications * 5 // 4
    cities = list(City.objects.select_related("province").order_by("pk"))
    Office.objects.bulk_create(
        Office(kind=kind, name=f"دفتر {city.name_fa} {i}", code=f"B{city.pk}-{i}", city=city,
               address="-")
        for city in cities
        for i, kind in enumerate(("post", "counter", "registration"))
    )  # fmt: skip
    operator = User.objects.create(
        username="bench-operator", role=Role.OFFICE_OPERATOR, office=Office.objects.first()
    )
    User.objects.create(username="bench-admin", role=Role.NATIONAL_ADMIN, is_superuser=True)
    month = dt.date(2018, 3, 1)
    runs = []
    while month <= timezone.localdate():
        at = timezone.make_aware(dt.datetime.combine(month, dt.time(1)))
        runs.append(
            PersonalisationRun(
                date=month, status="completed", started_at=at, heartbeat_at=at, finished_at=at
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    PersonalisationRun.objects.bulk_create(runs)

    seconds = {}
    _sql("SET synchronous_commit = off")
    _sql("SET maintenance_work_mem = '512MB'")
    dropped = _drop_secondary(LOADED_TABLES)
    _sql("SELECT setseed(0.1405)")
    # Cities weighted by their province's census population, spread over 10,000 slots.
    _sql("DROP TABLE IF EXISTS bench_slot")
    _sql(
        "CREATE TABLE bench_slot AS "
        "SELECT (row_number() OVER (ORDER BY c.id, g) - 1)::int AS slot, c.id AS city_id, "
        "c.county_id, c.province_id FROM places_city c JOIN places_province p "
        "ON p.id = c.province_id "
        "JOIN (SELECT province_id, count(*) AS n FROM places_city GROUP BY province_id) k "
        "ON k.province_id = c.province_id "
        "CROSS JOIN LATERAL generate_series(1, GREATEST(1, round(10000.0 * p.population_1395 "
        "/ (SELECT sum(population_1395) FROM places_province) / k.n)::int)) g"
    )
    slots = _sql("SELECT 1 FROM bench_slot")
    _sql("CREATE UNIQUE INDEX ON bench_slot (slot)")
    seconds["citizens"] = _timed(
        "citizens",
        "INSERT INTO registry_citizen (national_code, first_name, last_name, father_name, "
        "mother_name, gender, birth_date, shenasnameh_number, shenasnameh_series, "
        "shenasnameh_letter, shenasnameh_serial, issuing_county_id, residence_province_id, "
        "residence_city_id, mobile, is_alive, has_photo_shenasnameh, created_at, updated_at) "
        "SELECT lpad(g::text, 10, '0'), 'سارا', 'محمدی', 'علی', 'مریم', "
        "CASE WHEN g %% 2 = 0 THEN 'male' ELSE 'female' END, "
        "date '1936-01-01' + (random() * 27000)::int, lpad(g::text, 10, '0'), 20, 'الف', "
        "lpad((g %% 1000000)::text, 6, '0'), s.county_id, s.province_id, s.city_id, "
        "'0917' || lpad((g %% 10000000)::text, 7, '0'), g %% 97 <> 0, true, now(), now() "
        "FROM generate_series(1, %s) g JOIN bench_slot s ON s.slot = (g::bigint * 7919) %% %s",
        [citizens, slots],
    )
    seconds["applications"] = _timed(
        "applications",
        "INSERT INTO applications_application (tracking_code, citizen_id, kind, status, "
        "fee_rials, mobile, created_at, updated_at, paid_at, enrolled_at, closed_at, public_id) "
        "SELECT tracking_code, id, 'first', status, 1450000, mobile, created, "
        "COALESCE(closed, enrolled, created), created, enrolled, closed, gen_random_uuid() "
        "FROM (SELECT 'B' || lpad(id::text, 11, '0') AS tracking_code, id, status, mobile, "
        "created, "
        "CASE WHEN status <> 'paid' THEN LEAST(created + (1 + id %% 20) * interval '1 day', "
        "now() - interval '2 hours') END AS enrolled, "
        "CASE WHEN status = 'delivered' THEN created + (1 + id %% 20 + 10 + id %% 41 + id %% 26) "
        "* interval '1 day' END AS closed "
        "FROM (SELECT id, mobile, status, CASE status "
        "  WHEN 'delivered' THEN timestamptz '2018-03-21 08:00+03:30' + r2 * "
        "    (now() - interval '100 days' - timestamptz '2018-03-21 08:00+03:30') "
        "  WHEN 'ready_at_office' THEN now() - (30 + r2 * 60) * interval '1 day' "
        "  WHEN 'enrolled' THEN now() - (10 + r2 * 100) * interval '1 day' "
        "  ELSE now() - r2 * 20 * interval '1 day' END AS created "
        "FROM (SELECT id, mobile, random() AS r2, CASE WHEN r1 < 0.84 THEN 'delivered' "
        "  WHEN r1 < 0.842 THEN 'ready_at_office' WHEN r1 < 0.95 THEN 'enrolled' ELSE 'paid' "
        "  END AS status FROM (SELECT id, mobile, random() AS r1 FROM registry_citizen "
        "  WHERE id %% 5 <> 0 ORDER BY id LIMIT %s) a) b) c) d ORDER BY created",
        [applications],
    )
    _sql("DROP TABLE IF EXISTS bench_office")
    _sql(
        "CREATE TABLE bench_office AS SELECT o.id, o.city_id, "
        "(row_number() OVER (PARTITION BY o.city_id ORDER BY o.id) - 1)::int AS k "
        "FROM offices_office o"
    )
    _sql("CREATE UNIQUE INDEX ON bench_office (city_id, k)")
    seconds["enrolments"] = _timed(
        "enrolments",
        "INSERT INTO enrolment_enrolment (application_id, office_id, operator_id, status, "
        "walk_in, started_at, completed_at, shenasnameh_original, old_card_surrendered, "
        "form_confirmed, face_sha256, fingerprints, updated_at) "
        "SELECT a.id, o.id, %s, 'completed', false, a.enrolled_at - interval '12 minutes', "
        "a.enrolled_at, true, true, true, '', '{}', a.enrolled_at "
        "FROM applications_application a JOIN registry_citizen c ON c.id = a.citizen_id "
        "JOIN bench_office o ON o.city_id = c.residence_city_id AND o.k = a.id %% 3 "
        "WHERE a.enrolled_at IS NOT NULL",
        [operator.pk],
    )
    seconds["cards"] = _timed(
        "cards",
        "INSERT INTO production_card (csn, crn, application_id, status, run_id, office_id, "
        "issued_on, expires_on, chip_id, auth_cert_serial, sign_cert_serial, "
        "data_object_sha256, pin_hashes, created_at, updated_at) "
        "SELECT 'B' || lpad(a.id::text, 14, '0'), lpad(a.id::text, 10, '0'), a.id, "
        "CASE WHEN a.status = 'delivered' THEN 'active' ELSE 'at_office' END, r.id, "
        "e.office_id, (a.enrolled_at + interval '3 days')::date, "
        "(a.enrolled_at + interval '7 years')::date, '', '', '', '', '{}', "
        "a.enrolled_at + interval '3 days', a.enrolled_at + interval '3 days' "
        "FROM applications_application a JOIN enrolment_enrolment e ON e.application_id = a.id "
        "JOIN production_personalisationrun r "
        "ON r.date = date_trunc('month', a.enrolled_at + interval '3 days')::date "
        "WHERE a.status IN ('delivered', 'ready_at_office')",
    )
    seconds["collections"] = _timed(
        "collections",
        "INSERT INTO delivery_collection (card_id, office_id, arrived_at, hold_until, "
        "reminders_sent, collected_at) "
        "SELECT k.id, k.office_id, x.arrived, (x.arrived + interval '90 days')::date, 0, "
        "a.closed_at FROM production_card k JOIN applications_application a "
        "ON a.id = k.application_id CROSS JOIN LATERAL (SELECT CASE WHEN a.closed_at IS NULL "
        "THEN LEAST(a.enrolled_at + (10 + a.id % 41) * interval '1 day', "
        "now() - interval '1 hour') "
        "ELSE a.closed_at - (a.id % 26) * interval '1 day' END AS arrived) x",
    )
    seconds["handovers"] = _timed(
        "handovers",
        "INSERT INTO delivery_handover (card_id, application_id, office_id, operator_id, "
        "handed_over_at, verification, fingerprint_position, fingerprint_score, "
        "invalidated_cards, invalidated_old_cards) "
        "SELECT k.id, a.id, k.office_id, %s, a.closed_at, 'tracking_code', 2, 87, '[]', '[]' "
        "FROM production_card k JOIN applications_application a ON a.id = k.application_id "
        "WHERE a.status = 'delivered'",
        [operator.pk],
    )
    seconds["slots"] = _timed(
        "slots (one a day per office)",
        "INSERT INTO booking_slot (office_id, starts_at, ends_at, date, capacity, taken) "
        "SELECT o.id, (d + time '08:00') AT TIME ZONE 'Asia/Tehran', "
        "(d + time '14:00') AT TIME ZONE 'Asia/Tehran', d, 30000, 0 FROM offices_office o "
        "CROSS JOIN (SELECT g::date AS d FROM generate_series(date '2018-03-01', "
        "current_date + 30, interval '1 day') g) days",
    )
    _sql("CREATE UNIQUE INDEX bench_slot_day ON booking_slot (office_id, date)")
    seconds["bookings"] = _timed(
        "bookings (attended at enrolment; 1 in 12 also missed a week before)",
        "INSERT INTO booking_booking (application_id, slot_id, status, created_at, updated_at) "
        "SELECT e.application_id, s.id, x.status, e.started_at - interval '10 days', "
        "e.started_at FROM enrolment_enrolment e CROSS JOIN LATERAL (VALUES ('attended', 0), "
        "('missed', 7)) x(status, back) JOIN booking_slot s ON s.office_id = e.office_id "
        "AND s.date = (e.started_at AT TIME ZONE 'Asia/Tehran')::date - x.back "
        "WHERE x.status = 'attended' OR e.application_id % 12 = 0",
    )
    _sql("DROP INDEX bench_slot_day")
    seconds["sms"] = _timed(
        "SMS (booking confirmed at request; card ready at arrival, 3 % failed, 1 % unreachable)",
        'INSERT INTO notifications_smsmessage ("to", body, kind, status, attempts, '
        "provider_message_id, last_error, object_type, object_id, created_at, sent_at) "
        "SELECT a.mobile, 'نوبت شما ثبت شد', 'booking_confirmed', 'delivered', 1, '', '', "
        "'applications.application', a.id::text, a.created_at, a.created_at "
        "FROM applications_application a UNION ALL "
        "SELECT a.mobile, 'کارت شما در دفتر آماده است', 'card_ready', CASE "
        "WHEN a.id % 100 < 3 THEN 'failed' WHEN a.id % 100 = 3 THEN 'undeliverable' "
        "ELSE 'delivered' END, 1, '', '', 'applications.application', a.id::text, "
        "c.arrived_at, c.arrived_at FROM delivery_collection c "
        "JOIN production_card k ON k.id = c.card_id "
        "JOIN applications_application a ON a.id = k.application_id",
    )
    started = time.perf_counter()
    _restore_secondary(dropped)
    seconds["indexes"] = time.perf_counter() - started
    _say(f"indexes and constraints rebuilt: {len(dropped)} in {seconds['indexes']:.0f}s")
    started = time.perf_counter()
    _sql("ANALYZE")
    seconds["analyze"] = time.perf_counter() - started
    return seconds


# The tables the generator fills: loaded like pg_restore does, without their secondary
# indexes and foreign keys, which are built (and checked) once at the end.
LOADED_TABLES = (
    "registry_citizen", "applications_application", "enrolment_enrolment", "production_card",
    "delivery_collection", "delivery_handover", "booking_slot", "booking_booking",
    "notifications_smsmessage",
)  # fmt: skip


def _drop_secondary(tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Drop the foreign keys, unique constraints and indexes (not the primary keys) of the
    tables; returns what rebuilds them, foreign keys last."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')",
            [list(tables)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(tables)],
        )
        indexes = cursor.fetchall()
    rebuild = []
    for table, name, kind, definition in sorted(constraints, key=lambda c: c[2]):  # f first
        _sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append((kind, table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    for name, definition in indexes:
        _sql(f"DROP INDEX {name}")
        rebuild.append(("i", name, definition))
    order = {"u": 0, "i": 1, "f": 2}  # unique first: foreign keys may need them
    return sorted(rebuild, key=lambda r: order[r[0]])


def _restore_secondary(rebuild: list[tuple[str, str, str]]) -> None:
    for _kind, _name, sql in rebuild:
        _sql(sql)


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms · p95 {p95 * 1000:.0f} ms · "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def _time(label: str, call, repeat: int) -> None:
    call()  # warm: imports, plans, the first connection
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    _say(f"{label}: {_percentiles(samples)} (n={repeat})")


def _measure(repeat: int) -> None:
    from django.test import Client

    from hoviat.core.jalali import today_local
    from hoviat.core.models import User
    from hoviat.reports import selectors as s

    today = today_local()

    def dashboard() -> None:
        s.figures_for(level="nation", code="IR", as_of=today)
        s.provinces_figures(as_of=today)
        s.monthly_registrations(level="nation", code="IR", as_of=today)

    def province() -> None:
        s.figures_for(level="province", code="IR-06", as_of=today)
        s.counties_figures(province="IR-06", as_of=today)
        s.offices_figures(province="IR-06", as_of=today)
        s.monthly_registrations(level="province", code="IR-06", as_of=today)

    def charts() -> None:
        s.monthly_registrations(level="province", code="IR-06", as_of=today)
        s.queue_series(level="province", code="IR-06", as_of=today)
        s.lead_time_histogram(level="province", code="IR-06", as_of=today)

    nation = s.figures_for(level="nation", code="IR", as_of=today)
    _say(
        f"nation: eligible {nation.eligible:,}, requested {nation.requested:,}, issued "
        f"{nation.issued:,}, in queue {nation.in_queue:,}, uncollected {nation.uncollected:,}, "
        f"coverage {nation.coverage_pct}%, lead ready median {nation.lead_ready_median_days} d"
    )
    _time("selectors: national dashboard", dashboard, repeat)
    _time("selectors: province page (IR-06)", province, repeat)
    _time("selectors: province charts (IR-06)", charts, repeat)
    _time("selectors: provinces as of a year ago",
          lambda: s.provinces_figures(as_of=today - dt.timedelta(days=365)), repeat)  # fmt: skip

    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    for label, url in (
        ("page: national dashboard /reports/", "/reports/"),
        ("page: province /reports/province/IR-06/", "/reports/province/IR-06/"),
        ("page: province charts", "/reports/province/IR-06/charts/"),
        ("page: provinces.csv", "/reports/provinces.csv"),
    ):
        response = client.get(url)
        if response.status_code != 200:
            _say(f"{label}: HTTP {response.status_code}, not timed")
            continue
        _time(label, lambda url=url: client.get(url), repeat)


def _steps(result) -> None:
    slow = sorted(result.steps, key=lambda step: -step[2])[:8]
    _say("  slowest steps: " + ", ".join(f"{name} {sec:.1f}s" for name, _rows, sec in slow))


def _new_day(count: int) -> None:
    """A day's worth of new pre-registrations, for the incremental refresh."""
    _sql(
        "INSERT INTO applications_application (tracking_code, citizen_id, kind, status, "
        "fee_rials, mobile, created_at, updated_at, paid_at, public_id) "
        "SELECT 'N' || lpad(c.id::text, 11, '0'), c.id, 'first', 'paid', 1450000, c.mobile, "
        "now(), now(), now(), gen_random_uuid() "
        "FROM registry_citizen c WHERE c.id %% 5 = 0 AND NOT EXISTS "
        "(SELECT 1 FROM applications_application a WHERE a.citizen_id = c.id) LIMIT %s",
        [count],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("postgres",), default="postgres")
    parser.add_argument("--name", default="hoviat_r1bench", help="the bench database")
    parser.add_argument("--reuse", action="store_true", help="keep the generated data")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--generate-only", action="store_true", help="generate, keep the database and stop"
    )
    args = parser.parse_args()
    args.keep = args.keep or args.generate_only

    _setup(args.name, reuse=args.reuse)
    from django.db import connection

    from hoviat.reports.models import Fact
    from hoviat.reports.services import reports_refresh

    try:
        if not args.reuse:
            started = time.perf_counter()
            seconds = _generate(args.applications)
            total = time.perf_counter() - started
            rows = _sql("SELECT 1 FROM applications_application")
            _say(
                f"generated {rows:,} applications with their citizens and lifecycle rows in "
                f"{total:.0f}s ({rows / total:,.0f} applications/s overall; "
                + ", ".join(f"{k} {v:.0f}s" for k, v in seconds.items())
                + ")"
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            _say(f"database size: {cursor.fetchone()[0]}")
        if args.generate_only:
            return 0

        result = reports_refresh(full=True)
        _say(f"refresh, full: {result.seconds:.1f}s, {Fact.objects.count():,} fact rows")
        _steps(result)
        result = reports_refresh()
        _say(f"refresh, incremental (nothing new): {result.seconds:.1f}s")
        _steps(result)
        _new_day(max(args.applications // 2000, 1))
        result = reports_refresh()
        _say(f"refresh, incremental (a day of new applications): {result.seconds:.1f}s")
        _steps(result)
        _measure(args.repeat)
    finally:
        if not args.keep:
            _drop(args.name)
            _say(f"dropped {args.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
