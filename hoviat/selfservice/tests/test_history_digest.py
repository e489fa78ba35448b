"""The monthly SMS summary: only for holders who asked, one a month, last Jalali month's
inquiries counted."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from hoviat.core.audit import Actor
from hoviat.inquiry.models import InquiryLog
from hoviat.inquiry.services import holder_digest_set, subject_hash
from hoviat.notifications.models import SmsMessage
from hoviat.selfservice.digest import inquiry_digests_send
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

SARA = "0499370899"
AZAR_3 = dt.date(2026, 11, 24)  # 3 Azar 1405: Aban 1405 is 23 Oct .. 21 Nov 2026
ME = Actor("citizen", "4567", "citizen")


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def logged(partner, when: dt.datetime, national_code: str = SARA, reason: str = "") -> None:
    InquiryLog.objects.create(
        inquiry_id=uuid.uuid4(),
        at=when,
        partner=partner,
        key_prefix="test",
        endpoint="card",
        purpose="LOAN",
        result="invalid" if reason else "valid",
        reason_code=reason,
        subject_hash=subject_hash(national_code),
    )


def opt_in(national_code: str, mobile: str, when: dt.datetime) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        holder_digest_set(
            subject_hash=subject_hash(national_code), mobile=mobile, on=True, actor=ME
        )


def test_an_opted_in_holder_gets_last_months_count_once(db):
    melli, mellat = PartnerFactory(name="بانک ملی"), PartnerFactory(name="بانک ملت")
    opt_in(SARA, "09171234567", at(dt.date(2026, 10, 1)))
    logged(melli, at(dt.date(2026, 10, 22)))  # 30 Mehr: the month before
    logged(melli, at(dt.date(2026, 10, 23), hour=1))  # 1 Aban, just after midnight in Tehran
    logged(melli, at(dt.date(2026, 11, 2)))
    logged(mellat, at(dt.date(2026, 11, 20)), reason="LOCKED_BY_HOLDER")
    logged(melli, at(dt.date(2026, 11, 22)))  # 1 Azar: this month
    logged(melli, at(dt.date(2026, 11, 2)), national_code="0012345679")  # someone else

    assert inquiry_digests_send(today=AZAR_3) == 1
    assert inquiry_digests_send(today=AZAR_3 + dt.timedelta(days=1)) == 0

    (sms,) = SmsMessage.objects.filter(to="09171234567")
    assert sms.kind == "inquiry_digest"
    assert "آبان ۱۴۰۵" in sms.body and "۳ بار" in sms.body
    assert "بانک ملی، بانک ملت" in sms.body and "۱ بار قفل" in sms.body


def test_a_month_without_inquiries_says_so_and_nobody_else_is_sent_anything(db):
    opt_in(SARA, "09171234567", at(dt.date(2026, 10, 1)))
    opt_in("0012345679", "09350000000", at(dt.date(2026, 11, 23)))  # opted in this month

    assert inquiry_digests_send(today=AZAR_3) == 1

    (sms,) = SmsMessage.objects.all()
    assert sms.to == "09171234567" and "هیچ بانک" in sms.body


def test_opting_out_stops_the_summary(db):
    opt_in(SARA, "09171234567", at(dt.date(2026, 10, 1)))
    holder_digest_set(subject_hash=subject_hash(SARA), mobile="09171234567", on=False, actor=ME)

    assert inquiry_digests_send(today=AZAR_3) == 0
    assert not SmsMessage.objects.exists()
