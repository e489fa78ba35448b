"""Errors of the enrolment: stable codes, Persian text."""

from __future__ import annotations

from hoviat.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed


class EnrolmentNotFound(NotFound):
    # The same answer for "no such enrolment" and "another office's enrolment": an operator
    # learns nothing about other offices by guessing.
    code = "ENROLMENT_NOT_FOUND"
    default_detail = "ثبت‌نامی با این مشخصات در دفتر شما یافت نشد."


class ApplicationNotFound(NotFound):
    code = "APPLICATION_NOT_FOUND"
    default_detail = "درخواستی با این کد رهگیری یا کد ملی یافت نشد."


class OperatorRequired(AccessDenied):
    code = "OFFICE_OPERATOR_REQUIRED"
    default_detail = "این کار تنها از کارگزار دفتر ساخته است."


class ApplicationNotEnrollable(Conflict):
    code = "APPLICATION_NOT_ENROLLABLE"
    default_detail = "این درخواست در وضعیتی نیست که ثبت‌نام حضوری شود."


class EnrolmentExists(Conflict):
    code = "ENROLMENT_EXISTS"
    default_detail = "ثبت‌نام حضوری این درخواست پیش‌تر انجام شده است."


class EnrolmentInProgressElsewhere(Conflict):
    code = "ENROLMENT_IN_PROGRESS_ELSEWHERE"
    default_detail = (
        "ثبت‌نام حضوری این درخواست امروز در دفتر دیگری آغاز شده است؛ "
        "تا آن دفتر آن را رها نکند، در اینجا آغاز نمی‌شود."
    )


class EnrolmentNotInProgress(Conflict):
    code = "ENROLMENT_NOT_IN_PROGRESS"
    default_detail = "این ثبت‌نام دیگر باز نیست."


class NoAppointmentToday(Conflict):
    code = "NO_APPOINTMENT_TODAY"
    default_detail = "این درخواست امروز در این دفتر نوبت ندارد."


class WalkInNoRoom(Conflict):
    code = "WALK_IN_NO_ROOM"
    default_detail = "امروز در این دفتر نوبت خالی برای مراجعهٔ بدون نوبت نمانده است."


class EnrolmentIncomplete(ValidationFailed):
    code = "ENROLMENT_INCOMPLETE"
    default_detail = "ثبت‌نام هنوز کامل نیست."


class ReceiptNotFound(NotFound):
    code = "RECEIPT_NOT_FOUND"
    default_detail = "رسیدی با این شماره در دفتر شما یافت نشد."


class ReceiptNotReissuable(Conflict):
    code = "RECEIPT_NOT_REISSUABLE"
    default_detail = "برای این درخواست رسید تازه صادر نمی‌شود."
