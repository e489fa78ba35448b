"""The application's status groups, written once in applications.models, fit together."""

from hoviat.applications.models import (
    AWAITING_CARD_STATUSES,
    BEFORE_ENROLMENT_STATUSES,
    BEFORE_PRODUCTION_STATUSES,
    CARD_UNDER_WAY_STATUSES,
    CLOSED_STATUSES,
    FEE_PAID_STATUSES,
    OPEN_STATUSES,
    SIDE_EXIT_STATUSES,
    ApplicationStatus,
)

EVERY = frozenset(ApplicationStatus)


def test_every_status_is_before_enrolment_awaiting_its_card_or_closed_and_only_one():
    groups = (BEFORE_ENROLMENT_STATUSES, AWAITING_CARD_STATUSES, CLOSED_STATUSES)
    assert frozenset().union(*groups) == EVERY
    assert sum(len(group) for group in groups) == len(EVERY)


def test_open_is_everything_that_is_not_closed():
    assert OPEN_STATUSES == BEFORE_ENROLMENT_STATUSES | AWAITING_CARD_STATUSES
    assert SIDE_EXIT_STATUSES | {ApplicationStatus.DELIVERED} == CLOSED_STATUSES


def test_an_application_is_in_production_or_before_it_once_enrolled():
    assert BEFORE_PRODUCTION_STATUSES | CARD_UNDER_WAY_STATUSES == OPEN_STATUSES


def test_the_fee_is_paid_on_the_way_to_the_card_but_not_before_payment_nor_on_a_side_exit():
    unpaid_or_ended = SIDE_EXIT_STATUSES | {ApplicationStatus.PRE_REGISTERED}
    assert EVERY - unpaid_or_ended == FEE_PAID_STATUSES
