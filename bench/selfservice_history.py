"""Who asked about me: the history page and API for a citizen with 10,000 inquiries among
10,000,000 (PostgreSQL).

    .venv/bin/python bench/selfservice_history.py [--rows 10000000] [--mine 10000]
        [--requests 300] [--reuse] [--name hoviat_bench_selfservice]

1. Data (dropped and made afresh unless --reuse finds it complete): migrate, 20 relying
   parties, then `--rows` inquiry-log rows written by one INSERT … SELECT over
   generate_series per million: a year of inquiries about 3,000,000 other people (keyed
   hashes), every (rows / mine)-th row about our citizen. ANALYZE.
2. The citizen is signed in (a session, as after the SMS code and naming the national code;
   a bearer token and the mobile's ownership of the code for the API).
3. Timed, through Django's test client with DEBUG off (the whole request: session, query,
   template): the first page `--requests` times; every page once, following the "older"
   links to the end (10,000 / 50 = 200 pages); then `--requests` pages at random among those;
   the API's first and random pages likewise. Prints p50 / p95 / max in ms and the plan of
   the deepest page's query; writes JSON to bench/out/selfservice_history.json.
Target: p95 < 100 ms. Measured 2026-12-05 on 2 shared cores (load 6 to 9 from other work):
page p95 44.6 ms (first), 61.5 ms (random pages), 67.2 ms (walking all 200); API p95 22.1 /
19.1 ms; the deepest page's query 0.08 ms (one range of inquiry_log_subject_at, 55 buffers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PG_BASE, existing_database, fresh_database

OUT = Path(__file__).resolve().parent / "out"
NATIONAL_CODE = "0499370899"
MOBILE = "09171234567"
CHUNK = 1_000_000


def _env() -> None:
    os.environ.setdefault("HOVIAT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("HOVIAT_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("HOVIAT_GENERATE_DEV_SECRETS", "1")


def _complete(name: str, rows: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{PG_BASE}/{name}") as conn:
            count = conn.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", ["inquiry_inquirylog"]
            ).fetchone()
            return bool(count) and count[0] >= rows * 0.95
    except psycopg.Error:
        return False


def _generate(rows: int, mine: int) -> float:
    from django.db import connection

    from hoviat.inquiry.models import Partner
    from hoviat.inquiry.services import partner_create, subject_hash

    started = time.perf_counter()
    for n in range(20):
        partner_create(name=f"بانک بنچ {n + 1}", scopes=["card", "receipt", "identity"])
    partner_ids = list(Partner.objects.order_by("id").values_list("id", flat=True))
    every = max(rows // mine, 1)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for first in range(1, rows + 1, CHUNK):
            last = min(first + CHUNK - 1, rows)
            cursor.execute(
                """
                INSERT INTO inquiry_inquirylog (inquiry_id, at, partner_id, key_prefix, endpoint,
                    purpose, result, reason_code, subject_hash, response_sha256)
                SELECT gen_random_uuid(),
                       now() - (i::float8 / %(rows)s) * interval '365 days',
                       (%(partners)s::bigint[])[1 + i %% %(n_partners)s],
                       'bench',
                       (ARRAY['card','receipt','identity','card'])[1 + i %% 4],
                       (ARRAY['BANK_ACCOUNT_OPENING','LOAN','SIM_CARD','BANK_TRANSACTION',
                              'INSURANCE'])[1 + i %% 5],
                       CASE WHEN i %% 7 = 0 THEN 'invalid' ELSE 'valid' END,
                       CASE WHEN i %% 7 = 0 THEN 'NOT_FOUND' ELSE '' END,
                       CASE WHEN i %% %(every)s = 0 THEN %(mine)s
                            ELSE left(md5((i %% 3000000)::text), 32) END,
                       md5(i::text) || md5(i::text)
                FROM generate_series(%(first)s, %(last)s) AS i
                """,
                {
                    "rows": rows,
                    "partners": partner_ids,
                    "n_partners": len(partner_ids),
                    "every": every,
                    "mine": subject_hash(NATIONAL_CODE),
                    "first": first,
                    "last": last,
                },
            )
            print(f"  {last:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute("ANALYZE inquiry_inquirylog")
    return time.perf_counter() - started


def _signed_in():
    import datetime as dt

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from hoviat.applications.models import CitizenSession
    from hoviat.applications.services import citizen_token_hash
    from hoviat.inquiry.services import subject_hash
    from hoviat.registry.models import MobileOwnership

    MobileOwnership.objects.get_or_create(
        mobile=MOBILE,
        national_code=NATIONAL_CODE,
        defaults={"source": "registry", "verified_at": timezone.now()},
    )
    CitizenSession.objects.filter(token_hash=citizen_token_hash("bench-token")).delete()
    CitizenSession.objects.create(
        mobile=MOBILE,
        token_hash=citizen_token_hash("bench-token"),
        expires_at=timezone.now() + dt.timedelta(hours=2),
    )
    page = Client()
    session = page.session
    session["citizen_mobile"] = MOBILE
    session["selfservice_holder"] = {
        "mobile": MOBILE,
        "subject": subject_hash(NATIONAL_CODE),
        "tail": NATIONAL_CODE[-3:],
    }
    session.save()
    api = Client(headers={"Authorization": "Bearer bench-token", "X-National-Code": NATIONAL_CODE})
    assert settings.DEBUG is False
    return page, api


def _timed(client, path: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return elapsed, response


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[max(int(len(ordered) * 0.95) - 1, 0)],
        "max_ms": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--mine", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--name", default="hoviat_bench_selfservice")
    args = parser.parse_args()
    _env()

    report: dict = {"rows": args.rows, "mine": args.mine}
    if args.reuse and _complete(args.name, args.rows):
        existing_database(args.name, "postgres")
        print(f"reusing {args.name}")
    else:
        print(f"generating {args.rows:,} inquiry-log rows in {args.name} …", flush=True)
        fresh_database(args.name, "postgres")
        report["generate_s"] = _generate(args.rows, args.mine)

    from django.db import connection

    from hoviat.inquiry.models import InquiryLog
    from hoviat.inquiry.services import subject_hash

    mine = InquiryLog.objects.filter(subject_hash=subject_hash(NATIONAL_CODE)).count()
    print(f"the citizen's inquiries: {mine:,}")
    page, api = _signed_in()
    random.seed(19)

    for _ in range(10):  # warm: connection, templates, plans
        _timed(page, "/me/")
    first = [_timed(page, "/me/")[0] for _ in range(args.requests)]

    walk, tokens, path = [], [], "/me/"
    while True:
        elapsed, response = _timed(page, path)
        walk.append(elapsed)
        found = re.search(r'href="\?page=([0-9-]+)"', response.content.decode())
        if not found:
            break
        token = found.group(1)
        tokens.append(token)
        path = f"/me/?page={token}"
    randomly = [_timed(page, f"/me/?page={random.choice(tokens)}")[0] for _ in range(args.requests)]

    api_first = [_timed(api, "/api/v1/me/inquiries")[0] for _ in range(args.requests)]
    api_random = [
        _timed(api, f"/api/v1/me/inquiries?page={random.choice(tokens)}")[0]
        for _ in range(args.requests)
    ]

    # The plan of the deepest page's query, as the selector sends it.
    from django.test.utils import CaptureQueriesContext

    from hoviat.selfservice.history import Holder, holder_inquiries

    holder = Holder(mobile=MOBILE, subject_hash=subject_hash(NATIONAL_CODE))
    with CaptureQueriesContext(connection) as captured:
        holder_inquiries(holder=holder, page=tokens[-1] if tokens else None)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
        plan = [row[0] for row in cursor.fetchall()]

    report.update(
        {
            "citizen_inquiries": mine,
            "pages": len(walk),
            "page_first": _figures(first),
            "page_walk": _figures(walk),
            "page_random": _figures(randomly),
            "api_first": _figures(api_first),
            "api_random": _figures(api_random),
            "deepest_page_plan": plan,
        }
    )
    for label in ("page_first", "page_walk", "page_random", "api_first", "api_random"):
        f = report[label]
        print(
            f"{label:12} n={f['n']:4}  p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms"
            f"  max {f['max_ms']:6.1f} ms"
        )
    print("deepest page's query:\n  " + "\n  ".join(plan))
    OUT.mkdir(exist_ok=True)
    (OUT / "selfservice_history.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
