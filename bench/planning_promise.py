"""Card promise bench: A applications of which Q wait in the production queue; times one
promise at enrolment (the pipeline read, the queue position, the model) with its statement
count, the promises of a whole queue made at once, and the nightly re-forecast over them.

    .venv/bin/python bench/planning_promise.py [--applications 200000] [--queue 20000]
        [--db sqlite|postgres]

Builds a fresh database each time (a temporary SQLite file or the hoviat_bench_planning
PostgreSQL database) by INSERT … SELECT: the queue's applications are enrolled a minute
apart, the rest already delivered (the table's history a promise must not scan).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _numbers(vendor: str) -> str:
    if vendor == "postgresql":
        return "SELECT g FROM generate_series(1, %(n)s) AS g"
    return (
        "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq "
        "WHERE g < %(n)s) SELECT g FROM seq"
    )


def _build(n: int, queue: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from hoviat.places.models import City, County, Province
    from hoviat.production.models import CardBodyLedger, ProductionSettings

    province = Province.objects.create(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )
    county = County.objects.create(province=province, name_fa="بوشهر", name_en="Bushehr")
    city = City.objects.create(county=county, province=province, name_fa="بوشهر", name_en="Bushehr")
    ProductionSettings.objects.create(pk=1, daily_capacity=2000)
    now = timezone.now()
    CardBodyLedger.objects.create(
        kind="delivery", quantity=50_000, lot="B1", at=now - dt.timedelta(days=1)
    )
    CardBodyLedger.objects.create(
        kind="delivery", quantity=50_000, lot="B2", at=now + dt.timedelta(days=20)
    )
    pg = connection.vendor == "postgresql"
    pad10 = "lpad(g::text, 10, '0')" if pg else "printf('%%010d', g)"
    pad11 = "lpad(g::text, 11, '0')" if pg else "printf('%%011d', g)"
    pad7 = "lpad((g %% 10000000)::text, 7, '0')" if pg else "printf('%%07d', g %% 10000000)"
    pad6 = "lpad((g %% 999999)::text, 6, '0')" if pg else "printf('%%06d', g %% 999999)"
    text = "g::text" if pg else "CAST(g AS TEXT)"
    true = "true" if pg else "1"
    minute = "g * interval '1 minute'" if pg else None
    enrolled_at = (
        f"%(start)s::timestamptz + {minute}"
        if pg
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(start)s, '+' || g || ' minutes')"
    )
    params = {
        "n": n,
        "queue": n - queue,
        "now": now,
        "start": (now - dt.timedelta(days=30)).isoformat()
        if not pg
        else now - dt.timedelta(days=30),
        "county": county.pk,
        "province": province.pk,
        "city": city.pk,
    }
    numbers = _numbers(connection.vendor)
    statements = [
        f"""INSERT INTO registry_citizen (id, national_code, first_name, last_name, father_name,
            mother_name, gender, birth_date, shenasnameh_number, shenasnameh_series,
            shenasnameh_letter, shenasnameh_serial, issuing_county_id, residence_province_id,
            residence_city_id, mobile, is_alive, has_photo_shenasnameh, created_at, updated_at)
            SELECT g, {pad10}, 'سارا', 'محمدی', 'علی', 'مریم', 'female', '1990-01-01',
            {text}, 1, 'الف', {pad6}, %(county)s, %(province)s, %(city)s,
            '0917' || {pad7}, {true}, {true}, %(now)s, %(now)s FROM ({numbers}) AS numbers""",
        # The last `queue` applications wait in the queue; the others were delivered.
        f"""INSERT INTO applications_application (id, tracking_code, citizen_id, kind, status,
            fee_rials, mobile, created_at, updated_at, enrolled_at)
            SELECT g, '9' || {pad11}, g, 'first',
            CASE WHEN g > %(queue)s THEN 'enrolled' ELSE 'delivered' END, 1450000,
            '0917' || {pad7}, %(now)s, %(now)s, {enrolled_at}
            FROM ({numbers}) AS numbers""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
    if pg:
        with connection.cursor() as cursor:
            for table in ("registry_citizen", "applications_application"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--queue", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args, _ = parser.parse_known_args()
    from _common import fresh_database

    fresh_database("hoviat_bench_planning", args.db)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hoviat.applications.models import Application
    from hoviat.core.jalali import today_local
    from hoviat.planning.services import promises_make, promises_reforecast

    started = time.perf_counter()
    _build(args.applications, args.queue)
    print(
        f"{args.db}: {args.applications} applications, {args.queue} in the production queue "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )
    queue = list(
        Application.objects.filter(status="enrolled").order_by("id").values_list("pk", flat=True)
    )
    # One promise at a time, as the enrolment hook's task makes it: the last in the queue.
    samples, statements = [], 0
    for pk in queue[-20:]:
        with CaptureQueriesContext(connection) as queries:
            wall = time.perf_counter()
            promises_make(application_ids=[pk], point="enrolment")
            samples.append(time.perf_counter() - wall)
        statements = len(queries)
    print(
        f"{args.db}: one promise at enrolment, at the back of a queue of {len(queue)}: "
        f"median {statistics.median(samples) * 1000:.1f} ms, {statements} statements"
    )
    wall = time.perf_counter()
    made = promises_make(application_ids=queue[:-20], point="enrolment")
    took = time.perf_counter() - wall
    print(f"{args.db}: {made} promises made in one call: {took:.1f} s ({made / took:.0f}/s)")
    tomorrow = today_local() + dt.timedelta(days=1)
    wall = time.perf_counter()
    summary = promises_reforecast(today=tomorrow)
    took = time.perf_counter() - wall
    print(
        f"{args.db}: nightly re-forecast of {summary.reforecast} promises: {took:.1f} s "
        f"({summary.reforecast / took:.0f}/s), slips told: {summary.slips_told}"
    )
    wall = time.perf_counter()
    again = promises_reforecast(today=tomorrow).reforecast
    took = time.perf_counter() - wall
    print(f"{args.db}: a second re-forecast the same day: {again} rows, {took:.2f} s")


if __name__ == "__main__":
    main()
