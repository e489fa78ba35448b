"""The page tour: every page of README's "Where things are" table (and the pages one click
away that a person works in), who signs in to see it, and the demo data that fills it.

`make screenshots` walks it at phone and desktop size and writes PNGs to var/screenshots/
(tests/test_tour.py, HOVIAT_SCREENSHOTS); the browser tests walk the same list for
horizontal overflow on a phone and for axe-core's accessibility rules. A page added to the
README's table belongs here too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

CITIZEN = "citizen"  # Sara, signed in by SMS code
HOLDER = "holder"  # Sara, signed in by SMS code, who has named her national code on /me/
APPLICANT = "applicant"  # the demo's refused citizenship applicant, signed in by SMS code
APPLICANT_MOBILE = "09150000005"
ANYONE = ""


@dataclass(frozen=True)
class Stop:
    name: str  # the screenshot's file name
    path: str  # may name {application} (its public id), {shipment}, {office}, {province}, {cz_*}
    who: str = ANYONE  # ANYONE, CITIZEN or a demo staff username
    ours: bool = True  # False: a page drawn by a library (Swagger UI, Django's admin)


TOUR: tuple[Stop, ...] = (
    Stop("home", "/"),
    Stop("track", "/track/"),
    Stop("track-card-mobile", "/track/card-mobile/"),
    Stop("pki-verify", "/pki/verify/"),
    Stop("inquiry-guide", "/inquiry/"),
    Stop("staff-sign-in", "/accounts/login/"),
    Stop("citizen-sign-in", "/citizen/"),
    Stop("api-docs", "/api/v1/docs", ours=False),
    Stop("citizen-home", "/citizen/", CITIZEN),
    Stop("citizen-apply", "/citizen/apply/", CITIZEN),
    Stop("citizen-application", "/citizen/applications/{application}/", CITIZEN),
    Stop("citizen-book", "/citizen/book/{application}/", CITIZEN),
    Stop("citizen-cards", "/cards/", CITIZEN),
    Stop("me-grievances", "/me/grievances/", CITIZEN),
    Stop("me-grievance-new", "/me/grievances/new/", CITIZEN),
    Stop("me-documents", "/me/documents/", CITIZEN),
    Stop("me-contact", "/me/contact/", CITIZEN),
    Stop("me-who", "/me/who/", CITIZEN),
    Stop("me-history", "/me/", HOLDER),
    Stop("me-lock", "/me/lock/", HOLDER),
    Stop("office", "/office/", "reza"),
    Stop("delivery", "/office/delivery/", "reza"),
    Stop("delivery-receive", "/office/delivery/shipments/{shipment}/receive/", "reza"),
    Stop("delivery-waiting", "/office/delivery/waiting/", "reza"),
    Stop("delivery-handover", "/office/delivery/handover/", "reza"),
    Stop("cards-office", "/cards/office/", "reza"),
    Stop("office-grievances", "/office/grievances/", "reza"),
    Stop("office-grievances-overdue", "/office/grievances/overdue/", "maryam"),
    Stop("production-queue", "/production/", "kaveh"),
    Stop("production-stock", "/production/stock/", "kaveh"),
    Stop("production-runs", "/production/runs/", "kaveh"),
    Stop("production-shipments", "/production/shipments/", "kaveh"),
    Stop("reports-province-director", "/reports/", "maryam"),
    Stop("reports-office", "/reports/office/{office}/", "maryam"),
    Stop("reports-province-charts", "/reports/province/{province}/charts/", "maryam"),
    Stop("reports-nation", "/reports/", "admin"),
    Stop("reports-nation-charts", "/reports/charts/", "admin"),
    Stop("reports-province", "/reports/province/{province}/", "admin"),
    Stop("planning-plan", "/planning/plan/", "admin"),
    Stop("planning-accuracy", "/planning/accuracy/", "maryam"),
    Stop("cards-policy", "/cards/policy/", "admin"),
    Stop("inquiry-log", "/inquiry/log/", "admin"),
    Stop("citizenship-cases", "/citizenship/", "hamid"),
    Stop("citizenship-new", "/citizenship/new/", "hamid"),
    Stop("citizenship-case", "/citizenship/{cz_overdue}/", "hamid"),
    Stop("citizenship-case-issued", "/citizenship/{cz_issued}/", "hamid"),
    Stop("citizenship-answer", "/citizenship/{cz_overdue}/inquiries/{cz_inquiry}/", "police"),
    Stop("citizenship-vote", "/citizenship/{cz_waiting}/vote/", "council2"),
    Stop("citizenship-overdue", "/citizenship/overdue/", "soraya"),
    Stop("citizenship-duplicates", "/citizenship/duplicates/", "hamid"),
    Stop("citizenship-case-duplicate", "/citizenship/{cz_duplicate}/", "hamid"),
    Stop("citizenship-case-refused", "/citizenship/{cz_refused}/", "hamid"),
    Stop("citizenship-case-ruling", "/citizenship/{cz_appealed}/", "lawyer"),
    Stop("citizenship-my-cases", "/citizenship/my/", APPLICANT),
    Stop("citizenship-my-case", "/citizenship/my/{cz_refused}/", APPLICANT),
    Stop("reports-citizenship", "/reports/citizenship/", "soraya"),
    Stop("admin", "/admin/", "admin", ours=False),
)


def tour_data() -> dict[str, Any]:
    """`hoviat demo` (small), then what a newcomer does first: Reza receives the shipment,
    Sara pre-registers, and a bank asks about two cards. Returns the values the paths name."""
    from hoviat.applications.services import application_pre_register
    from hoviat.citizenship.models import Case, Inquiry
    from hoviat.core.models import User
    from hoviat.delivery.services import shipment_receive
    from hoviat.inquiry.services import api_key_create, card_inquire, partner_create
    from hoviat.production.models import Card, Shipment
    from hoviat.reports.services import reports_refresh

    call_command("demo", citizens=20, stdout=io.StringIO())
    reza = User.objects.get(username="reza")
    shipment = Shipment.objects.filter(office__code="POST-0601").latest("pk")
    serials = list(Card.objects.filter(shipment=shipment).values_list("csn", flat=True))
    shipment_receive(shipment_id=shipment.pk, card_serials=serials, actor=reza)
    application = application_pre_register(
        mobile="09171234567",
        national_code="0499370899",
        shenasnameh_serial="۲۰/الف ۱۲۳۴۵۶",
        birth_date=dt.date(1991, 8, 5),
        mother_name="مریم",
        gender="female",
    )
    partner = partner_create(name="بانک نمونه", scopes=["card", "receipt"])
    _, key = api_key_create(partner_id=partner.pk)
    card = Card.objects.filter(shipment=shipment).select_related("application__citizen").first()
    if card is not None:
        card_inquire(
            key=key,
            national_code=card.application.citizen.national_code,
            card_serial=card.csn,
            purpose="BANK_ACCOUNT_OPENING",
        )
    card_inquire(
        key=key,
        national_code="0499370899",
        card_serial="IR0000009999",
        purpose="BANK_ACCOUNT_OPENING",
    )
    _citizenship_duplicate()
    reports_refresh(full=True)
    cases = dict(
        Case.objects.filter(mobile__startswith="0915000000").values_list("mobile", "case_number")
    )
    return {
        "cz_overdue": cases["09150000002"],
        "cz_inquiry": Inquiry.objects.get(case__mobile="09150000002").pk,
        "cz_waiting": cases["09150000003"],
        "cz_issued": cases["09150000007"],
        "cz_refused": cases[APPLICANT_MOBILE],
        "cz_appealed": cases["09150000006"],
        "cz_duplicate": cases["09150000009"],
        "application": application.public_id,
        "shipment": shipment.pk,
        "office": "POST-0601",
        "province": "IR-06",
    }


def _citizenship_duplicate() -> None:
    """Two of the demo's open cases captured with the same person's face and fingers: the
    second is a possible duplicate in Hamid's review queue."""
    from hoviat.citizenship.models import Case
    from hoviat.citizenship.services import BiometricsIn, case_biometrics_capture
    from hoviat.core.models import User
    from hoviat.enrolment.devices import SimulatorDevice, capture_all

    hamid = User.objects.get(username="hamid")
    captured = capture_all(SimulatorDevice(person="one person twice"))
    for mobile in ("09150000001", "09150000009"):
        case_biometrics_capture(
            case_number=Case.objects.get(mobile=mobile).case_number,
            biometrics=BiometricsIn(face=captured["face"], fingers=captured["fingers"]),
            officer=hamid,
        )


def _applicant_sign_in(page, mobile: str) -> None:
    """Sign in as a citizen does: the mobile, then the code the SMS brought."""
    import re

    from hoviat.core.text import normalize_code
    from hoviat.notifications.models import SmsMessage

    page.goto("/citizen/")
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="دریافت کد").click()
    page.get_by_label("کد پیامک‌شده").wait_for()
    body = SmsMessage.objects.filter(to=mobile, kind="otp").latest("id").body
    page.get_by_label("کد پیامک‌شده").fill(normalize_code(re.search(r"[۰-۹]{6}", body).group(0)))
    page.get_by_role("button", name="ورود").click()
    page.get_by_role("heading", name="درخواست‌های من").wait_for()


def sign_in_as(page, who: str) -> None:
    """Sign the page's browser context in as the stop's person (nothing for ANYONE)."""
    from hoviat.applications.tests.test_pages import sign_in
    from hoviat.core.tests.factories import browser_sign_in
    from hoviat.offices.demo import DEMO_PASSWORD

    if who in (CITIZEN, HOLDER):
        sign_in(page)
        if who == HOLDER:
            page.goto("/me/who/")
            page.get_by_label("کد ملی").fill("0499370899")
            page.get_by_role("button", name="ادامه").click()
            page.wait_for_url("**/me/")
    elif who == APPLICANT:
        _applicant_sign_in(page, APPLICANT_MOBILE)
    elif who:
        page.goto("/accounts/login/")
        browser_sign_in(page, who, DEMO_PASSWORD)


def walk(
    browser,
    base_url: str,
    data: dict[str, Any],
    *,
    viewport: dict[str, int],
    stops: tuple[Stop, ...] = TOUR,
) -> Iterator[tuple[Any, Stop]]:
    """Open each stop in a browser of that size, signed in as its person; yields (page, stop)
    with the page loaded. One browser context per person, in the tour's order."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    phone = viewport["width"] < 768
    context = None
    who: str | None = None
    try:
        for stop in stops:
            if context is None or stop.who != who:
                if context is not None:
                    context.close()
                context = browser.new_context(
                    locale="fa-IR",
                    base_url=base_url,
                    viewport=viewport,
                    is_mobile=phone,
                    has_touch=phone,
                )
                context.set_default_timeout(15_000)
                page = context.new_page()
                sign_in_as(page, stop.who)
                who = stop.who
            response = page.goto(stop.path.format(**data))
            if response is None or not response.ok:
                raise AssertionError(f"{stop.name}: {response and response.status}")
            # The page itself, not a sign-in step it sent the browser to instead.
            path = page.url.removeprefix(base_url)
            if path.startswith(("/accounts/", "/citizen/login")) and stop.who:
                raise AssertionError(f"{stop.name}: sent to {path} instead")
            # Scripts' own requests (charts' data, htmx) done, as far as they end.
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_load_state("networkidle", timeout=5_000)
            yield page, stop
    finally:
        if context is not None:
            context.close()


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no page-level scroll).

    Measured against the root's clientWidth (the device width), not window.innerWidth: a
    phone browser widens innerWidth to fit content that overflows, which hid the overflow."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# Where ASCII digits are what people should see: code samples and keys (<code>, <kbd>,
# <samp>, <pre>), and values that are typed or matched character for character — card
# serials, lot numbers, office codes — which a page marks with translate="no".
_ASCII_DIGITS_JS = """
() => {
  const exempt = "code, kbd, samp, pre, script, style, noscript, template, [translate=no]";
  const shown = (el) => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(exempt) || !shown(el)) continue;
    const text = node.textContent.trim();
    if (/[0-9]/.test(text)) found.push(text.slice(0, 80));
  }
  for (const el of document.querySelectorAll("[placeholder]")) {
    if (!el.closest(exempt) && shown(el) && /[0-9]/.test(el.placeholder))
      found.push("placeholder: " + el.placeholder);
  }
  if (/[0-9]/.test(document.title)) found.push("title: " + document.title);
  return found;
}
"""


def ascii_digits_shown(page) -> list[str]:
    """Visible text (placeholders and the title too) with ASCII digits, outside what is exempt
    above."""
    return page.evaluate(_ASCII_DIGITS_JS)


# WCAG 2.0, 2.1 and 2.2 at levels A and AA, as axe-core tags them.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_problems(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.2 AA violations of those impacts on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return [
        f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]
