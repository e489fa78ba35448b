"""The staff page: figures of the areas a user sees, overdue inquiries, recent cases."""

import datetime as dt

import pytest

from hoviat.citizenship.models import Inquiry
from hoviat.citizenship.tests.conftest import case_body
from hoviat.core.jalali import today_local
from hoviat.core.models import Role
from hoviat.core.tests.factories import staff_sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_case(hamid_api, zahedan):
    number = hamid_api.post(
        "/api/v1/citizenship/cases", case_body(zahedan), "application/json"
    ).json()["case_number"]
    hamid_api.post(
        f"/api/v1/citizenship/cases/{number}/inquiries", {"agency": "police"}, "application/json"
    )
    Inquiry.objects.update(due_on=today_local() - dt.timedelta(days=2))
    return number


def test_the_director_sees_the_provinces_figures_and_overdue_inquiries(
    client, overdue_case, sistan
):
    director = UserFactory(
        username="sistan-director", role=Role.PROVINCIAL_DIRECTOR, province=sistan
    )
    staff_sign_in(client, director)

    page = client.get("/citizenship/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "سیستان و بلوچستان" in text and "زاهدان" in text
    assert overdue_case in text
    assert "احراز هویت انتظامی" in text  # the overdue police inquiry


def test_another_provinces_director_sees_none_of_it(client, overdue_case, bushehr):
    staff_sign_in(
        client,
        UserFactory(username="bushehr-director", role=Role.PROVINCIAL_DIRECTOR, province=bushehr),
    )
    text = client.get("/citizenship/").content.decode()
    assert overdue_case not in text and "زاهدان" not in text


def test_staff_without_a_citizenship_role_are_refused(client, reza):
    staff_sign_in(client, reza)
    assert client.get("/citizenship/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    answer = client.get("/citizenship/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
