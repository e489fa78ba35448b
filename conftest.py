"""The shared test harness: named personas, a PostgreSQL marker, a real PKI for cards, and
headless Chromium. Rows beyond the personas come from the factories in tests/factories.py.

Personas (as in Healthchecks' tests): citizen Sara in Bushehr, operator Reza at the Bushehr
post office, director Maryam of Bushehr province, admin Nasrin, production operator Kaveh.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil

import pytest
from django.db import connection, connections
from hypothesis import settings as hypothesis_settings

from hoviat.core.logs import personal_data_in
from hoviat.core.models import Role
from hoviat.offices.models import OfficeKind
from tests.factories import (
    CitizenFactory,
    CityFactory,
    CountyFactory,
    OfficeFactory,
    ProvinceFactory,
    UserFactory,
)

# Property tests check what is true, never how fast: Hypothesis' default 200 ms deadline per
# example is a timed assertion, and fails on a busy machine.
hypothesis_settings.register_profile("hoviat", deadline=None)
hypothesis_settings.load_profile("hoviat")

CHROMIUM = os.environ.get("HOVIAT_CHROMIUM", "/usr/bin/chromium")


class PersonalDataWatch(logging.Handler):
    """Reads every log record of the run; the run fails if one carries a national code (10
    digits, valid check digit) or a mobile number (hoviat.core.logs.personal_data_in)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = f"{record.msg} {record.args}"
        if hits := personal_data_in(text):
            self.found.append(f"{record.name} ({record.pathname}:{record.lineno}): {hits}")


personal_data_watch = PersonalDataWatch()


def pytest_sessionstart(session):
    # After Django's logging configuration (dictConfig replaces the root's handlers).
    for name in ("", "huey"):
        logging.getLogger(name).addHandler(personal_data_watch)


def pytest_sessionfinish(session, exitstatus):
    if personal_data_watch.found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if personal_data_watch.found:
        terminalreporter.section("national codes or mobiles in log lines", red=True)
        for line in sorted(set(personal_data_watch.found))[:50]:
            terminalreporter.line(line)


PASSWORD = "correct horse battery"  # noqa: S105 (test personas only)


def pytest_collection_modifyitems(config, items):
    is_postgres = connection.vendor == "postgresql"
    has_chromium = shutil.which(CHROMIUM) is not None
    for item in items:
        if "postgres" in item.keywords and not is_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(autouse=True)
def _inquiry_reading_connection_closed():
    """The card inquiries' kept reading connection (hoviat/inquiry/db.py) closed after each
    test that opened one: each test's database is its own, and a session still open would keep
    the test database from being dropped at the end."""
    yield
    from hoviat.inquiry.db import reader_close

    reader_close()


@pytest.fixture(autouse=True)
def audit_witness_dir(settings, tmp_path_factory):
    """Each test's audit checkpoints go to a witness directory of its own (the database is
    rolled back after each test; a shared witness would remember histories that are gone)."""
    path = tmp_path_factory.mktemp("audit-witness")
    settings.AUDIT_WITNESS_DIR = path
    return path


@pytest.fixture
def bushehr(db):
    return ProvinceFactory(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )


@pytest.fixture
def bushehr_city(bushehr):
    county = CountyFactory(province=bushehr, name_fa="بوشهر", name_en="Bushehr")
    return CityFactory(county=county, name_fa="بوشهر", name_en="Bushehr")


@pytest.fixture
def bushehr_post_office(bushehr_city):
    return OfficeFactory(
        kind=OfficeKind.POST, name="اداره پست مرکزی بوشهر", code="POST-0601", city=bushehr_city
    )


@pytest.fixture
def sara(bushehr_city):
    """Citizen Sara: 35, Bushehr, photo shenasnameh, alive: eligible for a first card."""
    return CitizenFactory(
        national_code="0499370899",
        first_name="سارا",
        last_name="محمدی",
        father_name="علی",
        mother_name="مریم",
        birth_date=dt.date(1991, 8, 5),
        gender="female",
        shenasnameh_series=20,
        shenasnameh_letter="الف",
        shenasnameh_serial="123456",
        issuing_county=bushehr_city.county,
        residence_city=bushehr_city,
        residence_province=bushehr_city.province,
        mobile="09171234567",
    )


@pytest.fixture
def reza(bushehr_post_office):
    """Office operator Reza at the Bushehr post office."""
    return UserFactory(
        username="reza",
        first_name="رضا",
        last_name="احمدی",
        role=Role.OFFICE_OPERATOR,
        office=bushehr_post_office,
    )


@pytest.fixture
def maryam(bushehr):
    """Provincial director Maryam, Bushehr."""
    return UserFactory(
        username="maryam",
        first_name="مریم",
        last_name="کاظمی",
        role=Role.PROVINCIAL_DIRECTOR,
        province=bushehr,
    )


@pytest.fixture
def nasrin(db):
    """National admin Nasrin."""
    return UserFactory(
        username="nasrin",
        first_name="نسرین",
        last_name="رحیمی",
        role=Role.NATIONAL_ADMIN,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def kaveh(db):
    """Production operator Kaveh, Tehran personalisation centre."""
    return UserFactory(
        username="kaveh", first_name="کاوه", last_name="نوری", role=Role.PRODUCTION_OPERATOR
    )


# --- Cards with real chips and certificates (any app's tests) -----------------------------


@pytest.fixture
def real_pki(db, settings):
    """Root and issuing CA created for the test, so cards get real chips and certificates."""
    from hoviat.pki import services as pki_services

    settings.PRODUCTION_QC_FAIL_RATE = 0.0
    settings.PRODUCTION_DAILY_CAPACITY = 100
    return pki_services.ca_init()


@pytest.fixture
def known_pins(monkeypatch):
    """Chips made during the test get PIN 123456 (and PUK 12345678) instead of random ones,
    as if the test had read the PIN mailer."""
    from hoviat.pki import chip

    monkeypatch.setattr(chip, "random_digits", lambda count: "1234567890"[:count])


# --- Headless Chromium through Playwright (Debian's browser, never a downloaded one) -------


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()
        # Django keeps its connections in a context variable (asgiref.local), and every test
        # after the first browser one runs inside sync_playwright(), which gives them a context
        # other than the session's: their connection is closed here, still inside it, or it
        # would outlive the session and keep PostgreSQL from dropping the test database
        # ("is being accessed by other users").
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; `page.base_url` is the live server."""
    context = browser.new_context(locale="fa-IR", base_url=live_server.url)
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    yield new_page
    context.close()
