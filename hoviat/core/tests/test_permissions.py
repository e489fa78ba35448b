"""The staff roles, decided once in core.permissions: who holds which role, and that nobody
inactive or signed out holds any."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from hoviat.core import permissions
from hoviat.core.context_processors import roles
from hoviat.core.models import Role
from hoviat.core.tests.factories import UserFactory

PREDICATES = (
    permissions.is_national_admin,
    permissions.is_provincial_director,
    permissions.is_office_operator,
    permissions.is_production_operator,
)


def _holds(user) -> set[str]:
    return {predicate.__name__ for predicate in PREDICATES if predicate(user)}


def test_each_persona_holds_their_own_role_and_no_other(nasrin, maryam, reza, kaveh):
    assert _holds(nasrin) == {"is_national_admin"}
    assert _holds(maryam) == {"is_provincial_director"}
    assert _holds(reza) == {"is_office_operator"}
    assert _holds(kaveh) == {"is_production_operator"}


def test_a_superuser_without_a_role_counts_as_a_national_admin_and_nothing_more(db):
    root = UserFactory(username="root", role="", is_superuser=True, is_staff=True)

    assert _holds(root) == {"is_national_admin"}
    assert permissions.director_province(root) is None
    assert permissions.operator_office(root) is None


def test_an_inactive_superuser_is_nobody(db):
    root = UserFactory(
        username="root", role=Role.NATIONAL_ADMIN, is_superuser=True, is_staff=True, is_active=False
    )

    assert not permissions.is_signed_in(root)
    assert _holds(root) == set()


@pytest.mark.parametrize("persona", ["nasrin", "maryam", "reza", "kaveh"])
def test_a_deactivated_member_of_staff_loses_their_role_everywhere(persona, request):
    user = request.getfixturevalue(persona)
    user.is_active = False

    assert _holds(user) == set()
    assert permissions.director_province(user) is None
    assert permissions.operator_office(user) is None
    assert not permissions.is_director_of(user, user.province_id)
    assert not permissions.is_operator_of(user, user.office_id)


@pytest.mark.parametrize("nobody", [AnonymousUser(), None])
def test_someone_not_signed_in_holds_no_role(nobody):
    assert not permissions.is_signed_in(nobody)
    assert _holds(nobody) == set()
    assert permissions.director_province(nobody) is None
    assert permissions.operator_office(nobody) is None


def test_a_director_runs_her_own_province_only(maryam, bushehr):
    assert permissions.director_province(maryam) == bushehr.pk
    assert permissions.is_director_of(maryam, bushehr.pk)
    assert not permissions.is_director_of(maryam, bushehr.pk + 1)
    assert not permissions.is_director_of(maryam, None)


def test_an_operator_works_at_his_own_office_only(reza, bushehr_post_office):
    assert permissions.operator_office(reza) == bushehr_post_office.pk
    assert permissions.is_operator_of(reza, bushehr_post_office.pk)
    assert not permissions.is_operator_of(reza, bushehr_post_office.pk + 1)
    assert not permissions.is_operator_of(reza, None)


def test_a_national_admin_is_neither_director_nor_operator_of_anything(nasrin, bushehr):
    assert not permissions.is_director_of(nasrin, bushehr.pk)
    assert permissions.operator_office(nasrin) is None


def test_the_navigation_asks_the_same_rules(nasrin, maryam, reza):
    def menu(user) -> dict[str, bool]:
        request = RequestFactory().get("/")
        request.user = user
        found = roles(request)["roles"]
        return {"national_admin": found["national_admin"], "reports": found["reports"]}

    assert menu(nasrin) == {"national_admin": True, "reports": True}
    assert menu(maryam) == {"national_admin": False, "reports": True}
    assert menu(reza) == {"national_admin": False, "reports": False}
    nasrin.is_active = False
    assert menu(nasrin) == {"national_admin": False, "reports": False}
