"""Citizenship bench: N cases (default 100,000) in Sistan and Baluchestan's counties, at every
stage, with family members, inquiries (some overdue) and the people registered for the issued
ones; times the server side of the two pages the issue names, through Django's test Client:

- the case officer's case list (`/citizenship/`, newest first, 50 a page, the page count),
  also filtered by stage and by an overdue inquiry, and a page far down the list;
- the county figures page for the province's director (`/reports/citizenship/`), which reads
  the rows `reports_refresh` keeps; and the refresh step that rebuilds them.

    .venv/bin/python bench/citizenship.py [--cases 100000] [--repeat 30]
        [--name hoviat_bench_citizenship] [--keep]

PostgreSQL only (the target is PostgreSQL's): builds a fresh database `--name`, the places
loaded (IR-13 and its counties), cases made with bulk_create (so a column added later still
gets its default). Prints p50 / p95 / max per page; the target is p95 < 100 ms.
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
sys.path.insert(0, str(ROOT / "bench"))

# Stage shares of the generated cases (the rest are issued).
STAGES = (
    ("intake", 0.30),
    ("awaiting_decision", 0.10),
    ("more_evidence", 0.05),
    ("refused", 0.08),
    ("appealed", 0.03),
    ("refusal_upheld", 0.02),
)
BATCH = 5000


def _say(text: str) -> None:
    print(text, flush=True)


def _setup(name: str) -> None:
    os.environ["HOVIAT_STAFF_SECOND_FACTOR"] = "optional"  # the bench's users have no device
    os.environ["HUEY_BACKEND"] = "immediate"
    from _common import fresh_database

    fresh_database(name, "postgres")
    from hoviat.places.services import places_load

    places_load()


def _drop(name: str) -> None:
    import psycopg
    from _common import PG_BASE
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _stage(i: int) -> str:
    share = (i * 7919 % 10000) / 10000
    for status, part in STAGES:
        if share < part:
            return status
        share -= part
    return "issued"


def _generate(n: int) -> dict[str, int]:
    """Cases spread over the province's counties (Zahedan, the office the list is timed for,
    holds 40%), filed over the last two years."""
    from django.db import transaction
    from django.utils import timezone

    from hoviat.citizenship.models import Case, FamilyMember, Inquiry
    from hoviat.places.models import City, County
    from hoviat.registry.models import Citizen

    counties = list(County.objects.filter(province__code="IR-13").order_by("pk"))
    zahedan = next(c for c in counties if c.name_en == "Zahedan")
    city = City.objects.filter(county__province__code="IR-13").first()
    now = timezone.now()
    today = timezone.localdate()
    counts = {"cases": 0, "family": 0, "inquiries": 0, "citizens": 0}
    for start in range(0, n, BATCH):
        cases, citizens = [], []
        for i in range(start, min(n, start + BATCH)):
            county = zahedan if i % 5 < 2 else counties[i % len(counties)]
            status = _stage(i)
            created = now - dt.timedelta(days=i * 7 % 730, minutes=i % 1440)
            decided = None
            if status not in ("intake", "awaiting_decision"):
                decided = min(now, created + dt.timedelta(days=20 + i % 150))
            case = Case(
                case_number=f"CZ{i:08d}",
                temporary_id=f"77{i:010d}",
                status=status,
                basis="parents",
                first_name="عبدالله",
                last_name="بلوچ",
                father_name="کریم",
                mother_name="زینب",
                gender="male" if i % 2 else "female",
                birth_year=1960 + i % 45,
                birth_date_approximate=True,
                birth_county=county,
                residence_county=county,
                mobile=f"0915{i % 10000000:07d}",
                person_key=f"bench-{i}",
                decided_at=decided,
                issued_at=decided if status == "issued" else None,
                created_at=created,
                updated_at=created,
            )
            if status == "issued":
                citizens.append(
                    Citizen(
                        national_code=f"9{i:09d}",
                        first_name="عبدالله",
                        last_name="بلوچ",
                        father_name="کریم",
                        mother_name="زینب",
                        gender=case.gender,
                        birth_date=dt.date(case.birth_year, 7, 1),
                        shenasnameh_number=f"9{i:09d}",
                        shenasnameh_series=90,
                        shenasnameh_letter="ل",
                        shenasnameh_serial=f"{i % 1000000:06d}",
                        issuing_county=county,
                        residence_province_id=county.province_id,
                        residence_city=city,
                        mobile=case.mobile,
                    )
                )
            cases.append(case)
        with transaction.atomic():
            made = {c.national_code: c for c in Citizen.objects.bulk_create(citizens)}
            for case in cases:
                if case.status == "issued":
                    case.citizen = made[f"9{int(case.case_number[2:]):09d}"]
            Case.objects.bulk_create(cases)
            family, inquiries = [], []
            for case in cases:
                i = int(case.case_number[2:])
                if i % 3 == 0:
                    family.append(
                        FamilyMember(
                            case=case,
                            relation="child",
                            first_name="یاسر",
                            last_name="بلوچ",
                            father_name="عبدالله",
                            mother_name="فاطمه",
                            gender="male",
                            birth_date=dt.date(2012, 1, 1),
                        )
                    )
                for agency, days in (("police", 30), ("security", 90)):
                    waiting = case.status == "intake" and i % 4 != 0
                    due = today - dt.timedelta(days=(i * 13 % 120) - days)
                    inquiries.append(
                        Inquiry(
                            case=case,
                            agency=agency,
                            status="ordered" if waiting else "answered",
                            ordered_at=now - dt.timedelta(days=i % 120),
                            due_on=due,
                            outcome="" if waiting else "confirmed",
                            answered_at=None if waiting else now,
                        )
                    )
            FamilyMember.objects.bulk_create(family)
            Inquiry.objects.bulk_create(inquiries)
        counts["cases"] += len(cases)
        counts["citizens"] += len(citizens)
        counts["family"] += len(family)
        counts["inquiries"] += len(inquiries)
    from django.db import connection

    with connection.cursor() as cursor:
        # The filing times the loop chose (auto_now_add overwrote them with now).
        cursor.execute(
            "UPDATE citizenship_case SET created_at = now() - "
            "make_interval(days => (CAST(substr(case_number, 3) AS int) * 7) % 730, "
            "mins => CAST(substr(case_number, 3) AS int) % 1440)"
        )
        cursor.execute(
            "UPDATE citizenship_case SET decided_at = LEAST(decided_at, created_at + "
            "make_interval(days => 20 + CAST(substr(case_number, 3) AS int) % 150)) "
            "WHERE decided_at IS NOT NULL"
        )
        # What autovacuum does to a table after 100,000 inserts (the visibility map lets the
        # counts read the indexes alone).
        cursor.execute("VACUUM ANALYZE")
    return counts


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms · p95 {p95 * 1000:.1f} ms · "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


def _time(label: str, client, url: str, repeat: int) -> None:
    response = client.get(url)
    if response.status_code != 200:
        _say(f"{label}: HTTP {response.status_code}, not timed")
        return
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    _say(f"{label}: {_percentiles(samples)} (n={repeat})")


def _measure(repeat: int) -> None:
    from django.test import Client

    from hoviat.citizenship.models import Case, Function, Post
    from hoviat.core.models import Role, User
    from hoviat.places.models import County, Province
    from hoviat.reports.services import reports_refresh

    started = time.perf_counter()
    result = reports_refresh(full=True)
    citizenship_step = next(sec for name, _rows, sec in result.steps if name == "citizenship")
    _say(
        f"reports_refresh (full): {time.perf_counter() - started:.1f}s, of which the "
        f"citizenship figures {citizenship_step:.2f}s"
    )
    zahedan = County.objects.get(province__code="IR-13", name_en="Zahedan")
    User.objects.filter(username__in=("bench-officer", "bench-director")).delete()
    officer = User.objects.create_user(username="bench-officer", password=None, role="")
    Post.objects.create(user=officer, county=zahedan, function=Function.CASE_OFFICER)
    director = User.objects.create_user(
        username="bench-director",
        password=None,
        role=Role.PROVINCIAL_DIRECTOR,
        province=Province.objects.get(code="IR-13"),
    )
    in_zahedan = Case.objects.filter(residence_county=zahedan).count()
    _say(f"{Case.objects.count():,} cases, {in_zahedan:,} in Zahedan (the officer's county)")

    officer_client = Client()
    officer_client.force_login(officer)
    for label, url in (
        ("case list /citizenship/", "/citizenship/"),
        ("case list, stage intake", "/citizenship/?status=intake"),
        ("case list, overdue inquiries", "/citizenship/?overdue=yes"),
        ("case list, 200 pages down", "/citizenship/?before=20000"),
    ):
        _time(label, officer_client, url, repeat)
    director_client = Client()
    director_client.force_login(director)
    _time("county figures /reports/citizenship/", director_client, "/reports/citizenship/", repeat)
    _time("director's case list (whole province)", director_client, "/citizenship/", repeat)
    _time("overdue inquiries /citizenship/overdue/", director_client, "/citizenship/overdue/",
          repeat)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--name", default="hoviat_bench_citizenship", help="the bench database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", action="store_true", help="time the cases a --keep run left (no generation)"
    )
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    if args.reuse:
        os.environ["HOVIAT_STAFF_SECOND_FACTOR"] = "optional"
        from _common import existing_database

        existing_database(args.name, "postgres")
    else:
        _setup(args.name)
    try:
        if not args.reuse:
            started = time.perf_counter()
            counts = _generate(args.cases)
            _say(
                f"generated in {time.perf_counter() - started:.0f}s: "
                + ", ".join(f"{v:,} {k}" for k, v in counts.items())
            )
        _measure(args.repeat)
    finally:
        if not args.keep:
            _drop(args.name)
            _say(f"dropped {args.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
