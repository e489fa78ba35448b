"""Receipt PDF bench: how long one receipt takes to render, p50/p95.

    .venv/bin/python bench/receipt_pdf.py [--count 200] [--enrolments 20]

On a temporary SQLite database and biometric store (nothing of var/ is touched), it enrols
--enrolments citizens through the one-request service with the simulator device (documents,
face, ten fingers, encrypted files, signed receipt), then times, --count times each:
- `receipt_pdf(receipt)`: WeasyPrint rendering alone (template, decrypting the face, QR as
  SVG, fonts embedded and subset) — the figure the issue asks for;
- `GET /api/v1/receipts/{number}.pdf` through Django's test client (in process, so server
  time without the network): access check, rendering and its audit row.
The first render (fonts loaded, caches cold) is reported on its own. Figures are printed
and written as JSON to bench/out/receipt_pdf.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
# A fresh password per run, for an operator that lives only in the temporary database.
PASSWORD = secrets.token_urlsafe(16)


def _setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["HOVIAT_VAR_DIR"] = str(folder / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "hoviat.settings"
    os.environ["HOVIAT_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HOVIAT_LOG_LEVEL"] = "WARNING"
    os.environ["HUEY_BACKEND"] = "immediate"
    os.environ["SMS_BACKEND"] = "console"
    os.environ["HOVIAT_LOAD_REFERENCE_DATA"] = "0"  # _people() builds its own Bushehr
    import django

    django.setup()
    # Until hoviat/api.py mounts the enrolment router itself, mount it before URLs are built.
    from hoviat.api import api
    from hoviat.enrolment.api import router

    if not any(registration[1] is router for registration in api._router_registrations):
        api.add_router("/", router)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from hoviat.pki.services import receipt_key_init

    receipt_key_init()  # as `hoviat pki init` does once in production


def _people(count: int):
    """An office, its operator and `count` citizens booked there today."""
    from django.utils import timezone

    from hoviat.applications.codes import tracking_code_new
    from hoviat.applications.models import Application
    from hoviat.booking.models import Booking, Slot
    from hoviat.core.models import Role, User
    from hoviat.core.national_code import make_national_code
    from hoviat.offices.models import Office
    from hoviat.offices.selectors import OFFICE_TZ
    from hoviat.places.models import City, County, Province
    from hoviat.registry.models import Citizen

    province = Province.objects.create(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )
    county = County.objects.create(province=province, name_fa="بوشهر", name_en="Bushehr")
    city = City.objects.create(
        county=county,
        province=province,
        name_fa="بوشهر",
        name_en="Bushehr",
        is_provincial_capital=True,
    )
    office = Office.objects.create(
        kind="post",
        name="اداره پست مرکزی بوشهر",
        code="POST-0601",
        city=city,
        address="بوشهر، خیابان امام",
    )
    operator = User.objects.create_user(
        username="reza",
        password=PASSWORD,
        first_name="رضا",
        last_name="احمدی",
        role=Role.OFFICE_OPERATOR,
        office=office,
    )
    today = timezone.localtime(timezone.now(), OFFICE_TZ).date()
    starts_at = dt.datetime.combine(today, dt.time(9), tzinfo=OFFICE_TZ)
    slot = Slot.objects.create(
        office=office,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=15),
        date=today,
        capacity=count,
        taken=count,
    )
    applications = []
    for n in range(count):
        citizen = Citizen.objects.create(
            national_code=make_national_code("049", 100000 + n),
            first_name="سارا",
            last_name="محمدی",
            father_name="علی",
            mother_name="مریم",
            gender="female",
            birth_date=dt.date(1991, 8, 5),
            shenasnameh_number=str(1000 + n),
            shenasnameh_series=20,
            shenasnameh_letter="الف",
            shenasnameh_serial=f"{n:06d}",
            issuing_county=county,
            residence_province=province,
            residence_city=city,
            mobile=f"0917{n:07d}",
        )
        application = Application.objects.create(
            tracking_code=tracking_code_new(),
            citizen=citizen,
            kind="first",
            fee_rials=1450000,
            mobile=citizen.mobile,
            status="booked",
        )
        Booking.objects.create(application=application, slot=slot, status="booked")
        applications.append(application)
    return operator, applications


def _figures(samples: list[tuple[float, float]]) -> dict:
    """Wall-time percentiles (nearest rank), and this process's CPU time, the fairer figure
    on a busy machine."""
    ordered = sorted(wall for wall, _ in samples)
    cpu = sorted(used for _, used in samples)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[math.ceil(len(ordered) * 0.95) - 1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1),
        "cpu_p95_ms": round(cpu[math.ceil(len(cpu) * 0.95) - 1] * 1000, 1),
    }


class _Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.sample = (time.perf_counter() - self.wall, time.process_time() - self.cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="renders per measure")
    parser.add_argument("--enrolments", type=int, default=20, help="citizens enrolled first")
    args, _unknown = parser.parse_known_args()  # `make bench` passes every script the same

    with tempfile.TemporaryDirectory(prefix="hoviat-bench-pdf-") as folder:
        _setup(Path(folder))
        from django.test import Client

        from hoviat.core.models import User
        from hoviat.core.services import staff_token_issue
        from hoviat.enrolment.devices import simulator_for
        from hoviat.enrolment.pdf import receipt_pdf
        from hoviat.enrolment.services import enrolment_submit

        operator, applications = _people(args.enrolments)
        enrol_times, receipts = [], []
        for application in applications:
            with _Timer() as timer:
                receipts.append(
                    enrolment_submit(
                        operator=operator,
                        tracking_code=application.tracking_code,
                        documents=["shenasnameh_original", "form_confirmed"],
                        device=simulator_for(citizen=application.citizen),
                    )
                )
            enrol_times.append(timer.sample)

        started = time.perf_counter()
        size = len(receipt_pdf(receipts[0]))
        cold_ms = round((time.perf_counter() - started) * 1000, 1)

        render = []
        for n in range(args.count):
            receipt = receipts[n % len(receipts)]
            with _Timer() as timer:
                receipt_pdf(receipt)
            render.append(timer.sample)

        raw, _ = staff_token_issue(user=User.objects.get(username="reza"))
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        http = []
        for n in range(args.count):
            number = receipts[n % len(receipts)].receipt_number
            with _Timer() as timer:
                response = client.get(f"/api/v1/receipts/{number}.pdf")
            http.append(timer.sample)
            if response.status_code != 200:
                print(response.status_code, response.content[:300])
                return 1

    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "pdf_bytes": size,
        "first_render_ms": cold_ms,
        "render": _figures(render),
        "http_get_pdf": _figures(http),
        "enrolment_submit_simulator": _figures(enrol_times),
    }
    load = os.getloadavg()[0]
    result["machine"]["load_average_1min"] = round(load, 2)
    print(
        f"receipt PDF: {size:,} bytes; first render {cold_ms} ms (cold); "
        f"{os.cpu_count()} CPUs, load average {load:.2f}"
    )
    for name in ("render", "http_get_pdf", "enrolment_submit_simulator"):
        figures = result[name]
        print(
            f"{name:>28}: p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  "
            f"max {figures['max_ms']:7.1f} ms | CPU p50 {figures['cpu_p50_ms']:7.1f} ms  "
            f"p95 {figures['cpu_p95_ms']:7.1f} ms  (n={figures['count']})"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "receipt_pdf.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
