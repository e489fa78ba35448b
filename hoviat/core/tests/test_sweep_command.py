import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application
from hoviat.booking.models import Booking, Slot


@pytest.mark.django_db
def test_hoviat_sweep_runs_every_apps_sweep_and_says_what_each_did(sara, bushehr_post_office):
    now = timezone.now()
    slot = Slot.objects.create(
        office=bushehr_post_office,
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, minutes=15),
        date=(now + dt.timedelta(days=1)).date(),
        capacity=2,
        taken=1,
    )
    application = Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=sara,
        kind="first",
        fee_rials=1,
        mobile=sara.mobile,
    )
    Booking.objects.create(
        application=application,
        slot=slot,
        status="held",
        hold_expires_at=now - dt.timedelta(minutes=1),
    )
    out = StringIO()

    call_command("sweep", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "notifications",
        "citizenship",  # overdue inquiries flagged to the provincial directors
        "applications",
        "booking",
        "payments",
        "delivery",
        "inquiry",
        "selfservice",
        "reports",
        "planning",
        "audit",  # last: the sweeps' own rows are in the checkpoint
    ]
    assert "holds released: 1" in out.getvalue()
    slot.refresh_from_db()
    assert slot.taken == 0
