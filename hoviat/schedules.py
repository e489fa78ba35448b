"""Every periodic job in one place. Each calls one service; each is also a `hoviat` command.

Project wiring like urls.py: it imports every app, so it is loaded last, by the project's own
AppConfig (hoviat/apps.py, last in INSTALLED_APPS), never by an app.
"""

import contextlib
import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from hoviat.applications.services import applications_expire_unpaid
from hoviat.booking.services import bookings_sweep, slots_generate_all
from hoviat.citizenship.services import inquiries_overdue_flag
from hoviat.core.audit_tree import audit_checkpoint
from hoviat.core.errors import DomainError
from hoviat.core.jalali import today_local
from hoviat.delivery.services import applications_release_prepared
from hoviat.delivery.sweeps import delivery_sweep
from hoviat.enrolment.services import biometric_orphans_sweep
from hoviat.inquiry.services import challenges_sweep, inquiry_log_seal
from hoviat.inquiry.signing import signing_key_rotate_if_due
from hoviat.notifications.services import sms_outbox_sweep
from hoviat.payments.services import payments_abandon_sweep
from hoviat.pki.services import crl_publish_if_due, receipt_key_rotate_if_due
from hoviat.planning.services import planning_nightly
from hoviat.production.services import production_run
from hoviat.reports.services import reports_refresh
from hoviat.selfservice.digest import inquiry_digests_send


@db_periodic_task(crontab(minute="*"))
def sms_outbox_sweep_every_minute() -> None:
    sms_outbox_sweep()


@db_periodic_task(crontab(hour="10", minute="0"))
def inquiry_digests_send_daily() -> None:
    # Daily: the first run of a Jalali month sends last month's summaries, the others find
    # everyone already summarised (one SMS a month per opted-in holder).
    inquiry_digests_send()


@db_periodic_task(crontab(minute="*/5"))
def payments_abandon_sweep_every_five_minutes() -> None:
    payments_abandon_sweep(older_than_minutes=30)


@db_periodic_task(crontab(hour="3", minute="15"))
def receipt_key_rotate_if_due_daily() -> None:
    receipt_key_rotate_if_due(within=dt.timedelta(days=30))


@db_periodic_task(crontab(hour="4", minute="30"))
def biometric_orphans_sweep_daily() -> None:
    biometric_orphans_sweep(older_than=dt.timedelta(hours=1))


@db_periodic_task(crontab(minute="20"))
def crl_publish_if_due_hourly() -> None:
    crl_publish_if_due(within=dt.timedelta(hours=12))


@db_periodic_task(crontab(hour="1", minute="0"))
def production_run_nightly() -> None:
    # No stock, capacity used or a run in progress: nothing to do tonight.
    with contextlib.suppress(DomainError):
        production_run(date=today_local(), actor=None)


@db_periodic_task(crontab(minute="*"))
def bookings_sweep_every_minute() -> None:
    # Holds last 10 minutes: a lapsed seat goes back within a minute of lapsing.
    bookings_sweep()


@db_periodic_task(crontab(hour="0", minute="30"))
def slots_generate_daily() -> None:
    slots_generate_all()


@db_periodic_task(crontab(hour="6", minute="5"))
def citizenship_overdue_flag_daily() -> None:
    # Due dates are whole days: once a morning, before the directors' working day.
    inquiries_overdue_flag()


@db_periodic_task(crontab(hour="2", minute="10"))
def applications_expire_unpaid_daily() -> None:
    applications_expire_unpaid()


@db_periodic_task(crontab(minute="*"))
def inquiry_log_seal_every_minute() -> None:
    while inquiry_log_seal() is not None:
        pass


@db_periodic_task(crontab(minute="40"))
def inquiry_challenges_sweep_hourly() -> None:
    challenges_sweep()


@db_periodic_task(crontab(hour="3", minute="25"))
def inquiry_signing_key_rotate_if_due_daily() -> None:
    signing_key_rotate_if_due(within=dt.timedelta(days=30))


@db_periodic_task(crontab(hour="2", minute="40"))
def delivery_sweep_daily() -> None:
    delivery_sweep()  # voids, reminders, destructions, expiries


@db_periodic_task(crontab(hour="3", minute="5"))
def planning_nightly_daily() -> None:
    # After the night's production run: outcomes of the cards that became ready, then every
    # open promise re-forecast (a slip beyond HOVIAT_PLANNING_SLIP_DAYS told once by SMS).
    planning_nightly()


@db_periodic_task(crontab(minute="*"))
def replacements_release_every_minute() -> None:
    applications_release_prepared()


@db_periodic_task(crontab(minute="*/10"))
def reports_refresh_every_ten_minutes() -> None:
    reports_refresh()


@db_periodic_task(crontab(hour="3", minute="50"))
def reports_refresh_full_nightly() -> None:
    reports_refresh(full=True)


@db_task()
def audit_sequence_tick() -> None:
    audit_checkpoint()


@db_periodic_task(crontab(minute="*"))
def audit_sequence_every_few_seconds() -> None:
    """The audit log's sequencer and checkpoint now, and every AUDIT_SEQUENCE_SECONDS until the
    next minute (delayed tasks, so no worker thread waits in between). Two at once do no harm:
    the tree's row lock makes the second find nothing new."""
    audit_checkpoint()
    step = settings.AUDIT_SEQUENCE_SECONDS
    for delay in range(step, 60, step):
        audit_sequence_tick.schedule(delay=delay)
