"""The bulk companion of the transition helper: a conditional update claims the rows still in
an allowed state, says which it moved, audits each through the batch append, and runs side
effects only after commit.

Exercised on the staff users' `role` field, as the one-row helper's tests are.
"""

import pytest

from hoviat.core.errors import InvalidTransition
from hoviat.core.models import AuditEntry, Role, User
from hoviat.core.transitions import transition_many

pytestmark = pytest.mark.django_db

OPERATORS = {"allowed_from": {Role.OFFICE_OPERATOR, Role.PROVINCIAL_DIRECTOR}, "field": "role"}


def test_it_moves_only_the_rows_in_an_allowed_state_and_says_where_each_came_from(
    reza, maryam, kaveh, nasrin
):
    moved = transition_many(
        User, ids=[kaveh.pk, maryam.pk, reza.pk], to=Role.NATIONAL_ADMIN, actor=nasrin, **OPERATORS
    )

    assert moved == {maryam.pk: Role.PROVINCIAL_DIRECTOR, reza.pk: Role.OFFICE_OPERATOR}
    assert list(moved) == [maryam.pk, reza.pk]  # in the order asked, the unmoved left out
    kaveh.refresh_from_db()
    assert kaveh.role == Role.PRODUCTION_OPERATOR
    assert set(User.objects.filter(role=Role.NATIONAL_ADMIN).values_list("pk", flat=True)) >= {
        maryam.pk,
        reza.pk,
    }


def test_each_moved_row_gets_its_own_audit_row_with_its_own_from_state_and_data(
    reza, maryam, kaveh, nasrin
):
    transition_many(
        User,
        ids=[maryam.pk, kaveh.pk, reza.pk],
        to=Role.NATIONAL_ADMIN,
        actor=nasrin,
        reason="بازآرایی",
        audit_data={maryam.pk: {"letter": 1}, reza.pk: {"letter": 2}},
        **OPERATORS,
    )

    rows = list(
        AuditEntry.objects.order_by("id").values_list(
            "action", "object_id", "from_state", "to_state", "reason", "data", "actor_label"
        )
    )
    assert rows == [
        (
            "user.national_admin",
            str(maryam.pk),
            "provincial_director",
            "national_admin",
            "بازآرایی",
            {"letter": 1},
            "nasrin",
        ),
        (
            "user.national_admin",
            str(reza.pk),
            "office_operator",
            "national_admin",
            "بازآرایی",
            {"letter": 2},
            "nasrin",
        ),
    ]


def test_a_row_already_moved_by_another_worker_is_not_claimed_twice(reza, nasrin):
    first = transition_many(User, ids=[reza.pk], to=Role.NATIONAL_ADMIN, actor=nasrin, **OPERATORS)
    second = transition_many(User, ids=[reza.pk], to=Role.NATIONAL_ADMIN, actor=nasrin, **OPERATORS)

    assert first == {reza.pk: Role.OFFICE_OPERATOR}
    assert second == {}
    assert AuditEntry.objects.count() == 1


def test_with_expect_all_a_row_it_cannot_claim_undoes_the_whole_change(reza, kaveh, nasrin):
    with pytest.raises(InvalidTransition) as caught:
        transition_many(
            User,
            ids=[reza.pk, kaveh.pk],
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            expect_all=True,
            **OPERATORS,
        )

    assert caught.value.extra["not_claimed"] == [kaveh.pk]
    reza.refresh_from_db()
    assert reza.role == Role.OFFICE_OPERATOR
    assert not AuditEntry.objects.exists()


def test_extra_updates_are_written_with_the_state(reza, nasrin):
    transition_many(
        User,
        ids=[reza.pk],
        to=Role.NATIONAL_ADMIN,
        actor=nasrin,
        updates={"office": None, "is_staff": True},
        **OPERATORS,
    )

    reza.refresh_from_db()
    assert (reza.role, reza.office_id, reza.is_staff) == (Role.NATIONAL_ADMIN, None, True)


def test_side_effects_run_after_commit_with_the_moved_rows_only(
    reza, kaveh, nasrin, django_capture_on_commit_callbacks
):
    seen = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition_many(
            User,
            ids=[reza.pk, kaveh.pk],
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            after_commit=seen.append,
            **OPERATORS,
        )
        assert seen == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert seen == [{reza.pk: Role.OFFICE_OPERATOR}]


def test_nothing_asked_is_nothing_done(nasrin):
    assert transition_many(User, ids=[], to=Role.NATIONAL_ADMIN, actor=nasrin, **OPERATORS) == {}
    assert not AuditEntry.objects.exists()


def test_a_state_the_model_does_not_declare_is_refused(reza, nasrin):
    with pytest.raises(InvalidTransition):
        transition_many(User, ids=[reza.pk], to="nowhere", actor=nasrin, field="role")
