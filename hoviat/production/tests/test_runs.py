from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from django.db import connection

from hoviat.applications.models import Application
from hoviat.core.errors import ValidationFailed
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.production import services
from hoviat.production.models import (
    Card,
    CardBodyLedger,
    CardStatus,
    PersonalisationRun,
    RunStatus,
)
from hoviat.production.numbers import crn_is_valid
from hoviat.production.selectors import queue_applications, queue_position, stock_current
from hoviat.production.services import (
    ApplicationNotEnrolled,
    DailyCapacityReached,
    NoCardBodies,
    RunInProgress,
    production_run,
    production_run_start,
    stock_deliver,
)
from hoviat.production.tests.conftest import RUN_DATE, enrolled


@pytest.fixture
def queue_of_five(bushehr_post_office, reza):
    return enrolled(bushehr_post_office, reza, n=5)


def statuses(apps):
    return [Application.objects.get(pk=a.pk).status for a in apps]


def test_a_run_personalises_the_oldest_applications_up_to_the_daily_capacity(
    pki, kaveh, queue_of_five, production_settings
):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    services.capacity_set(daily_capacity=3, actor=kaveh)
    run = production_run(date=RUN_DATE, actor=kaveh)
    assert (run.status, run.personalised, run.qc_failed) == ("completed", 3, 0)
    assert statuses(queue_of_five) == ["produced"] * 3 + ["enrolled"] * 2
    cards = list(Card.objects.order_by("csn"))
    assert [c.application_id for c in cards] == [a.pk for a in queue_of_five[:3]]
    assert all(crn_is_valid(c.crn) for c in cards)
    assert cards[0].expires_on.year == RUN_DATE.year + 7
    assert "1234" not in str(cards[0].pin_hashes)
    assert pki.issued[0]["fingerprint_sha256"] == {"1": "a" * 64}
    assert stock_current() == 97
    assert audit_log_holds()


def test_a_second_run_the_same_day_only_uses_the_capacity_left(pki, kaveh, queue_of_five):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    services.capacity_set(daily_capacity=3, actor=kaveh)
    production_run(date=RUN_DATE, actor=kaveh)
    with pytest.raises(DailyCapacityReached):
        production_run(date=RUN_DATE, actor=kaveh)
    services.capacity_set(daily_capacity=4, actor=kaveh)
    assert production_run(date=RUN_DATE, actor=kaveh).personalised == 1


def test_a_run_stops_when_the_card_bodies_run_out_and_the_queue_says_why(pki, kaveh, queue_of_five):
    stock_deliver(quantity=2, lot="L1", actor=kaveh)
    run = production_run(date=RUN_DATE, actor=kaveh)
    assert run.personalised == 2
    assert stock_current() == 0
    from hoviat.production.selectors import application_production_eta, queue_summary

    eta = application_production_eta(application=Application.objects.get(pk=queue_of_five[2].pk))
    assert eta.date is None and eta.reason == "کمبود بدنه کارت"
    assert "کمبود بدنه کارت" in queue_summary().stopped_reason


def test_it_refuses_a_run_with_no_card_bodies(pki, kaveh, queue_of_five):
    with pytest.raises(NoCardBodies) as caught:
        production_run(date=RUN_DATE, actor=kaveh)
    assert caught.value.code == "NO_CARD_BODIES"
    assert not Card.objects.exists()


def test_it_refuses_to_personalise_an_application_that_is_not_enrolled(pki, kaveh, queue_of_five):
    stock_deliver(quantity=10, lot="L1", actor=kaveh)
    Application.objects.filter(pk=queue_of_five[0].pk).update(status="booked")
    codes = [queue_of_five[0].tracking_code, queue_of_five[1].tracking_code]
    with pytest.raises(ApplicationNotEnrolled) as caught:
        production_run(date=RUN_DATE, actor=kaveh, tracking_codes=codes)
    assert caught.value.extra["tracking_codes"] == [queue_of_five[0].tracking_code]
    run = production_run(date=RUN_DATE, actor=kaveh, tracking_codes=codes[1:])
    assert list(Card.objects.values_list("application_id", flat=True)) == [queue_of_five[1].pk]
    assert run.personalised == 1


def test_a_card_failing_qc_is_spoiled_and_its_application_keeps_its_place(
    pki, kaveh, queue_of_five, monkeypatch
):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    services.capacity_set(daily_capacity=2, actor=kaveh)
    first = queue_of_five[0]
    monkeypatch.setattr(services, "qc_passes", lambda card: card.application_id != first.pk)
    run = production_run(date=RUN_DATE, actor=kaveh)
    assert (run.personalised, run.qc_failed) == (1, 1)
    failed = Card.objects.get(application=first)
    assert failed.status == CardStatus.QC_FAILED
    assert pki.revoked == [failed.csn]
    assert queue_position(application=Application.objects.get(pk=first.pk)) == 1
    kinds = dict(CardBodyLedger.objects.filter(run=run).values_list("kind", "quantity"))
    assert kinds == {"consumption": -1, "spoilage": -1}
    assert AuditEntry.objects.filter(
        action="application.requeued", object_id=str(first.pk)
    ).exists()
    # The next day it is made again, first, with new numbers.
    monkeypatch.setattr(services, "qc_passes", lambda card: True)
    import datetime as dt

    production_run(date=RUN_DATE + dt.timedelta(days=1), actor=kaveh)
    again = Card.objects.filter(application=first, status="personalised").get()
    assert again.csn != failed.csn and again.crn != failed.crn


def test_a_run_killed_mid_way_and_run_again_duplicates_nothing_and_loses_nothing(
    pki, kaveh, queue_of_five, monkeypatch
):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    real = services._batch_personalise
    calls = {"n": 0}

    def dies_in_the_second_batch(run, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            pki.card_personalise(csn="x", crn="x")  # some of the batch's work is done …
            raise RuntimeError("killed")  # … and then the process dies
        return real(run, **kwargs)

    monkeypatch.setattr(services, "_batch_personalise", dies_in_the_second_batch)
    with pytest.raises(RuntimeError):
        production_run(date=RUN_DATE, actor=kaveh)
    assert PersonalisationRun.objects.get().status == RunStatus.FAILED
    assert Card.objects.count() == 2  # the first batch (of two) was committed
    assert stock_current() == 98
    monkeypatch.setattr(services, "_batch_personalise", real)
    production_run(date=RUN_DATE, actor=kaveh)
    cards = Card.objects.all()
    assert cards.count() == 5
    assert sorted(c.application_id for c in cards) == sorted(a.pk for a in queue_of_five)
    assert len({c.csn for c in cards}) == len({c.crn for c in cards}) == 5
    assert set(statuses(queue_of_five)) == {"produced"}
    assert stock_current() == 95


def test_a_run_whose_process_vanished_is_marked_interrupted_by_the_next(
    pki, kaveh, queue_of_five, settings
):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    stale = production_run_start(date=RUN_DATE, actor=kaveh)  # never executed: "killed"
    with pytest.raises(RunInProgress):
        production_run_start(date=RUN_DATE, actor=kaveh)
    settings.PRODUCTION_RUN_STALE_SECONDS = 0
    run = production_run(date=RUN_DATE, actor=kaveh)
    assert PersonalisationRun.objects.get(pk=stale.pk).status == RunStatus.INTERRUPTED
    assert run.personalised == 5


def test_a_second_run_while_one_is_running_is_refused(pki, kaveh, queue_of_five):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    production_run_start(date=RUN_DATE, actor=kaveh)
    with pytest.raises(RunInProgress) as caught:
        production_run_start(date=RUN_DATE, actor=kaveh)
    assert caught.value.status == 409


@pytest.mark.parametrize("quantity", [-5, 0, 2.5, "10", True, None])
def test_it_refuses_a_delivery_that_is_not_a_positive_whole_number(kaveh, quantity):
    with pytest.raises(ValidationFailed) as caught:
        stock_deliver(quantity=quantity, lot="L1", actor=kaveh)
    assert caught.value.code == "STOCK_QUANTITY_INVALID"
    assert stock_current() == 0


def test_priority_classes_put_defective_replacements_first(pki, kaveh, bushehr_post_office, reza):
    firsts = enrolled(bushehr_post_office, reza, n=2)
    import datetime as dt

    from django.utils import timezone

    late = timezone.now() - dt.timedelta(days=1)
    replacement = enrolled(bushehr_post_office, reza, kind="replacement", start=late)[0]
    defective = enrolled(bushehr_post_office, reza, start=late)[0]
    services.queue_priority_set(
        application_id=defective.pk, priority=0, reason="کارت قبلی معیوب بود", actor=kaveh
    )
    order = list(queue_applications().values_list("pk", flat=True))
    assert order == [defective.pk, replacement.pk, firsts[0].pk, firsts[1].pk]
    assert queue_position(application=firsts[1]) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_never_issue_two_cards_for_one_application(
    pki, kaveh, bushehr_post_office, reza
):
    apps = enrolled(bushehr_post_office, reza, n=12)
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(production_run(date=RUN_DATE, actor=kaveh).status)
        except RunInProgress:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["completed", "refused"], ["completed", "completed"])
    cards = list(Card.objects.values_list("application_id", "csn", "crn"))
    assert len(cards) == 12
    assert len({c[0] for c in cards}) == len({c[1] for c in cards}) == 12
    assert set(statuses(apps)) == {"produced"}
    assert stock_current() == 88


def test_a_run_with_the_real_pki_certifies_the_crn_and_revokes_a_spoiled_card(
    kaveh, bushehr_post_office, reza, monkeypatch, tmp_path, settings
):
    from hoviat.pki import services as pki

    settings.CHIP_STORE_KEY = "test-chip-key"
    pki.ca_init()
    apps = enrolled(bushehr_post_office, reza, n=3)
    stock_deliver(quantity=10, lot="L1", actor=kaveh)
    monkeypatch.setattr(services, "qc_passes", lambda card: card.application_id != apps[0].pk)
    run = production_run(date=RUN_DATE, actor=kaveh)
    assert (run.personalised, run.qc_failed) == (2, 1)
    spoiled = Card.objects.get(status=CardStatus.QC_FAILED)
    states = {c.status for c in pki.card_certificates_status(csn=spoiled.csn).certificates}
    assert states == {"revoked"}
    good = Card.objects.filter(status=CardStatus.PERSONALISED).first()
    states = {c.status for c in pki.card_certificates_status(csn=good.csn).certificates}
    assert states == {"good"}


def _picked_up_by_a_worker(run: PersonalisationRun) -> None:
    """What the worker does when it takes the run, without holding the lock after: a crash."""
    PersonalisationRun.objects.filter(pk=run.pk).update(
        heartbeat_at=run.started_at + dt.timedelta(seconds=1)
    )


@pytest.mark.postgres
def test_a_run_whose_process_died_does_not_block_the_next_one_for_a_moment(
    pki, kaveh, queue_of_five
):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    crashed = production_run_start(date=RUN_DATE, actor=kaveh)
    _picked_up_by_a_worker(crashed)  # then the process died: nobody holds its lock

    run = production_run(date=RUN_DATE, actor=kaveh)

    dead = PersonalisationRun.objects.get(pk=crashed.pk)
    assert dead.status == RunStatus.FAILED
    assert "از کار افتاد" in dead.stop_reason
    assert run.personalised == 5
    assert AuditEntry.objects.filter(object_id=str(crashed.pk), to_state=RunStatus.FAILED).exists()


@pytest.mark.postgres
def test_a_run_whose_process_holds_its_lock_still_blocks_the_next_one(pki, kaveh, queue_of_five):
    stock_deliver(quantity=100, lot="L1", actor=kaveh)
    running = production_run_start(date=RUN_DATE, actor=kaveh)
    _picked_up_by_a_worker(running)
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", [services._RUN_LOCK_SPACE, running.pk])

        with pytest.raises(RunInProgress):
            production_run_start(date=RUN_DATE, actor=kaveh)

    assert PersonalisationRun.objects.get(pk=running.pk).status == RunStatus.RUNNING
