"""PKI bench: OCSP responses per second, and cards personalised per second, on one core.

    .venv/bin/python bench/ocsp.py [--seconds 3] [--cards 200] [--skip-openssl]

On a temporary SQLite database (migrated here; the database and var/ secrets are thrown away),
after `pki init` and --cards personalised cards (a quarter of them revoked):
- OCSP: the service alone (`ocsp_respond`: 2 queries + one ECDSA signature), and the full
  Django path (POST /pki/ocsp through the test Client: middleware, URL routing, view), each
  request with a fresh nonce as `openssl ocsp` sends; then the Client path on every core;
- card_personalise, each in its own transaction as a production run calls it: 2 key
  generations + 3 signatures (2 certificates, the data object) + AES-GCM + 3 queries;
- beside `openssl speed -seconds S ecdsap256` (sign/s, verify/s) and the same primitives
  through `cryptography`, so the figures read as a ratio to what the CPU can do at best:
  ceiling for a card = 1 / (2/keygen + 3/sign), for OCSP = one signature.
Figures print as a table and are written as JSON to bench/out/ocsp.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from cryptography.x509 import ocsp  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(seconds: float, operation: Callable[[int], object]) -> dict:
    """Call `operation(i)` for i = 0, 1, … for `seconds`; count and time it."""
    count = 0
    cpu_start, wall_start = _cpu(), time.perf_counter()
    deadline = wall_start + seconds
    while time.perf_counter() < deadline:
        for _ in range(10):
            operation(count)
            count += 1
    wall, cpu = time.perf_counter() - wall_start, _cpu() - cpu_start
    return {
        "operations": count,
        "seconds": wall,
        "cpu_seconds": cpu,
        "per_second": count / wall,
        "per_cpu_second": count / cpu if cpu else 0.0,
    }


def _openssl_speed(seconds: int) -> dict | None:
    try:
        result = subprocess.run(
            ["openssl", "speed", "-seconds", str(seconds), "ecdsap256"],
            capture_output=True,
            text=True,
            timeout=seconds * 4 + 30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(
        r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", result.stdout
    )
    if match is None:
        return None
    return {"sign_per_second": float(match[1]), "verify_per_second": float(match[2])}


def _primitives(seconds: float) -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashlib.sha256(b"x").digest()
    return {
        "keygen": _measure(seconds, lambda i: ec.generate_private_key(ec.SECP256R1())),
        "sign": _measure(seconds, lambda i: key.sign(digest, ec.ECDSA(hashes.SHA256()))),
    }


def _setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "hoviat.settings"
    os.environ["HOVIAT_VAR_DIR"] = str(folder / "var")
    os.environ["HOVIAT_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HOVIAT_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test Client's "testserver" host in
    call_command("migrate", "core", verbosity=0)
    call_command("migrate", "pki", verbosity=0)


def _card_fields(index: int) -> dict:
    today = dt.date.today()
    return dict(
        csn=f"B{os.getpid():x}{index:010d}",
        crn=f"{1405000000 + index}",
        national_code="0499370899",
        first_name="سارا",
        last_name="محمدی",
        birth_date=dt.date(1991, 8, 5),
        photo_sha256=hashlib.sha256(b"p").hexdigest(),
        fingerprint_sha256={"right_index": hashlib.sha256(b"r").hexdigest()},
        issued_on=today,
        expires_on=today + dt.timedelta(days=7 * 365),
    )


def _requests(count: int) -> list[bytes]:
    from hoviat.pki.models import CertificateAuthority, IssuedCertificate

    issuer = x509.load_pem_x509_certificate(
        CertificateAuthority.objects.filter(kind="issuing").latest("not_before").cert_pem.encode()
    )
    requests = []
    for row in IssuedCertificate.objects.order_by("id")[:count]:
        cert = x509.load_der_x509_certificate(bytes(row.der))
        requests.append(cert)
    built = []
    for index in range(4 * len(requests)):
        cert = requests[index % len(requests)]
        built.append(
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 (as openssl)
            .add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
            .build()
            .public_bytes(Encoding.DER)
        )
    return built


def _client_worker(args: tuple) -> dict:
    requests, seconds = args
    from django.db import connections
    from django.test import Client

    connections.close_all()  # a forked child must not share the parent's connection
    client = Client()
    return _measure(
        seconds,
        lambda i: client.post(
            "/pki/ocsp", requests[i % len(requests)], content_type="application/ocsp-request"
        ),
    )


def _django(figures: dict, seconds: float, cards: int) -> None:
    from django.db import connections, transaction
    from django.test import Client

    from hoviat.pki import services

    services.ca_init()

    def personalise(index: int) -> None:
        with transaction.atomic():
            services.card_personalise(**_card_fields(index))

    for index in range(cards):
        personalise(index)
    csns = [_card_fields(index)["csn"] for index in range(0, cards, 4)]
    for csn in csns:
        services.card_certificates_revoke(csn=csn, reason="lost", actor=None)
    services.crl_publish()

    requests = _requests(cards)
    client = Client()
    answer = ocsp.load_der_ocsp_response(
        client.post("/pki/ocsp", requests[0], content_type="application/ocsp-request").content
    )
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    figures["ocsp_service"] = _measure(
        seconds, lambda i: services.ocsp_respond(request_der=requests[i % len(requests)])
    )
    figures["ocsp_http_client"] = _measure(
        seconds,
        lambda i: client.post(
            "/pki/ocsp", requests[i % len(requests)], content_type="application/ocsp-request"
        ),
    )
    processes = os.cpu_count() or 1
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_client_worker, [(requests, seconds)] * processes)
    figures["ocsp_http_all_cores"] = {
        "processes": processes,
        "per_second": sum(r["operations"] / r["seconds"] for r in results),
        "per_cpu_second": sum(r["operations"] for r in results)
        / sum(r["cpu_seconds"] for r in results),
    }
    figures["card_personalise"] = _measure(seconds, lambda i: personalise(cards + i))


def _print(figures: dict) -> None:
    print(f"PKI benchmark ({figures['machine']}, load average {figures['load_average']})")
    print(f"  {'measure':<44}  {'per second':>10}  {'per CPU s':>10}")
    rows = [
        ("EC P-256 keygen (cryptography)", "keygen"),
        ("ECDSA P-256 sign (cryptography)", "sign"),
        ("OCSP response, service only", "ocsp_service"),
        ("OCSP response, POST via Django Client", "ocsp_http_client"),
        ("card_personalise (own transaction)", "card_personalise"),
    ]
    for label, key in rows:
        got = figures.get(key) or figures["primitives"].get(key)
        if got:
            print(f"  {label:<44}  {got['per_second']:>10,.0f}  {got['per_cpu_second']:>10,.0f}")
    cores = figures.get("ocsp_http_all_cores")
    if cores:
        print(
            f"  OCSP via Client on all cores ({cores['processes']} processes): "
            f"{cores['per_second']:,.0f}/s"
        )
    speed = figures.get("openssl_speed")
    if speed:
        print(
            f"  openssl speed ecdsap256: {speed['sign_per_second']:,.0f} sign/s, "
            f"{speed['verify_per_second']:,.0f} verify/s"
        )
    for label, key in (("card_personalise", "card_ratio"), ("OCSP (Client)", "ocsp_ratio")):
        ratio = figures.get(key)
        if ratio:
            print(
                f"  {label}: {ratio['measured']:,.0f}/CPU s against a ceiling of "
                f"{ratio['ceiling']:,.0f}/s from openssl speed = {ratio['ratio']:.0%}"
            )
    print(f"  JSON: {OUT / 'ocsp.json'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measure (default 3)")
    parser.add_argument(
        "--cards",
        type=int,
        default=200,
        help="cards personalised before the OCSP measures (default 200)",
    )
    parser.add_argument("--skip-openssl", action="store_true")
    args, _ = parser.parse_known_args()  # bench/run.py passes every script the same arguments

    figures: dict = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": " ".join(f"{load:.1f}" for load in os.getloadavg()),
        "seconds_per_measure": args.seconds,
        "cards": args.cards,
    }
    if not args.skip_openssl:
        figures["openssl_speed"] = _openssl_speed(max(1, round(args.seconds)))
    figures["primitives"] = _primitives(args.seconds)
    with tempfile.TemporaryDirectory(prefix="hoviat-bench-ocsp-") as folder:
        _setup(Path(folder))
        _django(figures, args.seconds, args.cards)
    speed = figures.get("openssl_speed")
    if speed:
        # Key generation is one fixed-base scalar multiplication, like signing: openssl's
        # sign/s stands in for both.
        sign = speed["sign_per_second"]
        card_ceiling = 1 / (2 / sign + 3 / sign)
        measured = figures["card_personalise"]["per_cpu_second"]
        figures["card_ratio"] = {
            "measured": measured,
            "ceiling": card_ceiling,
            "ratio": measured / card_ceiling,
        }
        measured = figures["ocsp_http_client"]["per_cpu_second"]
        figures["ocsp_ratio"] = {"measured": measured, "ceiling": sign, "ratio": measured / sign}
    OUT.mkdir(exist_ok=True)
    (OUT / "ocsp.json").write_text(json.dumps(figures, indent=2) + "\n")
    _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
