"""No page puts a national code, tracking code or mobile into a URL (issue 16, item 3).

A URL is kept by the browser's history, the server's and proxies' logs and the Referer header,
so these three go only in POST bodies. The templates are read for GET forms and links that
would carry them; then the public pages, the tracking form and the office's delivery pages are
walked with Sara's card waiting, and every address seen is checked: the request's own path and
query, each redirect's Location, and every href, action and src in the pages. The citizen's own
pages (her application, booking, the payment's start and return, the receipt) are walked too:
they name an application by its public id, never by its tracking code.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.applications.tests.conftest import SARA_FORM
from hoviat.booking.services import slots_generate
from hoviat.core.jalali import format_jalali
from hoviat.core.tests.factories import staff_sign_in
from hoviat.core.text import persian_digits
from hoviat.notifications.models import SmsMessage
from hoviat.payments.tests.conftest import card_form

PERSONAL_FIELDS = ("national_code", "tracking_code", "mobile")
SARA_NATIONAL_CODE = "0499370899"
SARA_MOBILE = "09171234567"

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_GET = re.compile(r"""method\s*=\s*["']?get""", re.I)
_NAME = re.compile(r"""name\s*=\s*["']([^"']+)""", re.I)
_ADDRESS = re.compile(r"""(?:href|action|src|formaction)\s*=\s*["']([^"']*)""", re.I)
_CITIZEN_LINK = re.compile(r"""href\s*=\s*["'](/citizen/applications/[^"']+/)["']""", re.I)


def _template_files() -> list[Path]:
    dirs: set[Path] = set()
    for engine in engines.all():
        dirs.update(Path(d) for d in getattr(engine, "template_dirs", ()))
    root = Path(settings.BASE_DIR)
    return sorted(
        path
        for directory in dirs
        if root in directory.parents or directory == root
        for path in directory.rglob("*.html")
    )


def test_the_templates_have_no_get_form_or_link_carrying_personal_codes():
    files = _template_files()
    assert any(path.name == "track.html" for path in files)  # the walk finds the templates
    found = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        for attributes, body in _FORM.findall(source):
            if _GET.search(attributes):
                names = set(_NAME.findall(body)) & set(PERSONAL_FIELDS)
                found += [f"{path}: GET form with {name}" for name in sorted(names)]
        for address in _ADDRESS.findall(source):
            found += [f"{path}: {address}" for name in PERSONAL_FIELDS if f"{name}=" in address]
    assert found == []


class Walk:
    """A client whose every answer is checked for the secrets in any address it shows."""

    def __init__(self, client: Client, secrets: list[str]):
        self.client = client
        self.secrets = secrets
        self.seen: list[str] = []

    def _check(self, response) -> None:
        query = response.request.get("QUERY_STRING", "")
        addresses = [response.request["PATH_INFO"] + (f"?{query}" if query else "")]
        addresses.append(response.get("Location", ""))
        if response.get("Content-Type", "").startswith("text/html"):
            addresses += _ADDRESS.findall(response.content.decode())
        self.seen += addresses
        leaks = [a for a in addresses for s in self.secrets if s in a]
        assert leaks == [], f"{response.request['PATH_INFO']}: {leaks}"

    def get(self, path: str, data: dict | None = None):
        response = self.client.get(path, data or {})
        self._check(response)
        return response

    def post(self, path: str, data: dict):
        response = self.client.post(path, data)
        self._check(response)
        return response

    def csrf(self) -> str:
        return self.client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_no_page_puts_a_national_code_tracking_code_or_mobile_in_a_url(sara_ready, reza):
    application = sara_ready.application
    # The card-ready SMS failed, so the answer also offers the way to a new mobile.
    SmsMessage.objects.filter(kind="card_ready").update(status="undeliverable")
    secrets = [SARA_NATIONAL_CODE, application.tracking_code, SARA_MOBILE, SARA_MOBILE[1:]]
    codes = {"national_code": SARA_NATIONAL_CODE, "tracking_code": application.tracking_code}

    # A citizen, with CSRF checked as a browser meets it.
    citizen = Walk(Client(enforce_csrf_checks=True), secrets)
    for path in ("/", "/citizen/", "/pki/verify/", "/inquiry/", "/track/card-mobile/"):
        citizen.get(path)
    assert citizen.get("/track/").status_code == 200
    answer = citizen.post("/track/", {**codes, "csrfmiddlewaretoken": citizen.csrf()})
    assert answer.status_code == 200  # the answer itself, never a redirect carrying the codes
    assert 'data-testid="card-waiting"' in answer.content.decode()
    assert 'data-testid="notice-failed"' in answer.content.decode()
    # From the answer, the new-mobile page opens by POST with the codes filled in.
    opened = citizen.post(
        "/track/card-mobile/", {**codes, "step": "start", "csrfmiddlewaretoken": citizen.csrf()}
    )
    assert opened.status_code == 200
    assert f'value="{application.tracking_code}"' in opened.content.decode()

    # Signing in by SMS code: the mobile goes in the body and the session, not the address.
    citizen.get("/citizen/sign-in/")
    sent = citizen.post(
        "/citizen/sign-in/", {"mobile": SARA_MOBILE, "csrfmiddlewaretoken": citizen.csrf()}
    )
    assert sent.status_code == 302
    citizen.get(sent["Location"])

    # Codes put into the address by hand are not honoured: no answer is shown for them.
    by_address = Client().get("/track/", codes)
    assert 'data-testid="status"' not in by_address.content.decode()
    by_address = Client().get("/track/card-mobile/", codes)
    assert application.tracking_code not in by_address.content.decode()

    # The office's delivery pages, with the card waiting at Reza's office.
    staff = Client()
    staff_sign_in(staff, reza)
    desk = Walk(staff, secrets)
    for path in ("/office/", "/office/delivery/", "/cards/office/"):
        assert desk.get(path).status_code == 200
    desk.get("/office/delivery/waiting/")
    waiting = desk.get("/office/delivery/handover/", {"card_serial": sara_ready.card.csn})
    assert waiting.status_code == 200
    # The counter's two steps: the operator's check, then the holder's PIN pad.
    checked = desk.post(
        "/office/delivery/handover/",
        {
            **codes,
            "step": "verify",
            "card_serial": sara_ready.card.csn,
            "capture": "simulator",
            "finger_position": "1",
        },
    )
    assert checked.status_code == 302  # to the pad; the Location names the card, not the person
    desk.get(checked["Location"])
    done = desk.post(
        f"/office/delivery/handover/{sara_ready.card.csn}/pad/",
        {
            "pad_id_pin": "4321",
            "pad_sign_pin": "8765",
            "pad_nmoc_pin": "1357",
            "pad_id_pin_confirmation": "4321",
        },
    )
    assert done.status_code == 302  # handed over; the Location names the card, not the person
    desk.get(done["Location"])
    assert len(citizen.seen) > 10 and len(desk.seen) > 10  # the walk saw pages with links


def _signed_in_citizen(mobile: str) -> Client:
    client = Client()
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()
    return client


def _one(pattern: str, html: str) -> str:
    found = re.findall(pattern, html)
    assert found, f"no {pattern} in the page"
    return found[0].replace("&amp;", "&")


@pytest.mark.django_db
def test_the_citizens_own_pages_name_her_application_without_its_tracking_code(
    sara, bushehr_post_office
):
    """Pre-register, open the application, book a time, pay at the bank and come back: no
    address on the way carries the tracking code (nor her national code or mobile)."""
    office = bushehr_post_office
    day = timezone.localdate() + dt.timedelta(days=1)
    slots_generate(office=office, start=day, end=day + dt.timedelta(days=14))
    walk = Walk(_signed_in_citizen(SARA_MOBILE), [SARA_NATIONAL_CODE, SARA_MOBILE])

    applied = walk.post("/citizen/apply/", {**SARA_FORM, "step": "confirm"})
    assert applied.status_code == 302
    application = Application.objects.get(citizen=sara)
    walk.secrets.append(application.tracking_code)
    home = walk.get("/citizen/").content.decode()
    detail_path = _one(_CITIZEN_LINK.pattern, home)
    detail = walk.get(detail_path)
    assert detail.status_code == 200
    # Shown on the page (in Persian digits), never in the URL.
    assert persian_digits(application.tracking_code) in detail.content.decode()

    book_path = _one(r'href="(/citizen/book/[^"?]+/)"', detail.content.decode())
    offices = walk.get(book_path, {"date": format_jalali(day, persian=False)})
    office_link = _one(rf'href="(\?[^"]*office={office.pk})"', offices.content.decode())
    times = walk.get(book_path + office_link)
    slot_link = _one(r'data-slot href="([^"#]+)', times.content.decode())
    check = walk.get(book_path + slot_link).content.decode()
    book_action = _one(r'action="(/citizen/book/[^"]+/book/)"', check)
    held = walk.post(book_action, {"slot_id": _one(r'name="slot_id" value="(\d+)"', check)})
    assert held.status_code == 302
    detail = walk.get(held["Location"]).content.decode()

    # The pay button, the bank, and the way back.
    pay_action = _one(r'action="(/payments/start/[^"]+)"', detail)
    to_bank = walk.post(pay_action, {})
    assert to_bank.status_code == 303
    bank = urlsplit(to_bank["Location"]).path
    walk.get(bank)
    back = walk.post(bank, card_form())
    assert back.status_code == 303
    parts = urlsplit(back["Location"])
    result = walk.get(f"{parts.path}?{parts.query}")
    assert result.status_code == 200
    application.refresh_from_db()
    assert application.status == "booked"
    walk.get(_one(r'href="(/citizen/applications/[^"]+/)"', result.content.decode()))

    # Cancelling the appointment, then the application: each answers with her page again.
    cancelled = walk.post(
        _one(r'action="(/citizen/book/[^"]+/cancel/)"', walk.get(book_path).content.decode()), {}
    )
    walk.get(cancelled["Location"])
    seen = " ".join(walk.seen)
    assert str(application.public_id) in seen  # the walk went through her pages
    assert all(secret not in seen for secret in walk.secrets)


@pytest.mark.django_db
def test_the_receipt_link_names_the_application_without_its_tracking_code(sara_ready):
    application = sara_ready.application
    walk = Walk(
        _signed_in_citizen(SARA_MOBILE),
        [SARA_NATIONAL_CODE, SARA_MOBILE, application.tracking_code],
    )
    detail_path = _one(_CITIZEN_LINK.pattern, walk.get("/citizen/").content.decode())
    detail = walk.get(detail_path).content.decode()
    receipt = walk.get(_one(r'href="(/citizen/applications/[^"]+/receipt\.pdf)"', detail))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    # The booking and payment pages of a card already made still answer, without the code.
    walk.get(f"/citizen/book/{application.public_id}/")
    refused = walk.post(f"/payments/start/{application.public_id}", {})
    walk.get(refused["Location"])


@pytest.mark.django_db
def test_another_citizens_public_id_opens_none_of_her_pages(sara_ready):
    """The public id is not a key: the owner check still answers 404 to another mobile."""
    public_id = sara_ready.application.public_id
    other = _signed_in_citizen("09350000000")
    for path in (
        f"/citizen/applications/{public_id}/",
        f"/citizen/book/{public_id}/",
        f"/citizen/applications/{public_id}/receipt.pdf",
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/payments/start/{public_id}").status_code == 404
    assert other.post(f"/citizen/applications/{public_id}/cancel/").status_code == 404
    # An old address with the tracking code in it is no page at all.
    code = sara_ready.application.tracking_code
    assert _signed_in_citizen(SARA_MOBILE).get(f"/citizen/applications/{code}/").status_code == 404
