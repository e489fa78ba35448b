"""Personalisation bench: a whole run (queue claim, real PKI keys and certificates, QC,
ledger, audit rows, shipment packing) over N enrolled applications.

    .venv/bin/python bench/production.py [--cards 10000] [--db sqlite|postgres]

Reports cards/s of wall time and per CPU second of this process and, on a PostgreSQL server
on this machine, the CPU its backend for this connection spent on the run (read from /proc),
and the cards per CPU second of the two together. Builds a fresh database each time:
hoviat_bench_production.sqlite3 in the temporary folder, or the hoviat_bench_production
PostgreSQL database (--database NAME for another name).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db: str, name: str) -> None:
    from _common import fresh_database

    fresh_database(name, db)


def _backend_cpu() -> Callable[[], float] | None:
    """A reader of the CPU seconds this connection's PostgreSQL backend has used, when the
    server runs here (its /proc entry readable); None on SQLite or a remote server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    try:
        read()
    except OSError:
        return None
    return read


def _build(n: int):
    from django.utils import timezone

    from hoviat.applications.models import Application
    from hoviat.core.models import Role, User
    from hoviat.core.national_code import make_national_code
    from hoviat.enrolment.models import Enrolment
    from hoviat.offices.models import Office
    from hoviat.places.models import City, County, Province
    from hoviat.registry.models import Citizen

    province = Province.objects.create(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )
    county = County.objects.create(province=province, name_fa="بوشهر", name_en="Bushehr")
    city = City.objects.create(county=county, province=province, name_fa="بوشهر", name_en="Bushehr")
    offices = [
        Office.objects.create(kind="post", name=f"دفتر {i}", code=f"B-{i}", city=city, address="-")
        for i in range(20)
    ]
    operator = User.objects.create(username="op", role=Role.OFFICE_OPERATOR, office=offices[0])
    kaveh = User.objects.create(username="kaveh", role=Role.PRODUCTION_OPERATOR)
    start = timezone.now() - dt.timedelta(days=10)
    citizens = Citizen.objects.bulk_create(
        [
            Citizen(
                national_code=make_national_code("299", 100000 + i),
                first_name="سارا",
                last_name="محمدی",
                father_name="علی",
                mother_name="مریم",
                gender="female",
                birth_date=dt.date(1990, 1, 1),
                shenasnameh_number=str(i),
                shenasnameh_series=1,
                shenasnameh_letter="الف",
                shenasnameh_serial=f"{i % 999999:06d}",
                issuing_county=county,
                residence_province=province,
                residence_city=city,
                mobile=f"0917{i:07d}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    apps = Application.objects.bulk_create(
        [
            Application(
                tracking_code=f"9{i:011d}",
                citizen=c,
                kind="first",
                fee_rials=1,
                mobile=c.mobile,
                status="enrolled",
                enrolled_at=start + dt.timedelta(seconds=i),
            )
            for i, c in enumerate(citizens)
        ],
        batch_size=2000,
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                application=a,
                office=offices[i % 20],
                operator=operator,
                status="completed",
                started_at=a.enrolled_at,
                completed_at=a.enrolled_at,
                face_sha256="f" * 64,
                fingerprints={str(p): {"sha256": "a" * 64} for p in range(1, 11)},
            )
            for i, a in enumerate(apps)
        ],
        batch_size=2000,
    )
    return kaveh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--qc-fail-rate", type=float, default=0.002)
    parser.add_argument(
        "--database",
        default="hoviat_bench_production",
        help="the database (or SQLite file) it builds afresh, so that runs side by side "
        "do not drop each other's",
    )
    args = parser.parse_args()
    _setup(args.db, args.database)
    from django.conf import settings
    from django.db import connection

    from hoviat.pki.services import ca_init
    from hoviat.production import services
    from hoviat.production.models import Card

    settings.PRODUCTION_QC_FAIL_RATE = args.qc_fail_rate
    kaveh = _build(args.cards)
    ca_init()
    services.stock_deliver(quantity=args.cards * 2, lot="BENCH", actor=kaveh)
    services.capacity_set(daily_capacity=args.cards, actor=kaveh)
    if connection.vendor == "postgresql":
        # A database in service has its planner statistics; a freshly bulk-loaded one has none
        # until autovacuum comes by, and its plans (sequential scans of every citizen for a
        # batch of 200) would be the bench's, not the code's.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    server = _backend_cpu()
    server_cpu = server() if server else 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    run = services.production_run(date=dt.date.today(), actor=kaveh)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_cpu = server() - server_cpu if server else 0.0
    cards = Card.objects.count()
    print(
        f"{args.db}: {cards} cards ({run.personalised} good, {run.qc_failed} QC failed) "
        f"in {wall:.1f} s wall, {cpu:.1f} s CPU: {cards / wall:.0f} cards/s wall, "
        f"{cards / cpu:.0f} cards per CPU second"
    )
    if server:
        print(
            f"PostgreSQL backend: {server_cpu:.1f} s CPU; this process and it together: "
            f"{cards / (cpu + server_cpu):.0f} cards per CPU second"
        )


if __name__ == "__main__":
    main()
