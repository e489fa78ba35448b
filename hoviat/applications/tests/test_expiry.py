import datetime as dt

import pytest
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import Application
from hoviat.applications.services import applications_expire_unpaid
from hoviat.core.tests.factories import audit_log_holds
from hoviat.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db


def _application(citizen, *, age_days, status="pre_registered"):
    application = Application.objects.create(
        tracking_code=tracking_code_new(),
        citizen=citizen,
        kind="first",
        fee_rials=1,
        mobile=citizen.mobile,
        status=status,
    )
    Application.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return application


def test_a_pre_registration_left_unpaid_for_thirty_days_expires_with_an_sms(sara):
    application = _application(sara, age_days=31)

    assert applications_expire_unpaid() == 1

    application.refresh_from_db()
    assert application.status == "expired"
    assert application.closed_at is not None
    assert SmsMessage.objects.filter(kind="pre_registration_expired", to=sara.mobile).exists()
    assert audit_log_holds()


def test_a_recent_or_paid_application_is_left_alone(sara, bushehr_city):
    from hoviat.registry.tests.factories import CitizenFactory

    recent = _application(sara, age_days=3)
    other = CitizenFactory(residence_city=bushehr_city, issuing_county=bushehr_city.county)
    paid = _application(other, age_days=40, status="paid")

    assert applications_expire_unpaid() == 0
    recent.refresh_from_db()
    paid.refresh_from_db()
    assert (recent.status, paid.status) == ("pre_registered", "paid")


def test_running_the_sweep_twice_expires_once(sara):
    _application(sara, age_days=31)
    assert applications_expire_unpaid() == 1
    assert applications_expire_unpaid() == 0
    assert SmsMessage.objects.filter(kind="pre_registration_expired").count() == 1
