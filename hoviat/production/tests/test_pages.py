from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess

from django.test import Client

from hoviat.core.jalali import format_jalali
from hoviat.core.tests.factories import staff_sign_in
from hoviat.production.models import Shipment
from hoviat.production.services import production_run, stock_deliver
from hoviat.production.tests.conftest import RUN_DATE, enrolled


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def test_the_production_pages_are_for_production_staff_only(kaveh, reza):
    for url in (
        "/production/",
        "/production/stock/",
        "/production/runs/",
        "/production/shipments/",
    ):
        assert signed_in(kaveh).get(url).status_code == 200
        assert signed_in(reza).get(url).status_code == 403


def test_a_delivery_typed_on_the_stock_page_is_recorded_and_charted(kaveh):
    client = signed_in(kaveh)
    response = client.post("/production/stock/", {"lot": "L-9", "quantity": "۱۲۰"}, follow=True)
    assert "تحویل بدنه کارت ثبت شد" in response.text or "باید عدد صحیح" in response.text
    client.post("/production/stock/", {"lot": "L-9", "quantity": "120"})
    page = client.get("/production/stock/").text
    assert "stock-data" in page and "chart.umd.min.js" in page
    assert client.post("/production/stock/", {"lot": "L", "quantity": "-4"}).status_code == 422


def test_a_shipment_manifest_masks_national_codes(kaveh, pki, bushehr_post_office, reza):
    apps = enrolled(bushehr_post_office, reza, n=2)
    stock_deliver(quantity=5, lot="L", actor=kaveh)
    production_run(date=RUN_DATE, actor=kaveh)
    shipment = Shipment.objects.get()
    client = signed_in(kaveh)
    text = client.get(f"/production/shipments/{shipment.pk}/manifest.csv").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    # Machines read the ISO expiry, people the Jalali one beside it; the file name is Jalali.
    header = rows[0]
    expires = dt.date.fromisoformat(rows[1][header.index("expires_on")])
    assert rows[1][header.index("expires_on_jalali")] == format_jalali(expires, persian=False)
    day = format_jalali(Shipment.objects.get().created_at, persian=False).replace("/", "-")
    assert client.get(f"/production/shipments/{shipment.pk}/manifest.csv")[
        "Content-Disposition"
    ] == (f'attachment; filename="manifest-{shipment.pk}-{day}.csv"')
    code = apps[0].citizen.national_code
    assert code not in text and f"{code[:3]}****{code[-3:]}" in text
    pdf = client.get(f"/production/shipments/{shipment.pk}/manifest.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        words = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert format_jalali(expires) in words  # ۱۴۱۲/۰۹/۰۱, not 2033-11-21
        assert expires.isoformat() not in words
        plain = re.sub("[\u202a-\u202e]", "", words)  # pdftotext's direction marks
        assert re.search("۱ *از *۱", plain)  # the page number in Persian
    client.post(f"/production/shipments/{shipment.pk}/dispatch/")
    assert Shipment.objects.get().status == "dispatched"
