"""Races on PostgreSQL: the same person filed twice at once, the council's last votes cast at
once (one decision, one letter, one set of national codes), and one person's biometrics
captured in two cases at once (still found)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest

from hoviat.citizenship.models import Case, DecisionLetter, PossibleDuplicate, Vote
from hoviat.citizenship.services import (
    BiometricsIn,
    CaseDuplicate,
    CaseIntake,
    FamilyIn,
    case_biometrics_capture,
    case_file,
    case_vote,
)
from hoviat.citizenship.tests.conftest import APPLICANT_MOBILE, case_body
from hoviat.citizenship.tests.test_decision import REASONS, awaiting_decision
from hoviat.citizenship.tests.test_issuance_race import _race
from hoviat.core.errors import Conflict
from hoviat.enrolment.devices import SimulatorDevice, capture_all
from hoviat.notifications.models import SmsMessage
from hoviat.registry.models import Citizen

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_person_filed_twice_at_once_gets_one_case(zahedan, hamid):
    intake = CaseIntake(
        first_name="عبدالله",
        last_name="بلوچ",
        father_name="کریم",
        mother_name="زینب",
        gender="male",
        birth_county_id=zahedan.pk,
        residence_county_id=zahedan.pk,
        basis="parents",
        mobile=APPLICANT_MOBILE,
        birth_year=1990,
        family=[
            FamilyIn(
                relation="child",
                first_name="یاسر",
                last_name="بلوچ",
                father_name="عبدالله",
                mother_name="فاطمه",
                gender="male",
                birth_date=dt.date(2015, 6, 10),
            )
        ],
    )

    results = _race(
        4, lambda i: case_file(intake=intake, actor=hamid, filed_by=hamid, online=False)
    )

    cases = [r for r in results if isinstance(r, Case)]
    duplicates = [r for r in results if isinstance(r, CaseDuplicate)]
    assert len(cases) == 1 and len(duplicates) == 3, results
    assert {d.extra["case_number"] for d in duplicates} == {cases[0].case_number}
    assert Case.objects.count() == 1
    assert Case.objects.get().family.count() == 1  # the losers' family rows rolled back
    assert SmsMessage.objects.filter(kind="citizenship_case_opened").count() == 1


def test_the_last_votes_cast_at_once_decide_once(
    hamid_api, police_api, security_api, zahedan, council
):
    case = awaiting_decision(hamid_api, police_api, security_api, zahedan)

    results = _race(
        3,
        lambda i: case_vote(
            case_number=case.case_number, member=council[i], outcome="approve", reasons=REASONS
        ),
    )

    decided = [r for r in results if isinstance(r, Case)]
    late = [r for r in results if isinstance(r, Conflict)]
    # Two votes make the quorum; the third meets a decided case.
    assert len(decided) == 2 and len(late) == 1, results
    assert late[0].code == "CASE_NOT_AWAITING_DECISION"
    assert Case.objects.get().status == "issued"
    assert Vote.objects.count() == 2
    assert Citizen.objects.count() == 3
    assert DecisionLetter.objects.count() == 1
    assert SmsMessage.objects.filter(kind="citizenship_decided").count() == 1


def test_the_same_person_captured_in_two_cases_at_once_is_still_found(
    hamid_api, zahedan, hamid, monkeypatch
):
    from hoviat.citizenship.matching import SimulatorMatcher

    search = SimulatorMatcher.search
    both_written = threading.Barrier(2)

    def slow_search(self, **kwargs):
        # Without the search lock both captures would be here together, each with its rows
        # written and not committed; with it, the first gives up waiting and goes on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_written.wait(timeout=2)
        return search(self, **kwargs)

    monkeypatch.setattr(SimulatorMatcher, "search", slow_search)
    cases = [
        Case.objects.get(
            case_number=hamid_api.post(
                "/api/v1/citizenship/cases",
                case_body(zahedan, first_name=name, family=[]),
                "application/json",
            ).json()["case_number"]
        )
        for name in ("حسن", "حسین")
    ]
    captured = capture_all(SimulatorDevice(person="one person"))
    given = BiometricsIn(face=captured["face"], fingers=captured["fingers"])

    results = _race(
        2,
        lambda i: case_biometrics_capture(
            case_number=cases[i].case_number, biometrics=given, officer=hamid
        ),
    )

    assert all(isinstance(r, list) for r in results), results
    duplicate = PossibleDuplicate.objects.get()
    assert {duplicate.case_id, duplicate.other_case_id} == {c.pk for c in cases}
