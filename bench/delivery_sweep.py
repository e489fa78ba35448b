"""Delivery sweep bench: N cards waiting at 20 offices, a fraction past their hold date; times
the void sweep (cards and applications voided, audit rows chained, outbox SMS written,
certificate step) and then the destruction of the voided card bodies.

    .venv/bin/python bench/delivery_sweep.py [--cards 1000000] [--overdue 0.1]
        [--db sqlite|postgres]

The cards are generated in bulk by INSERT … SELECT (no chips or certificates: the sweep's
certificate step runs its query and finds nothing to revoke; the real PKI path is covered by
the tests). Builds a fresh database each time: a temporary SQLite file or the
hoviat_bench_delivery PostgreSQL database. Reports seconds of wall time and cards voided per
second; also the cost of one audit row written the ordinary way (audit_record), to show what
the batched chain saves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OFFICES = 20


def _setup(db: str) -> None:
    from _common import fresh_database

    fresh_database("hoviat_bench_delivery", db)


def _sql(vendor: str) -> dict[str, str]:
    """Backend spellings: the numbers 1..N, zero-padded text, a true value, a random uuid."""
    if vendor == "postgresql":
        return {
            "numbers": "SELECT g FROM generate_series(1, %(n)s) AS g",
            "pad10": "lpad(g::text, 10, '0')",
            "pad11": "lpad(g::text, 11, '0')",
            "pad7": "lpad((g %% 10000000)::text, 7, '0')",
            "pad6": "lpad((g %% 999999)::text, 6, '0')",
            "text": "g::text",
            "true": "true",
            "json": "'{}'::jsonb",
            "uuid": "gen_random_uuid()",
        }
    return {
        "numbers": (
            "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq "
            "WHERE g < %(n)s) SELECT g FROM seq"
        ),
        "pad10": "printf('%%010d', g)",
        "pad11": "printf('%%011d', g)",
        "pad7": "printf('%%07d', g %% 10000000)",
        "pad6": "printf('%%06d', g %% 999999)",
        "text": "CAST(g AS TEXT)",
        "true": "1",
        "json": "'{}'",
        "uuid": "lower(hex(randomblob(16)))",  # Django keeps a UUIDField as 32 hex digits
    }


def _build(n: int, overdue: float) -> dt.date:
    from django.db import connection, transaction
    from django.utils import timezone

    from hoviat.offices.models import Office
    from hoviat.places.models import City, County, Province
    from hoviat.production.models import PersonalisationRun

    province = Province.objects.create(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )
    county = County.objects.create(province=province, name_fa="بوشهر", name_en="Bushehr")
    city = City.objects.create(county=county, province=province, name_fa="بوشهر", name_en="Bushehr")
    first = min(
        Office.objects.create(
            kind="post", name=f"دفتر {i}", code=f"B-{i}", city=city, address="-"
        ).pk
        for i in range(OFFICES)
    )
    now = timezone.now()
    run = PersonalisationRun.objects.create(
        date=now.date(), status="completed", started_at=now, heartbeat_at=now
    )
    today = timezone.localdate()
    s = _sql(connection.vendor)
    overdue_per_thousand = int(overdue * 1000)
    params = {
        "n": n,
        "now": now,
        "today": today,
        "county": county.pk,
        "province": province.pk,
        "city": city.pk,
        "run": run.pk,
        "office0": first,
        "offices": OFFICES,
        "expires": today + dt.timedelta(days=7 * 365),
        "late": today - dt.timedelta(days=1),
        "later": today + dt.timedelta(days=30),
        "cut": overdue_per_thousand,
    }
    statements = [
        f"""INSERT INTO registry_citizen (id, national_code, first_name, last_name, father_name,
            mother_name, gender, birth_date, shenasnameh_number, shenasnameh_series,
            shenasnameh_letter, shenasnameh_serial, issuing_county_id, residence_province_id,
            residence_city_id, mobile, is_alive, has_photo_shenasnameh, created_at, updated_at)
            SELECT g, {s["pad10"]}, 'سارا', 'محمدی', 'علی', 'مریم', 'female', '1990-01-01',
            {s["text"]}, 1, 'الف', {s["pad6"]}, %(county)s, %(province)s, %(city)s,
            '0917' || {s["pad7"]}, {s["true"]}, {s["true"]}, %(now)s, %(now)s
            FROM ({s["numbers"]}) AS numbers""",
        f"""INSERT INTO applications_application (id, tracking_code, citizen_id, kind, status,
            fee_rials, mobile, created_at, updated_at, public_id)
            SELECT g, '9' || {s["pad11"]}, g, 'first', 'ready_at_office', 1450000,
            '0917' || {s["pad7"]}, %(now)s, %(now)s, {s["uuid"]}
            FROM ({s["numbers"]}) AS numbers""",
        f"""INSERT INTO production_card (id, csn, crn, application_id, status, run_id, office_id,
            issued_on, expires_on, chip_id, auth_cert_serial, sign_cert_serial,
            data_object_sha256, pin_hashes, created_at, updated_at)
            SELECT g, 'IR' || {s["pad10"]}, {s["pad10"]}, g, 'at_office', %(run)s,
            %(office0)s + (g %% %(offices)s), %(today)s, %(expires)s, '', '', '', '',
            {s["json"]}, %(now)s, %(now)s FROM ({s["numbers"]}) AS numbers""",
        # Every thousandth block: the first `cut` cards of it are a day past their hold date.
        f"""INSERT INTO delivery_collection (id, card_id, office_id, arrived_at, hold_until,
            reminders_sent)
            SELECT g, g, %(office0)s + (g %% %(offices)s), %(now)s,
            CASE WHEN g %% 1000 < %(cut)s THEN %(late)s ELSE %(later)s END, 3
            FROM ({s["numbers"]}) AS numbers""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (
                "registry_citizen",
                "applications_application",
                "production_card",
                "delivery_collection",
            ):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
        # SQLite: no ANALYZE, as in a deployment (Django never runs it); the sweep's plans
        # must not depend on statistics.
    return today


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", "--rows", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=float, default=0.1, help="fraction past hold date")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args, _ = parser.parse_known_args()
    _setup(args.db)
    from hoviat.core.audit import audit_record
    from hoviat.core.audit_tree import audit_checkpoint, audit_verify
    from hoviat.delivery.services import cards_destroy_voided, collections_void_overdue
    from hoviat.production.models import Card

    started = time.perf_counter()
    today = _build(args.cards, args.overdue)
    built = time.perf_counter() - started
    expected = Card.objects.filter(collection__hold_until__lt=today).count()
    print(f"{args.db}: {args.cards} cards at offices, {expected} overdue (built in {built:.0f} s)")

    wall, cpu = time.perf_counter(), time.process_time()
    result = collections_void_overdue(today=today)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.voided == expected, (result.voided, expected)
    print(
        f"{args.db}: void sweep over {args.cards} cards voided {result.voided} in {wall:.1f} s "
        f"wall ({cpu:.1f} s CPU here): {result.voided / wall:.0f} cards/s"
    )
    again = time.perf_counter()
    assert collections_void_overdue(today=today).voided == 0
    print(f"{args.db}: a second sweep finding nothing to do: {time.perf_counter() - again:.2f} s")

    wall = time.perf_counter()
    destroyed = cards_destroy_voided()
    wall = time.perf_counter() - wall
    print(f"{args.db}: destroyed {destroyed} voided card bodies in {wall:.1f} s")

    sample = 2000
    wall = time.perf_counter()
    for i in range(sample):
        audit_record(actor=None, action="bench.one_by_one", object_type="bench", object_id=str(i))
    per_row = (time.perf_counter() - wall) / sample
    rows = 2 * result.voided  # a card row and an application row per voided card
    print(
        f"{args.db}: audit_record one at a time: {per_row * 1000:.2f} ms/row, i.e. "
        f"{per_row * rows:.0f} s for the {rows} audit rows this sweep wrote in batches"
    )
    wall = time.perf_counter()
    sequenced = audit_checkpoint().sequenced
    took = time.perf_counter() - wall
    print(f"{args.db}: sequenced and checkpointed {sequenced} rows in {took:.1f} s")
    wall = time.perf_counter()
    verdict = audit_verify()
    print(
        f"{args.db}: audit log verified ({verdict.checked} rows, ok={verdict.ok}) "
        f"in {time.perf_counter() - wall:.1f} s"
    )


if __name__ == "__main__":
    main()
