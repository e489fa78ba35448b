"""The monthly SMS summary of inquiries, for holders who asked for it (opt-in on /me/).

Months are Jalali, in Tehran time: on the first days of Azar the holders who opted in before
Azar get Aban's summary. The sweep may run daily and in several processes: inquiry's claim
marks each holder summarised for the month in the same transaction as their SMS, so each gets
one message a month.
"""

from __future__ import annotations

import datetime as dt

import jdatetime
from django.db import transaction
from django.utils import timezone

from hoviat.core.jalali import MONTHS, today_local
from hoviat.core.text import persian_digits
from hoviat.inquiry.services import holder_digests_claim
from hoviat.notifications.services import SmsOut, sms_queue_many
from hoviat.selfservice.history import holder_month_summary

BATCH = 500


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _last_month(today: dt.date) -> tuple[dt.date, dt.date, str]:
    """The Jalali month before today's: its first day, the first day of this month, its name."""
    j = jdatetime.date.fromgregorian(date=today)
    year, month = (j.year - 1, 12) if j.month == 1 else (j.year, j.month - 1)
    start = jdatetime.date(year, month, 1).togregorian()
    end = jdatetime.date(j.year, j.month, 1).togregorian()
    return start, end, f"{MONTHS[month - 1]} {persian_digits(year)}"


def inquiry_digests_send(*, today: dt.date | None = None) -> int:
    """Queue last month's summary for every opted-in holder not yet sent it; returns how many."""
    start, end, name = _last_month(today or today_local())
    since, until = _midnight(start), _midnight(end)
    sent = 0
    while True:
        with transaction.atomic():
            claimed = holder_digests_claim(month=start, opted_in_before=until, limit=BATCH)
            if not claimed:
                return sent
            some, none = [], []
            for subject, mobile in claimed:
                summary = holder_month_summary(subject_hash=subject, start=since, end=until)
                if summary.count:
                    params = {
                        "month": name,
                        "count": summary.count,
                        "partners": "، ".join(summary.partners),
                        "locked": summary.locked,
                    }
                    some.append(SmsOut(to=mobile, params=params))
                else:
                    none.append(SmsOut(to=mobile, params={"month": name}))
            sms_queue_many(template="inquiry_digest", messages=some)
            sms_queue_many(template="inquiry_digest_none", messages=none)
            sent += len(claimed)
