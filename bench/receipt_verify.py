"""Receipt QR bench: how many receipts one core signs and verifies per second.

    .venv/bin/python bench/receipt_verify.py [--seconds 3] [--receipts 1000] [--skip-django]

Signs --receipts distinct receipts, then runs each measure for --seconds in this one process
(one core) and reports operations per second of wall time and per CPU second (the fairer
figure on a busy machine):
- the pure functions a bank would copy (hoviat/pki/receipts.py): signing, verifying a valid
  receipt, and what verifying costs apart from ECDSA (Base45 + zlib + CBOR);
- rejecting a tampered receipt and a zlib bomb (what an attacker can make the page do);
- the Django path the enrolment app and the page use: the service that signs (one query for
  the current key) and the selector that verifies (one query for the published keys), on a
  temporary SQLite database;
- and the pure verifier on every core at once (one process per CPU).
Figures are printed as a table and written as JSON to bench/out/receipt_verify.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import base45

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from hoviat.pki import receipts  # noqa: E402  (pure: no Django needed for it)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(seconds: float, items: list, operation: Callable) -> dict:
    """Run `operation` over `items` round-robin for `seconds`; count and time it."""
    count, size = 0, len(items)
    cpu_start, wall_start = _cpu(), time.perf_counter()
    deadline = wall_start + seconds
    while True:
        for _ in range(100):  # check the clock every 100 operations, not every one
            operation(items[count % size])
            count += 1
        if time.perf_counter() >= deadline:
            break
    wall, cpu = time.perf_counter() - wall_start, _cpu() - cpu_start
    return {
        "operations": count,
        "seconds": wall,
        "cpu_seconds": cpu,
        "per_second": count / wall,
        "per_cpu_second": count / cpu if cpu else None,
    }


def _claims(count: int) -> list[receipts.ReceiptClaims]:
    issued = dt.datetime.now(dt.UTC)
    base = receipts.ReceiptClaims(
        national_code="0499370899",
        first_name="سارا",
        last_name="محمدی",
        birth_date=dt.date(1991, 8, 5),
        tracking_code="140512345678",
        receipt_number="R1405-0601-000000",
        issued_at=issued,
        valid_until=issued.date() + dt.timedelta(days=90),
    )
    return [
        dataclasses.replace(
            base, receipt_number=f"R1405-0601-{n:06d}", tracking_code=f"1405{n:08d}"
        )
        for n in range(count)
    ]


def _tampered(text: str) -> str:
    parts = list(receipts._cose_parts(receipts._cose_bytes(text)))
    protected, payload, signature = parts[0], parts[1], bytearray(parts[2])
    signature[10] ^= 1
    import cbor2

    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, bytes(signature)]))
    return receipts.PREFIX + base45.b45encode(zlib.compress(cose)).decode()


def _bomb() -> str:
    return receipts.PREFIX + base45.b45encode(zlib.compress(b"\0" * 2_000_000, 9)).decode()


def _all_cores_worker(args: tuple) -> dict:
    public_pem, texts, seconds = args
    public_key = serialization.load_pem_public_key(public_pem)
    keys = receipts.keys_by_kid([public_key])
    now = dt.datetime.now(dt.UTC)
    return _measure(seconds, texts, lambda text: receipts.verify_receipt_qr(text, keys, now))


def _pure(figures: dict, seconds: float, count: int) -> list[str]:
    private_key = ec.generate_private_key(ec.SECP256R1())
    kid = receipts.kid_of(private_key.public_key())
    keys = {kid: private_key.public_key()}
    claims = _claims(count)
    texts = [receipts.sign_receipt_qr(item, private_key, kid=kid) for item in claims]
    now = dt.datetime.now(dt.UTC)
    assert all(receipts.verify_receipt_qr(t, keys, now).is_valid for t in texts[:10])
    figures["qr_text_characters"] = len(texts[0])

    figures["sign"] = _measure(
        seconds, claims, lambda item: receipts.sign_receipt_qr(item, private_key, kid=kid)
    )
    figures["verify_valid"] = _measure(
        seconds, texts, lambda text: receipts.verify_receipt_qr(text, keys, now)
    )
    figures["decode_only"] = _measure(
        seconds, texts, lambda text: receipts._cose_parts(receipts._cose_bytes(text))
    )
    tampered = [_tampered(text) for text in texts[:100]]
    assert receipts.verify_receipt_qr(tampered[0], keys, now).status == "tampered"
    figures["reject_tampered"] = _measure(
        seconds, tampered, lambda text: receipts.verify_receipt_qr(text, keys, now)
    )
    figures["reject_zlib_bomb"] = _measure(
        seconds, [_bomb()], lambda text: receipts.verify_receipt_qr(text, keys, now)
    )

    processes = os.cpu_count() or 1
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_all_cores_worker, [(public_pem, texts, seconds)] * processes)
    figures["verify_all_cores"] = {
        "processes": processes,
        "operations": sum(r["operations"] for r in results),
        "per_second": sum(r["operations"] / r["seconds"] for r in results),
        "per_cpu_second": sum(r["operations"] for r in results)
        / sum(r["cpu_seconds"] for r in results),
    }
    return texts


def _django(figures: dict, seconds: float, count: int, folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "hoviat.settings"
    os.environ["HOVIAT_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HOVIAT_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    from hoviat.pki import selectors, services

    call_command("migrate", "core", verbosity=0)
    call_command("migrate", "pki", verbosity=0)
    services.receipt_key_create()
    claims = _claims(count)
    texts = [services.receipt_qr_sign(claims=item) for item in claims[:100]]
    assert selectors.receipt_qr_verify(text=texts[0]).is_valid
    figures["django_sign"] = _measure(
        seconds, claims, lambda item: services.receipt_qr_sign(claims=item)
    )
    figures["django_verify"] = _measure(
        seconds, texts, lambda text: selectors.receipt_qr_verify(text=text)
    )


def _print(figures: dict) -> None:
    rows = [
        ("sign (pure)", "sign"),
        ("verify a valid receipt (pure)", "verify_valid"),
        ("  of which Base45 + zlib + CBOR", "decode_only"),
        ("reject a tampered receipt (pure)", "reject_tampered"),
        ("reject a zlib bomb (pure)", "reject_zlib_bomb"),
        ("sign, service (+1 query, SQLite)", "django_sign"),
        ("verify, selector (+1 query, SQLite)", "django_verify"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"receipt QR benchmark, one process ({figures['machine']}, "
        f"load average {figures['load_average']}); QR text {figures['qr_text_characters']} "
        "characters"
    )
    print(f"  {'measure':<{width}}  {'per second':>11}  {'per CPU second':>14}  {'µs each':>8}")
    for label, key in rows:
        if key not in figures:
            continue
        got = figures[key]
        per_cpu = got["per_cpu_second"]
        micros = 1e6 / per_cpu if per_cpu else 1e6 / got["per_second"]
        print(
            f"  {label:<{width}}  {got['per_second']:>11,.0f}  {per_cpu:>14,.0f}  {micros:>8,.0f}"
        )
    cores = figures["verify_all_cores"]
    print(
        f"  verify on all cores ({cores['processes']} processes): "
        f"{cores['per_second']:,.0f}/s ({cores['per_cpu_second']:,.0f} per CPU second)"
    )
    print(f"  JSON: {OUT / 'receipt_verify.json'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measure (default 3)")
    parser.add_argument(
        "--receipts", type=int, default=1000, help="distinct receipts signed (default 1000)"
    )
    parser.add_argument("--skip-django", action="store_true")
    # bench/run.py passes every script the same arguments: ignore the ones for other benches.
    args, _ = parser.parse_known_args()

    figures: dict = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": " ".join(f"{load:.1f}" for load in os.getloadavg()),
        "seconds_per_measure": args.seconds,
        "receipts": args.receipts,
    }
    _pure(figures, args.seconds, args.receipts)
    if not args.skip_django:
        with tempfile.TemporaryDirectory(prefix="hoviat-bench-receipts-") as folder:
            _django(figures, args.seconds, args.receipts, Path(folder))
    OUT.mkdir(exist_ok=True)
    (OUT / "receipt_verify.json").write_text(json.dumps(figures, indent=2) + "\n")
    _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
