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
    DocumentKind,
    DuplicateStatus,
    FamilyMember,
    Function,
    Inquiry,
    InquiryStatus,
    PossibleDuplicate,
    Post,
    Vote,
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


def visible_county_ids(user: Any) -> list[int] | None:
    """The ids of the counties whose cases this member of staff sees: None for a national
    admin (every county), the province's for its director, the counties where they hold a
    post for everyone else. A plain list: the planner counts its rows right, where a join
    to the counties would hide how many cases a province holds."""
    from hoviat.places.models import County

    if is_national_admin(user):
        return None
    province = director_province(user)
    if province is not None:
        return list(County.objects.filter(province_id=province).values_list("pk", flat=True))
    return sorted(post_counties(user))


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Every case a member of staff may see: all for a national admin, the province's for its
    director, the counties where they hold a post for everyone else."""
    cases = Case.objects.select_related("residence_county", "birth_county")
    counties = visible_county_ids(user)
    return cases if counties is None else cases.filter(residence_county_id__in=counties)


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
    late = Inquiry.objects.filter(status__in=WAITING_INQUIRY_STATUSES, due_on__lt=today_local())
    # A plain list of county ids: a join to the counties made PostgreSQL plan a slow scan.
    counties = visible_county_ids(user)
    if counties is not None:
        late = late.filter(case__residence_county_id__in=counties)
    return late.select_related(
        "case", "case__residence_county", "case__residence_county__province"
    ).order_by("due_on", "pk")


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
    # Newest first by key (filed order): the primary key's index, no sort of a county's cases.
    return cases.order_by("-pk")


def cases_with_overdue_inquiries(case_ids: list[int]) -> set[int]:
    """Which of these cases (a page of the list) wait on an inquiry past its due date."""
    return set(
        Inquiry.objects.filter(
            case_id__in=case_ids, status__in=WAITING_INQUIRY_STATUSES, due_on__lt=today_local()
        ).values_list("case_id", flat=True)
    )


def counties_visible_to(user: Any) -> list[Any]:
    """The counties whose cases this member of staff sees (for the list's county filter)."""
    from hoviat.places.models import County

    counties = County.objects.order_by("name_fa")
    if is_national_admin(user):
        return list(counties)
    province = director_province(user)
    if province is not None:
        return list(counties.filter(province_id=province))
    return list(counties.filter(pk__in=post_counties(user)))


def counties_to_file_in(user: Any) -> list[Any]:
    """The counties where this member of staff is a case officer."""
    from hoviat.places.models import County

    ids = post_counties(user, Function.CASE_OFFICER)
    return list(County.objects.filter(pk__in=ids).order_by("name_fa"))


def counties_of_provinces(province_ids: set[int]) -> list[Any]:
    """Every county of these provinces (a person may have been born in a neighbouring one)."""
    from hoviat.places.models import County

    return list(County.objects.filter(province_id__in=province_ids).order_by("name_fa"))


def may_file_anywhere(user: Any) -> bool:
    return bool(post_counties(user, Function.CASE_OFFICER))


def may_see_overdue(user: Any) -> bool:
    """The overdue inquiries are listed for the provincial director (and a national admin)."""
    return is_national_admin(user) or director_province(user) is not None


def post_functions(user: Any, *, county_id: int) -> set[str]:
    """What this member of staff does in this county's cases."""
    if not is_signed_in(user):
        return set()
    return set(
        Post.objects.filter(user=user, county_id=county_id).values_list("function", flat=True)
    )


DOCUMENT_LABELS = tuple((kind.value, kind.label) for kind in DocumentKind)


def documents_checklist(case: Case) -> list[dict[str, Any]]:
    """The case's checklist: each kind of document, whether its basis requires it, how many
    are held."""
    held: dict[str, int] = {}
    for kind in case.documents.values_list("kind", flat=True):
        held[kind] = held.get(kind, 0) + 1
    required = REQUIRED_DOCUMENTS[case.basis]
    return [
        {"kind": kind, "label": label, "required": kind in required, "held": held.get(kind, 0)}
        for kind, label in DOCUMENT_LABELS
        if kind in required or kind in held
    ]


def case_votes(case: Case) -> list[Vote]:
    """Every vote on the case, by round, with its member."""
    return list(case.votes.select_related("member").order_by("round", "at", "pk"))


def council_quorum() -> int:
    from django.conf import settings

    return int(settings.CITIZENSHIP_COUNCIL_QUORUM)


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


def case_biometrics_captured(case: Case) -> list[int]:
    """The positions of the case's biometrics kept as images (0 the face, 1–10 fingers)."""
    return list(
        case.biometrics.exclude(sha256="").order_by("position").values_list("position", flat=True)
    )


def case_duplicates(case: Case) -> list[PossibleDuplicate]:
    """The matcher's possible duplicates naming this case, on either side, oldest first. The
    caller has already fetched the case through an access check."""
    return list(
        PossibleDuplicate.objects.filter(Q(case=case) | Q(other_case=case))
        .select_related("case", "other_case", "citizen", "resolved_by")
        .order_by("found_at", "pk")
    )


def cases_of_mobile(*, mobile: str) -> list[Case]:
    """The applicant's own cases (filed with their mobile), newest first."""
    return list(
        Case.objects.select_related("residence_county").filter(mobile=mobile).order_by("-pk")
    )


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
    days. Counted by GROUP BY in the database; only the open cases' filing days come back
    one by one, for the percentiles. With `user`, only the cases that member of staff may
    see (reports_refresh passes none: everything)."""
    from django.db.models import Count, F, Q

    from hoviat.places.models import County

    today = on or today_local()
    cases = Case.objects.all() if user is None else cases_visible_to(user)
    cases = cases.order_by()
    counties = {
        c.pk: c
        for c in County.objects.filter(
            pk__in=cases.values("residence_county_id").distinct()
        ).select_related("province")
    }
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    ages: dict[tuple[str, int], list[int]] = {}

    def both(county_id: int) -> list[dict[str, Any]]:
        county = counties[county_id]
        province = county.province
        keys = (
            ("county", county.pk, province.pk, county.name_fa, f"{province.code}/{county.name_en}"),
            ("province", province.pk, province.pk, province.name_fa, province.code),
        )
        return [
            groups.setdefault(
                (level, area),
                {
                    "level": level,
                    "area": area,
                    "province": province_id,
                    "code": code,
                    "name": name,
                    "open": 0,
                    "overdue_inquiries": 0,
                    "approved": 0,
                    "refused": 0,
                    "more_evidence": 0,
                    "people_documented": 0,
                    "decided": 0,
                    "decided_within_90": 0,
                },
            )
            for level, area, province_id, name, code in keys
        ]

    decided = Q(decided_at__isnull=False, status__in=sorted(APPROVED_STATUSES | REFUSED_STATUSES))
    within = decided & Q(
        decided_at__lt=F("created_at") + dt.timedelta(days=DECIDED_WITHIN_DAYS + 1)
    )
    counted = (
        cases.values("residence_county_id", "status")
        .annotate(
            n=Count("pk"),
            registered=Count("pk", filter=Q(citizen__isnull=False)),
            decided=Count("pk", filter=decided),
            within=Count("pk", filter=within),
        )
        .values_list("residence_county_id", "status", "n", "registered", "decided", "within")
    )
    for county_id, status, n, registered, n_decided, n_within in counted:
        for g in both(county_id):
            if status in OPEN_STATUSES_VALUES:
                g["open"] += n
            if status == "more_evidence":
                g["more_evidence"] += n
            if status in APPROVED_STATUSES:
                g["approved"] += n
            if status in REFUSED_STATUSES:
                g["refused"] += n
            g["people_documented"] += registered
            g["decided"] += n_decided
            g["decided_within_90"] += n_within
    family = (
        FamilyMember.objects.filter(citizen__isnull=False, case__in=cases.values("pk"))
        .values_list("case__residence_county_id")
        .annotate(n=Count("pk"))
        .values_list("case__residence_county_id", "n")
    )
    for county_id, n in family:
        for g in both(county_id):
            g["people_documented"] += n
    opened = cases.filter(status__in=sorted(OPEN_STATUSES_VALUES)).values_list(
        "residence_county_id", "created_at"
    )
    for county_id, created_at in opened.iterator(5000):
        age = (today - timezone.localtime(created_at).date()).days
        for g in both(county_id):
            ages.setdefault((g["level"], g["area"]), []).append(age)
    late = (
        Inquiry.objects.filter(
            status__in=WAITING_INQUIRY_STATUSES, due_on__lt=today, case__in=cases.values("pk")
        )
        .values_list("case__residence_county_id")
        .annotate(n=Count("pk"))
        .values_list("case__residence_county_id", "n")
    )
    for county_id, n in late:
        for g in both(county_id):
            g["overdue_inquiries"] += n
    figures = []
    for key, g in sorted(groups.items(), key=lambda item: (item[0][0], item[1]["code"])):
        sorted_ages = sorted(ages.get(key, []))
        g["open_age_p50_days"] = _percentile(sorted_ages, 0.5)
        g["open_age_p90_days"] = _percentile(sorted_ages, 0.9)
        n_within = g.pop("decided_within_90")
        g["decided_within_90_pct"] = (
            round(100 * n_within / g["decided"], 1) if g["decided"] else None
        )
        figures.append(g)
    return figures
