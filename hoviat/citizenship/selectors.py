"""Reads of citizenship cases, and who may see or act on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hoviat.citizenship.models import (
    OPEN_STATUSES,
    REQUIRED_AGENCIES,
    REQUIRED_DOCUMENTS,
    WAITING_INQUIRY_STATUSES,
    Case,
    DecisionLetter,
    DuplicateStatus,
    FamilyMember,
    Function,
    Inquiry,
    InquiryStatus,
    PossibleDuplicate,
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
        case.inquiries.filter(status__in=WAITING_INQUIRY_STATUSES).values_list("agency", flat=True)
    )
    pending: list[str] = [agency for agency in REQUIRED_AGENCIES if agency not in answered]
    pending += sorted(a for a in waiting if a not in pending)
    return pending


def overdue_inquiries(user: Any) -> QuerySet[Inquiry]:
    """Inquiries still unanswered past their due date, of the cases this user may see."""
    return overdue_inquiries_for(user=user)


def overdue_inquiries_for(*, user: Any) -> QuerySet[Inquiry]:
    """The overdue list for a page: inquiries still unanswered past their due date, of the
    cases this user may see (a provincial director: the province's), longest overdue first,
    with the case, its county and province at hand. `overdue_flagged_at` says when the sweep
    (services.inquiries_overdue_flag) flagged each to the director; None until it runs."""
    return (
        Inquiry.objects.filter(
            status__in=WAITING_INQUIRY_STATUSES,
            due_on__lt=today_local(),
            case__in=cases_visible_to(user).values("pk"),
        )
        .select_related("case", "case__residence_county", "case__residence_county__province")
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
            case=OuterRef("pk"), status__in=WAITING_INQUIRY_STATUSES, due_on__lt=today_local()
        )
        cases = cases.filter(Exists(late)) if overdue else cases.exclude(Exists(late))
    return cases.order_by("-created_at", "-pk")


def may_see_cases(user: Any) -> bool:
    """A national admin, a provincial director, or staff with a citizenship post."""
    return (
        is_national_admin(user) or director_province(user) is not None or bool(post_counties(user))
    )


def may_file_in(user: Any, *, county_id: int) -> bool:
    return holds_post(user, county_id=county_id, function=Function.CASE_OFFICER)


def duplicates_unresolved(case: Case) -> list[int]:
    """The ids of the possible duplicates still open that name this case, on either side:
    while any is, the case does not go to the council."""
    return list(
        PossibleDuplicate.objects.filter(
            Q(case=case) | Q(other_case=case), status=DuplicateStatus.OPEN
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def linked_registrations(case: Case) -> list[str]:
    """The national codes this case's applicant already holds, by the officers' links: an
    enrolled citizen linked to the case, or the person registered by a linked case (on either
    side). Approving the case would give them a second code."""
    codes: set[str] = set()
    linked = PossibleDuplicate.objects.filter(
        Q(case=case) | Q(other_case=case), status=DuplicateStatus.LINKED
    ).select_related("citizen", "case__citizen", "other_case__citizen")
    for duplicate in linked:
        if duplicate.citizen is not None:
            codes.add(duplicate.citizen.national_code)
        other = duplicate.other_case if duplicate.case_id == case.pk else duplicate.case
        if other is not None and other.citizen is not None:
            codes.add(other.citizen.national_code)
    return sorted(codes)


def possible_duplicates_for(user: Any, *, status: str | None = DuplicateStatus.OPEN):
    """The review queue: possible duplicates naming a case (on either side) in a county where
    this member of staff is a case officer, oldest first (all states with status=None)."""
    counties = post_counties(user, Function.CASE_OFFICER)
    rows = PossibleDuplicate.objects.filter(
        Q(case__residence_county_id__in=counties) | Q(other_case__residence_county_id__in=counties)
    )
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("case", "other_case", "citizen").order_by("found_at", "pk")


def access_duplicate_for(user: Any, *, duplicate_id: int) -> PossibleDuplicate:
    """A possible duplicate of a case in the officer's own county; otherwise NOT_FOUND."""
    duplicate = possible_duplicates_for(user, status=None).filter(pk=duplicate_id).first()
    if duplicate is None:
        raise NotFound("این مورد در صف بررسی شما نیست.", code="DUPLICATE_NOT_FOUND")
    return duplicate


def decision_letter_latest(*, case: Case) -> DecisionLetter:
    """The letter of the case's newest decision (the one that stands); LETTER_NOT_FOUND
    before any decision. The caller has already fetched the case through an access check."""
    letter = (
        DecisionLetter.objects.select_related("case", "case__residence_county", "case__citizen")
        .filter(case=case)
        .order_by("-issued_at", "-pk")
        .first()
    )
    if letter is None:
        raise NotFound("برای این پرونده هنوز نامهٔ تصمیمی صادر نشده است.", code="LETTER_NOT_FOUND")
    return letter


def decision_letter_url(case: Case) -> str:
    return f"/api/v1/citizenship/cases/{case.case_number}/decision-letter.pdf"


# --- Figures ------------------------------------------------------------------------------

OPEN_STATUSES_VALUES = frozenset(s.value for s in OPEN_STATUSES)
APPROVED_STATUSES = frozenset({"approved", "issued"})
REFUSED_STATUSES = frozenset({"refused", "appealed", "refusal_upheld"})
DECIDED_WITHIN_DAYS = 90


def _percentile(sorted_values: list[int], share: float) -> int | None:
    """Nearest-rank percentile of already sorted values; None for none."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * int(share * 100) // 100))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def citizenship_figures(*, on: dt.date | None = None, user: Any = None) -> list[dict[str, Any]]:
    """Per county, then per province (its counties together): open cases, age of the open
    ones in days (p50, p90), overdue inquiries, decisions by outcome, people documented
    (registered, family members included), the share of decided cases decided within 90
    days. Read live from the cases (no aggregate table yet). With `user`, only the cases that
    member of staff may see (the command line passes none: everything)."""
    from django.db.models import Count

    from hoviat.places.models import County

    today = on or today_local()
    cases = Case.objects.all() if user is None else cases_visible_to(user)
    counties = {
        c.pk: c
        for c in County.objects.filter(pk__in=cases.values("residence_county_id")).select_related(
            "province"
        )
    }
    groups: dict[tuple[str, int], dict[str, Any]] = {}

    def group(kind: str, key: int, name: str, code: str) -> dict[str, Any]:
        return groups.setdefault(
            (kind, key),
            {
                "level": kind,
                "code": code,
                "name": name,
                "open": 0,
                "ages": [],
                "overdue_inquiries": 0,
                "approved": 0,
                "refused": 0,
                "more_evidence": 0,
                "people_documented": 0,
                "decided": 0,
                "decided_within_90": 0,
            },
        )

    def both(county_id: int) -> list[dict[str, Any]]:
        county = counties[county_id]
        province = county.province
        return [
            group("county", county.pk, county.name_fa, f"{province.code}/{county.name_en}"),
            group("province", province.pk, province.name_fa, province.code),
        ]

    family = dict(
        FamilyMember.objects.filter(citizen__isnull=False)
        .values_list("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    rows = cases.values_list(
        "pk", "residence_county_id", "status", "created_at", "decided_at", "citizen_id"
    )
    for pk, county_id, status, created_at, decided_at, citizen_id in rows.iterator(2000):
        for g in both(county_id):
            if status in OPEN_STATUSES_VALUES:
                g["open"] += 1
                g["ages"].append((today - timezone.localtime(created_at).date()).days)
            if status == "more_evidence":
                g["more_evidence"] += 1
            if status in APPROVED_STATUSES:
                g["approved"] += 1
            if status in REFUSED_STATUSES:
                g["refused"] += 1
            if citizen_id is not None:
                g["people_documented"] += 1 + family.get(pk, 0)
            if decided_at is not None and status in APPROVED_STATUSES | REFUSED_STATUSES:
                g["decided"] += 1
                if (decided_at - created_at).days <= DECIDED_WITHIN_DAYS:
                    g["decided_within_90"] += 1
    late = (
        Inquiry.objects.filter(
            status__in=WAITING_INQUIRY_STATUSES, due_on__lt=today, case__in=cases.values("pk")
        )
        .values_list("case__residence_county_id")
        .annotate(n=Count("pk"))
        .values_list("case__residence_county_id", "n")
    )
    for county_id, n in late:
        if county_id in counties:
            for g in both(county_id):
                g["overdue_inquiries"] += n
    figures = []
    for (_kind, _key), g in sorted(groups.items(), key=lambda item: (item[0][0], item[1]["code"])):
        ages = sorted(g.pop("ages"))
        g["open_age_p50_days"] = _percentile(ages, 0.5)
        g["open_age_p90_days"] = _percentile(ages, 0.9)
        within = g.pop("decided_within_90")
        g["decided_within_90_pct"] = round(100 * within / g["decided"], 1) if g["decided"] else None
        figures.append(g)
    return figures
