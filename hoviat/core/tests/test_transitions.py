"""The transition helper: lock, check, save, audit, then side effects after commit.

Exercised on the staff user's `role` field, the one state-like field the kernel owns.
"""

import threading

import pytest
from django.db import connection, transaction

from hoviat.core.errors import InvalidTransition, NotFound
from hoviat.core.models import AuditEntry, Role, User
from hoviat.core.transitions import transition

pytestmark = pytest.mark.django_db

PROMOTE = {"allowed_from": {Role.OFFICE_OPERATOR}, "field": "role"}


def test_an_allowed_move_saves_the_new_state(reza, nasrin):
    moved = transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, **PROMOTE)
    assert moved.role == Role.NATIONAL_ADMIN
    reza.refresh_from_db()
    assert reza.role == Role.NATIONAL_ADMIN


def test_an_allowed_move_writes_an_audit_row_with_from_to_reason_and_actor(reza, nasrin):
    transition(
        User,
        pk=reza.pk,
        to=Role.NATIONAL_ADMIN,
        actor=nasrin,
        reason="انتقال به ستاد",
        audit_data={"letter": "۱۲۳/ص"},
        **PROMOTE,
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "user.national_admin"
    assert (entry.object_type, entry.object_id) == ("core.user", str(reza.pk))
    assert (entry.from_state, entry.to_state) == ("office_operator", "national_admin")
    assert entry.reason == "انتقال به ستاد"
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "user",
        str(nasrin.pk),
        "nasrin",
    )
    assert entry.data == {"letter": "۱۲۳/ص"}


def test_a_named_action_and_extra_updates_are_saved_together(reza, nasrin):
    transition(
        User,
        pk=reza.pk,
        to=Role.NATIONAL_ADMIN,
        actor=nasrin,
        action="user.promote",
        updates={"office": None, "is_staff": True},
        **PROMOTE,
    )
    reza.refresh_from_db()
    assert (reza.role, reza.office_id, reza.is_staff) == (Role.NATIONAL_ADMIN, None, True)
    assert AuditEntry.objects.get().action == "user.promote"


def test_only_the_named_fields_are_written(reza, nasrin):
    User.objects.filter(pk=reza.pk).update(first_name="رضا")
    stale = User.objects.get(pk=reza.pk)
    User.objects.filter(pk=reza.pk).update(first_name="رضا جان")  # someone else, meanwhile
    assert stale.first_name == "رضا"
    transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, **PROMOTE)
    reza.refresh_from_db()
    assert reza.first_name == "رضا جان"


def test_a_disallowed_move_is_a_409_invalid_transition_and_writes_nothing(reza, nasrin):
    with pytest.raises(InvalidTransition) as caught:
        transition(
            User,
            pk=reza.pk,
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            allowed_from={Role.PROVINCIAL_DIRECTOR},
            field="role",
        )
    problem = caught.value.as_problem()
    assert (problem["status"], problem["code"]) == (409, "INVALID_TRANSITION")
    assert (problem["from_state"], problem["to_state"]) == ("office_operator", "national_admin")
    reza.refresh_from_db()
    assert reza.role == Role.OFFICE_OPERATOR
    assert not AuditEntry.objects.exists()


def test_a_failed_move_inside_a_larger_transaction_leaves_the_rest_usable(reza, nasrin, kaveh):
    with transaction.atomic():
        with pytest.raises(InvalidTransition):
            transition(
                User,
                pk=reza.pk,
                to=Role.NATIONAL_ADMIN,
                actor=nasrin,
                allowed_from=set(),
                field="role",
            )
        transition(
            User,
            pk=kaveh.pk,
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            allowed_from={Role.PRODUCTION_OPERATOR},
            field="role",
        )
    assert AuditEntry.objects.get().object_id == str(kaveh.pk)


def test_a_missing_row_is_not_found(nasrin):
    with pytest.raises(NotFound) as caught:
        transition(User, pk=987654, to=Role.NATIONAL_ADMIN, actor=nasrin, **PROMOTE)
    assert caught.value.status == 404
    assert not AuditEntry.objects.exists()


def test_side_effects_run_only_after_commit(reza, nasrin, django_capture_on_commit_callbacks):
    seen = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transition(
            User,
            pk=reza.pk,
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            after_commit=lambda user: seen.append(user.role),
            **PROMOTE,
        )
        assert seen == []  # not yet: the transaction has not committed
    assert len(callbacks) == 1
    assert seen == [Role.NATIONAL_ADMIN]


def test_side_effects_never_run_when_the_transaction_rolls_back(
    reza, nasrin, django_capture_on_commit_callbacks
):
    seen = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition(
            User,
            pk=reza.pk,
            to=Role.NATIONAL_ADMIN,
            actor=nasrin,
            after_commit=lambda user: seen.append(user.pk),
            **PROMOTE,
        )
        raise RuntimeError("the caller fails after the move")
    assert callbacks == []
    assert seen == []
    reza.refresh_from_db()
    assert reza.role == Role.OFFICE_OPERATOR
    assert not AuditEntry.objects.exists()


def test_the_model_s_transitions_table_is_used_when_no_from_states_are_given(
    monkeypatch, reza, kaveh, nasrin
):
    monkeypatch.setattr(
        User,
        "TRANSITIONS",
        {
            Role.NATIONAL_ADMIN: {Role.OFFICE_OPERATOR},
        },
        raising=False,
    )
    transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, field="role")
    with pytest.raises(InvalidTransition):
        transition(User, pk=kaveh.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, field="role")
    assert AuditEntry.objects.count() == 1


def test_a_target_state_missing_from_the_table_is_refused(monkeypatch, reza, nasrin):
    monkeypatch.setattr(
        User, "TRANSITIONS", {Role.NATIONAL_ADMIN: {Role.OFFICE_OPERATOR}}, raising=False
    )
    with pytest.raises(InvalidTransition):
        transition(User, pk=reza.pk, to=Role.PRODUCTION_OPERATOR, actor=nasrin, field="role")
    assert not AuditEntry.objects.exists()


def test_a_model_without_a_table_allows_nothing_by_default(reza, nasrin):
    with pytest.raises(InvalidTransition):
        transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, field="role")


def test_a_single_state_given_as_a_string_means_that_state(reza, nasrin):
    transition(
        User,
        pk=reza.pk,
        to=Role.NATIONAL_ADMIN,
        actor=nasrin,
        field="role",
        allowed_from="office_operator",
    )
    reza.refresh_from_db()
    assert reza.role == Role.NATIONAL_ADMIN


def test_a_single_state_in_the_table_may_be_written_as_a_string(monkeypatch, reza, nasrin):
    monkeypatch.setattr(
        User, "TRANSITIONS", {Role.NATIONAL_ADMIN: "office_operator"}, raising=False
    )
    transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, field="role")
    assert AuditEntry.objects.get().to_state == "national_admin"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_move_make_it_once(reza, nasrin):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move() -> None:
        try:
            barrier.wait()
            transition(User, pk=reza.pk, to=Role.NATIONAL_ADMIN, actor=nasrin, **PROMOTE)
            outcomes.append("moved")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    workers = [threading.Thread(target=move) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["moved", "refused"]
    assert AuditEntry.objects.filter(action="user.national_admin").count() == 1
