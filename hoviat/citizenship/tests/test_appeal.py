"""A refused applicant appeals within the window; the court's ruling, recorded by a registry
lawyer, either upholds the refusal or approves the case (and registers the people)."""

import datetime as dt

import pytest
from django.utils import timezone

from hoviat.citizenship.models import Case, Function
from hoviat.citizenship.tests.conftest import staff, token_client
from hoviat.citizenship.tests.test_decision import awaiting_decision, vote
from hoviat.core.jalali import today_local
from hoviat.registry.models import Citizen

pytestmark = pytest.mark.django_db

GROUNDS = "پدرم شناسنامه دارد و آزمایش DNA نسب را ثابت می‌کند."


@pytest.fixture
def refused(hamid_api, police_api, security_api, zahedan, council_apis):
    case = awaiting_decision(hamid_api, police_api, security_api, zahedan)
    vote(council_apis[0], case, "refuse", "مدارک پدربزرگ با هویت ادعایی نمی‌خواند.")
    vote(council_apis[1], case, "refuse", "استعلام امنیتی ادعای تابعیت را تأیید نمی‌کند.")
    case.refresh_from_db()
    assert case.status == "refused"
    return case


@pytest.fixture
def lawyer_api(zahedan):
    return token_client(staff("lawyer", zahedan, Function.REGISTRY_LAWYER))


def appeal(api, case, grounds=GROUNDS):
    return api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/appeal",
        {"grounds": grounds},
        "application/json",
    )


def ruling(api, case, outcome):
    return api.post(
        f"/api/v1/citizenship/cases/{case.case_number}/court-ruling",
        {"outcome": outcome, "ruling_number": "140509970001", "date": today_local().isoformat()},
        "application/json",
    )


def test_an_overturned_refusal_registers_the_family(applicant_api, refused, lawyer_api, police_api):
    assert appeal(applicant_api, refused, "").json()["code"] == "GROUNDS_REQUIRED"
    answer = appeal(applicant_api, refused)
    assert answer.status_code == 200 and answer.json()["status"] == "appealed"

    not_lawyer = ruling(police_api, refused, "overturned")
    assert not_lawyer.status_code == 403 and not_lawyer.json()["code"] == "NOT_REGISTRY_LAWYER"
    decided = ruling(lawyer_api, refused, "overturned")
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "issued"
    assert Citizen.objects.count() == 3
    shown = applicant_api.get(f"/api/v1/citizenship/cases/{refused.case_number}").json()
    assert "۱۴۰۵۰۹۹۷۰۰۰۱" in shown["decision"]["reasons"]  # written for people: Persian digits
    assert len(shown["people"]) == 3


def test_an_upheld_refusal_registers_nobody(applicant_api, refused, lawyer_api):
    appeal(applicant_api, refused)
    assert ruling(lawyer_api, refused, "upheld").json()["status"] == "refusal_upheld"
    assert not Citizen.objects.exists()
    again = appeal(applicant_api, refused)
    assert again.status_code == 409 and again.json()["code"] == "CASE_NOT_REFUSED"


def test_an_appeal_after_the_window_is_refused(applicant_api, refused, settings):
    settings.CITIZENSHIP_APPEAL_DAYS = 30
    Case.objects.filter(pk=refused.pk).update(decided_at=timezone.now() - dt.timedelta(days=32))
    answer = appeal(applicant_api, refused)
    assert answer.status_code == 409 and answer.json()["code"] == "APPEAL_WINDOW_CLOSED"
    assert Case.objects.get(pk=refused.pk).status == "refused"


def test_a_ruling_needs_an_appeal(refused, lawyer_api):
    answer = ruling(lawyer_api, refused, "overturned")
    assert answer.status_code == 409 and answer.json()["code"] == "CASE_NOT_APPEALED"
    assert not Citizen.objects.exists()


def test_the_figures_count_cases_people_and_overdue_inquiries_per_county_and_province(
    refused, hamid_api, police_api, security_api, zahedan, council_apis
):
    import json
    from io import StringIO

    from django.core.management import call_command

    from hoviat.citizenship.models import Inquiry

    approved = awaiting_decision(
        hamid_api, police_api, security_api, zahedan, first_name="حمید", family=[]
    )
    vote(council_apis[0], approved)
    vote(council_apis[1], approved)
    waiting = hamid_api.post(
        "/api/v1/citizenship/cases",
        {**_body(zahedan), "first_name": "رحیم"},
        "application/json",
    ).json()["case_number"]
    hamid_api.post(
        f"/api/v1/citizenship/cases/{waiting}/inquiries", {"agency": "police"}, "application/json"
    )
    Inquiry.objects.filter(case__case_number=waiting).update(
        due_on=today_local() - dt.timedelta(days=1)
    )
    from hoviat.reports.services import reports_refresh

    reports_refresh(full=True)  # the figures are kept by the refresh, like the others
    out = StringIO()
    call_command("report", "citizenship", "--format", "json", stdout=out)
    areas = {a["level"]: a for a in json.loads(out.getvalue())["areas"]}

    for level in ("county", "province"):
        area = areas[level]
        assert area["open"] == 1 and area["open_age_p50_days"] == 0
        assert area["overdue_inquiries"] == 1
        assert (area["approved"], area["refused"]) == (1, 1)
        assert area["people_documented"] == 1
        assert area["decided_within_90_pct"] == 100.0
    table = StringIO()
    call_command("report", "citizenship", stdout=table)
    assert "IR-13" in table.getvalue()


def _body(county):
    from hoviat.citizenship.tests.conftest import case_body

    return case_body(county, family=[])
