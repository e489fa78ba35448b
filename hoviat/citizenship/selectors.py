"""Reads of citizenship cases, and who may see or act on them."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from hoviat.citizenship.models import (
    REQUIRED_AGENCIES,
    REQUIRED_DOCUMENTS,
    Case,
    Function,
    Inquiry,
    InquiryStatus,
    Post,
)
from hoviat.core.errors import NotFound
from hoviat.core.jalali import today_local
from hoviat.core.permissions import director_province, is_national_admin, is_signed_in


def post_counties(user: Any, *functions: str) -> set[int]:
    """The counties where an active member of staff holds one of these functions (any, if
    none is named)."""
    if not is_signed_in(user):
        return set()
    posts = Post.objects.filter(user=user)
    if functions:
        posts = posts.filter(function__in=functions)
    return set(posts.values_list("county_id", flat=True))


def holds_post(user: Any, *, county_id: int, function: str) -> bool:
    return county_id in post_counties(user, function)


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Every case a member of staff may see: all for a national admin, the province's for its
    director, the counties where they hold a post for everyone else."""
    cases = Case.objects.select_related("residence_county", "birth_county")
    if is_national_admin(user):
        return cases
    province = director_province(user)
    if province is not None:
        return cases.filter(residence_county__province_id=province)
    return cases.filter(residence_county_id__in=post_counties(user))


def access_case_for(user: Any, *, case_number: str) -> Case:
    """The case if this member of staff may see it; otherwise NOT_FOUND (a case of another
    county is not even said to exist)."""
    case = cases_visible_to(user).filter(case_number=case_number).first()
    if case is None:
        raise NotFound("پرونده‌ای با این شماره یافت نشد.", code="CASE_NOT_FOUND")
    return case


def access_case_for_citizen(*, mobile: str, case_number: str) -> Case:
    """The applicant's own case (filed with their mobile); otherwise NOT_FOUND."""
    case = (
        Case.objects.select_related("residence_county", "birth_county")
        .filter(case_number=case_number, mobile=mobile)
        .first()
    )
    if case is None:
        raise NotFound("پرونده‌ای با این شماره یافت نشد.", code="CASE_NOT_FOUND")
    return case


def case_by_number(*, case_number: str) -> Case:
    case = Case.objects.select_related("residence_county").filter(case_number=case_number).first()
    if case is None:
        raise NotFound("پرونده‌ای با این شماره یافت نشد.", code="CASE_NOT_FOUND")
    return case


def documents_missing(case: Case) -> list[str]:
    """The kinds the case's basis requires and it does not hold yet, in checklist order."""
    held = set(case.documents.values_list("kind", flat=True))
    return [kind for kind in REQUIRED_DOCUMENTS[case.basis] if kind not in held]


def inquiries_pending(case: Case) -> list[str]:
    """The agencies whose answer the council still waits for: police and security must have
    answered; a forensic test, once ordered, too."""
    answered = set(
        case.inquiries.filter(status=InquiryStatus.ANSWERED).values_list("agency", flat=True)
    )
    waiting = set(
        case.inquiries.filter(status=InquiryStatus.ORDERED).values_list("agency", flat=True)
    )
    pending: list[str] = [agency for agency in REQUIRED_AGENCIES if agency not in answered]
    pending += sorted(a for a in waiting if a not in pending)
    return pending


def overdue_inquiries(user: Any) -> QuerySet[Inquiry]:
    """Inquiries still unanswered past their due date, of the cases this user may see."""
    return (
        Inquiry.objects.filter(
            status=InquiryStatus.ORDERED,
            due_on__lt=today_local(),
            case__in=cases_visible_to(user).values("pk"),
        )
        .select_related("case", "case__residence_county")
        .order_by("due_on", "pk")
    )


def cases_list(
    user: Any,
    *,
    county: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[Case]:
    cases = cases_visible_to(user)
    if county is not None:
        cases = cases.filter(residence_county_id=county)
    if status:
        cases = cases.filter(status=status)
    if overdue is not None:
        late = Inquiry.objects.filter(
            case=OuterRef("pk"), status=InquiryStatus.ORDERED, due_on__lt=today_local()
        )
        cases = cases.filter(Exists(late)) if overdue else cases.exclude(Exists(late))
    return cases.order_by("-created_at", "-pk")


def may_file_in(user: Any, *, county_id: int) -> bool:
    return holds_post(user, county_id=county_id, function=Function.CASE_OFFICER)
