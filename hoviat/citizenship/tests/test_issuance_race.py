"""Two approvals racing for national codes of the same county, on PostgreSQL's row locks."""

import threading

import pytest
from django.db import connection

from hoviat.citizenship.models import Case, CaseStatus
from hoviat.citizenship.services import case_vote
from hoviat.citizenship.tests.conftest import ZAHEDAN_PREFIX
from hoviat.citizenship.tests.test_decision import REASONS, awaiting_decision
from hoviat.core.national_code import parse_national_code
from hoviat.registry.models import Citizen

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers: int, work) -> list:
    start = threading.Barrier(workers)
    results: list = [None] * workers

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:  # the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_approvals_at_once_never_get_the_same_national_code(
    hamid_api, police_api, security_api, zahedan, council
):
    from hoviat.citizenship.tests.conftest import token_client

    first_member = token_client(council[0])
    names = ["حسن", "حسین", "علی", "رضا"]
    cases = []
    for name in names:
        case = awaiting_decision(hamid_api, police_api, security_api, zahedan, first_name=name)
        first_member.post(
            f"/api/v1/citizenship/cases/{case.case_number}/votes",
            {"outcome": "approve", "reasons": REASONS},
            "application/json",
        )
        cases.append(case)

    results = _race(
        len(cases),
        lambda i: case_vote(
            case_number=cases[i].case_number, member=council[1], outcome="approve", reasons=REASONS
        ),
    )

    assert all(isinstance(r, Case) for r in results), results
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.ISSUED}
    codes = list(Citizen.objects.values_list("national_code", flat=True))
    assert len(codes) == 3 * len(cases) == len(set(codes))
    for code in codes:
        assert parse_national_code(code) == code and code.startswith(ZAHEDAN_PREFIX)
