"""The staff pages of citizenship cases: the county's case list, a case, filing a case for a
family, an inquiry's answer, a council member's vote and the overdue inquiries. Thin: every
case is fetched through `selectors.access_case_for` (another county's case is a 404) and every
change goes through the services, whose Persian messages are shown beside the field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from hoviat.citizenship import forms, hooks, selectors, services
from hoviat.citizenship.models import (
    ANSWER_FUNCTION,
    OUTCOMES_OF,
    WAITING_INQUIRY_STATUSES,
    Agency,
    Case,
    Function,
    Inquiry,
    InquiryStatus,
    Outcome,
)
from hoviat.core.audit import Actor
from hoviat.core.errors import DomainError, NotFound
from hoviat.core.jalali import today_local
from hoviat.core.templatetags.forms import error_summary_items
from hoviat.core.text import persian_digits

PAGE_SIZE = 50
OVERDUE_SHOWN = 200  # the oldest first; the page says how many more there are

# Which field a service's refusal is about (the message is shown beside it).
_INTAKE_FIELDS = {
    "BASIS_INVALID": "basis",
    "GENDER_INVALID": "gender",
    "BIRTH_DATE_INVALID": "birth_date",
    "BIRTH_DATE_REQUIRED": "birth_year",
    "COUNTY_INVALID": "residence_county",
    "NOT_CASE_OFFICER": "residence_county",
}
_NAME_FIELDS = {
    "نام": "first_name",
    "نام خانوادگی": "last_name",
    "نام پدر": "father_name",
    "نام مادر": "mother_name",
    "نام پدربزرگ": "grandfather_name",
}
_RULING_FIELDS = {
    "RULING_OUTCOME_INVALID": "outcome",
    "RULING_NUMBER_REQUIRED": "ruling_number",
    "RULING_DATE_INVALID": "date",
}
_DOCUMENT_FIELDS = {"DOCUMENT_KIND_INVALID": "kind", "WITNESSES_REQUIRED": "witnesses"}


def _refused(request, detail: str, status: int = 403):
    return render(request, "citizenship/problem.html", {"detail": detail}, status=status)


def _case(request, case_number: str) -> Case:
    try:
        return selectors.access_case_for(request.user, case_number=case_number)
    except NotFound:
        raise Http404 from None


def _persian_year_to_gregorian(year: int | None) -> int | None:
    # An approximate birth is registered on the 1st of July, which falls in Tir of the Jalali
    # year: the Gregorian year is the Jalali one plus 621.
    return None if year is None else year + 621


def _summary(form, family) -> list[dict[str, str]]:
    """The error summary of the intake form and its family rows, each linking to its field."""
    items = error_summary_items(form)
    for member in family.forms:
        items += error_summary_items(member)
    return items


@require_GET
@login_required
def case_list(request):
    if not selectors.may_see_cases(request.user):
        return _refused(request, "شما به پرونده‌های تابعیت دسترسی ندارید.")
    counties = selectors.counties_visible_to(request.user)
    filters = forms.CaseListFilter(request.GET or None, counties=counties)
    chosen: dict[str, Any] = {}
    if filters.is_valid():
        chosen = filters.cleaned_data
    overdue = {"yes": True, "no": False}.get(chosen.get("overdue") or "")
    cases = selectors.cases_list(
        request.user,
        county=chosen.get("county"),
        status=chosen.get("status") or None,
        overdue=overdue,
    )
    # Newest first, a page at a time from the last case seen (no count, no offset: a page far
    # down a county's tens of thousands of cases costs what the first does).
    before = request.GET.get("before", "")
    if before.isdigit():
        cases = cases.filter(pk__lt=int(before))
    rows = list(cases[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    late = selectors.cases_with_overdue_inquiries([c.pk for c in rows])
    for case in rows:
        case.is_overdue = case.pk in late
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "citizenship/case_list.html",
        {
            "filters": filters,
            "cases": rows,
            "next_before": rows[-1].pk if has_next else None,
            "is_first_page": not before.isdigit(),
            "query": query.urlencode(),
            "may_file": selectors.may_file_anywhere(request.user),
            "is_director": selectors.may_see_overdue(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def case_new(request):
    counties = selectors.counties_to_file_in(request.user)
    if not counties:
        return _refused(request, "تشکیل پرونده با کارشناس پرونده‌های تابعیت شهرستان است.")
    all_counties = selectors.counties_of_provinces({c.province_id for c in counties})
    form = forms.IntakeForm(request.POST or None, counties=all_counties)
    form.fields["residence_county"].choices = [("", "— شهرستان را انتخاب کنید —")] + [
        (c.pk, c.name_fa) for c in counties
    ]
    family = forms.FamilyFormSet(request.POST or None, prefix="family")
    if request.method == "POST" and form.is_valid() and family.is_valid():
        data = form.cleaned_data
        intake = services.CaseIntake(
            first_name=data["first_name"],
            last_name=data["last_name"],
            father_name=data["father_name"],
            mother_name=data["mother_name"],
            grandfather_name=data["grandfather_name"],
            gender=data["gender"],
            birth_date=data["birth_date"],
            birth_year=_persian_year_to_gregorian(data["birth_year"]),
            birth_place=data["birth_place"],
            birth_county_id=data["birth_county"],
            residence_county_id=data["residence_county"],
            basis=data["basis"],
            father_national_code=data["father_national_code"],
            mother_national_code=data["mother_national_code"],
            grandfather_national_code=data["grandfather_national_code"],
            mobile=data["mobile"],
            family=[
                services.FamilyIn(**member)
                for member in family.cleaned_data
                if member  # a row left empty
            ],
        )
        try:
            case = services.case_file(
                intake=intake, actor=request.user, filed_by=request.user, online=False
            )
        except services.CaseDuplicate as exc:
            existing = exc.extra.get("case_number")
            form.add_error(None, exc.detail)
            if existing:
                return render(
                    request,
                    "citizenship/case_new.html",
                    {
                        "form": form,
                        "family": family,
                        "duplicate": existing,
                        "summary_items": _summary(form, family),
                    },
                    status=409,
                )
        except DomainError as exc:
            field = _INTAKE_FIELDS.get(exc.code) or _NAME_FIELDS.get(exc.extra.get("field", ""))
            form.add_error(field, exc.detail)
        else:
            messages.success(
                request,
                f"پرونده تشکیل شد. شمارهٔ پرونده {persian_digits(case.case_number)} و شناسهٔ "
                f"موقت {persian_digits(case.temporary_id)} به متقاضی پیامک شد.",
            )
            return redirect("citizenship:case", case_number=case.case_number)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "citizenship/case_new.html",
        {"form": form, "family": family, "summary_items": _summary(form, family)},
        status=status,
    )


def _case_context(request, case: Case) -> dict[str, Any]:
    user = request.user
    county = case.residence_county_id
    is_officer = selectors.holds_post(user, county_id=county, function=Function.CASE_OFFICER)
    inquiries = list(case.inquiries.select_related("answered_by").order_by("ordered_at", "pk"))
    today = today_local()
    functions = selectors.post_functions(user, county_id=county)
    for inquiry in inquiries:
        inquiry.is_overdue = inquiry.status in WAITING_INQUIRY_STATUSES and inquiry.due_on < today
        inquiry.may_answer = (
            inquiry.status in WAITING_INQUIRY_STATUSES
            and ANSWER_FUNCTION[inquiry.agency] in functions
        )
        inquiry.outcome_label = Outcome(inquiry.outcome).label if inquiry.outcome else ""
    open_for_evidence = case.status in ("intake", "more_evidence")
    closes = services.appeal_closes_on(case)
    captured = selectors.case_biometrics_captured(case)
    return {
        "case": case,
        "family": list(case.family.select_related("citizen").order_by("pk")),
        "checklist": selectors.documents_checklist(case),
        "documents": list(case.documents.order_by("uploaded_at", "pk")),
        "inquiries": inquiries,
        "pending": [Agency(a).label for a in selectors.inquiries_pending(case)],
        "votes": selectors.case_votes(case),
        "quorum": selectors.council_quorum(),
        "appeal_closes_on": services.appeal_closes_on(case),
        "is_officer": is_officer,
        "may_add": is_officer and open_for_evidence,
        "may_vote": case.status == "awaiting_decision"
        and Function.COUNCIL_MEMBER in functions
        and not case.votes.filter(member=user, round=case.decision_round).exists(),
        "may_file": selectors.may_file_anywhere(user),
        "is_director": selectors.may_see_overdue(user),
        "document_form": forms.DocumentForm(),
        "inquiry_form": forms.InquiryOrderForm(),
        "may_appeal": is_officer
        and case.status == "refused"
        and closes is not None
        and today <= closes,
        "may_rule": case.status == "appealed" and Function.REGISTRY_LAWYER in functions,
        "has_letter": case.letters.exists(),
        "captured": captured,
        "may_capture": is_officer and open_for_evidence and not captured,
        "duplicates": selectors.case_duplicates(case),
        "appeal_form": forms.AppealForm(),
        "ruling_form": forms.CourtRulingForm(),
    }


@require_http_methods(["GET", "POST"])
@login_required
def case_detail(request, case_number: str):
    case = _case(request, case_number)
    context = _case_context(request, case)
    if request.method == "GET":
        return render(request, "citizenship/case.html", context)
    action = request.POST.get("action")
    try:
        if action == "document":
            form = forms.DocumentForm(request.POST, request.FILES)
            context["document_form"] = form
            if form.is_valid():
                services.document_add(
                    case=case,
                    kind=form.cleaned_data["kind"],
                    data=form.cleaned_data["file"].read(),
                    witnesses=form.cleaned_data["witnesses"].splitlines(),
                    actor=request.user,
                    uploader=request.user.get_username(),
                )
                messages.success(request, "مدرک پیوست شد.")
                return redirect("citizenship:case", case_number=case.case_number)
        elif action == "inquiry":
            form = forms.InquiryOrderForm(request.POST)
            context["inquiry_form"] = form
            if form.is_valid():
                inquiry = services.inquiry_order(
                    case=case, agency=form.cleaned_data["agency"], officer=request.user
                )
                messages.success(request, f"استعلام «{inquiry.get_agency_display()}» فرستاده شد.")
                return redirect("citizenship:case", case_number=case.case_number)
        elif action == "appeal":
            form = forms.AppealForm(request.POST)
            context["appeal_form"] = form
            if form.is_valid():
                services.case_appeal(
                    case_number=case.case_number,
                    grounds=form.cleaned_data["grounds"],
                    actor=request.user,
                )
                messages.success(request, "اعتراض ثبت شد؛ پرونده در انتظار حکم دادگاه است.")
                return redirect("citizenship:case", case_number=case.case_number)
        elif action == "ruling":
            form = forms.CourtRulingForm(request.POST)
            context["ruling_form"] = form
            if form.is_valid():
                ruled = services.case_court_ruling(
                    case_number=case.case_number,
                    lawyer=request.user,
                    outcome=form.cleaned_data["outcome"],
                    ruling_number=form.cleaned_data["ruling_number"],
                    ruling_date=form.cleaned_data["date"],
                )
                messages.success(
                    request, f"حکم دادگاه ثبت شد؛ پرونده «{ruled.get_status_display()}» شد."
                )
                return redirect("citizenship:case", case_number=case.case_number)
        elif action == "biometrics":
            found = services.case_biometrics_capture(
                case_number=case.case_number,
                biometrics=services.BiometricsIn(device=True),
                officer=request.user,
            )
            if found:
                messages.warning(
                    request,
                    f"زیست‌سنجی گرفته شد و {persian_digits(str(len(found)))} احتمال تکرار "
                    "یافت شد؛ تا بررسی آن در صف احتمال تکرار، پرونده به شورا نمی‌رود.",
                )
            else:
                messages.success(request, "زیست‌سنجی گرفته شد و تکراری یافت نشد.")
            return redirect("citizenship:case", case_number=case.case_number)
        elif action == "submit":
            services.case_submit(case_number=case.case_number, officer=request.user)
            messages.success(request, "پرونده برای تصمیم به شورای تأمین شهرستان فرستاده شد.")
            return redirect("citizenship:case", case_number=case.case_number)
        else:
            context["error"] = "درخواست نامعتبر است."
    except DomainError as exc:
        if action == "document":
            context["document_form"].add_error(_DOCUMENT_FIELDS.get(exc.code, "file"), exc.detail)
        elif action == "inquiry":
            context["inquiry_form"].add_error("agency", exc.detail)
        elif action == "appeal":
            context["appeal_form"].add_error("grounds", exc.detail)
        elif action == "ruling":
            field = _RULING_FIELDS.get(exc.code)
            context["ruling_form"].add_error(field, exc.detail)
        else:
            context["error"] = exc.detail
            missing = exc.extra.get("missing") or []
            context["missing"] = [dict(selectors.DOCUMENT_LABELS)[k] for k in missing]
    context["summary_items"] = (
        error_summary_items(context["document_form"])
        + error_summary_items(context["inquiry_form"])
        + error_summary_items(context["appeal_form"])
        + error_summary_items(context["ruling_form"])
        + error_summary_items(None, context.get("error"))
    )
    return render(request, "citizenship/case.html", context, status=422)


@require_GET
@login_required
def document_file(request, case_number: str, document_id: int):
    case = _case(request, case_number)
    document = case.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        data = services.document_read(document=document, actor=request.user)
    except DomainError as exc:
        return _refused(request, exc.detail, status=exc.status)
    response = HttpResponse(data, content_type=document.content_type)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def inquiry_answer(request, case_number: str, inquiry_id: int):
    case = _case(request, case_number)
    inquiry: Inquiry | None = case.inquiries.filter(pk=inquiry_id).first()
    if inquiry is None:
        raise Http404
    functions = selectors.post_functions(request.user, county_id=case.residence_county_id)
    if ANSWER_FUNCTION[inquiry.agency] not in functions:
        return _refused(request, "پاسخ این استعلام با کاربر همان مرجع در شهرستان پرونده است.")
    outcomes = [(o.value, o.label) for o in Outcome if o.value in OUTCOMES_OF[inquiry.agency]]
    form = forms.AnswerForm(
        request.POST if request.POST.get("action") == "answer" else None, outcomes=outcomes
    )
    error = None
    needs_sample = inquiry.agency == Agency.FORENSIC and inquiry.status == InquiryStatus.ORDERED
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sample" and needs_sample:
                services.inquiry_sample_taken(inquiry_id=inquiry.pk, user=request.user)
                messages.success(request, "نمونه‌گیری ثبت شد.")
                return redirect(
                    "citizenship:inquiry", case_number=case_number, inquiry_id=inquiry.pk
                )
            if form.is_valid():
                services.inquiry_answer(
                    inquiry_id=inquiry.pk,
                    user=request.user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, "پاسخ استعلام ثبت شد.")
                return redirect("citizenship:case", case_number=case_number)
        except DomainError as exc:
            if form.is_bound:
                form.add_error("outcome", exc.detail)
            else:
                error = exc.detail
    return render(
        request,
        "citizenship/inquiry_answer.html",
        {
            "case": case,
            "inquiry": inquiry,
            "form": form,
            "error": error,
            "needs_sample": needs_sample,
            "answered": inquiry.status == InquiryStatus.ANSWERED,
            "is_overdue": inquiry.status in WAITING_INQUIRY_STATUSES
            and inquiry.due_on < today_local(),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def vote(request, case_number: str):
    case = _case(request, case_number)
    functions = selectors.post_functions(request.user, county_id=case.residence_county_id)
    if Function.COUNCIL_MEMBER not in functions:
        return _refused(request, "شما عضو شورای تأمین شهرستانِ این پرونده نیستید.")
    form = forms.VoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = services.case_vote(
                case_number=case.case_number,
                member=request.user,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
            )
        except DomainError as exc:
            form.add_error("reasons" if exc.code == "REASONS_REQUIRED" else None, exc.detail)
        else:
            if decided.status != "awaiting_decision":
                text = (
                    "رأی شما ثبت شد و با رسیدن به حد نصاب، پرونده "
                    f"«{decided.get_status_display()}» شد."
                )
            else:
                text = "رأی شما ثبت شد؛ پرونده در انتظار رأی دیگر اعضای شوراست."
            messages.success(request, text)
            return redirect("citizenship:case", case_number=case.case_number)
    context = _case_context(request, case)
    context["form"] = form
    return render(
        request,
        "citizenship/vote.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def overdue(request):
    if not selectors.may_see_overdue(request.user):
        return _refused(request, "فهرست استعلام‌های معوق برای مدیر کل استان است.")
    late = selectors.overdue_inquiries(request.user)
    rows = list(late[:OVERDUE_SHOWN])
    today = today_local()
    for inquiry in rows:
        inquiry.days_late = (today - inquiry.due_on).days
    return render(
        request,
        "citizenship/overdue.html",
        {
            "inquiries": rows,
            "total": late.count() if len(rows) == OVERDUE_SHOWN else len(rows),
        },
    )


@require_GET
@login_required
def decision_letter(request, case_number: str):
    """The decision letter for the staff who see the case (audited by the render)."""
    case = _case(request, case_number)
    return _letter_response(case, viewer=request.user)


def _letter_response(case: Case, *, viewer: Any) -> HttpResponse:
    try:
        letter = selectors.decision_letter_latest(case=case)
    except NotFound:
        raise Http404 from None
    pdf = services.decision_letter_render(letter=letter, viewer=viewer)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="decision-{case.case_number}-{letter.letter_number}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def duplicates(request):
    """The county case officer's review queue: each possible duplicate with both sides, linked
    (the same person) or cleared (someone else) with a written reason."""
    if not selectors.may_file_anywhere(request.user):
        return _refused(request, "صف احتمال تکرار با کارشناس پرونده‌های تابعیت شهرستان است.")
    bound: forms.ResolveForm | None = None
    bound_id = None
    if request.method == "POST":
        raw = request.POST.get("duplicate", "")
        try:
            duplicate = selectors.access_duplicate_for(
                request.user, duplicate_id=int(raw) if raw.isdigit() else 0
            )
        except NotFound:
            raise Http404 from None
        bound_id = duplicate.pk
        bound = forms.ResolveForm(request.POST, prefix=f"d{duplicate.pk}")
        if bound.is_valid():
            try:
                resolved = services.duplicate_resolve(
                    duplicate_id=duplicate.pk,
                    officer=request.user,
                    link=bound.cleaned_data["decision"] == "link",
                    reason=bound.cleaned_data["reason"],
                )
            except DomainError as exc:
                field = "reason" if exc.code == "RESOLUTION_REASON_REQUIRED" else None
                bound.add_error(field, exc.detail)
            else:
                messages.success(
                    request,
                    f"بررسی ثبت شد: {resolved.get_status_display()} "
                    f"(پروندهٔ {persian_digits(resolved.case.case_number)}).",
                )
                return redirect("citizenship:duplicates")
    rows = list(selectors.possible_duplicates_for(request.user)[:OVERDUE_SHOWN])
    for row in rows:
        row.form = bound if row.pk == bound_id and bound else forms.ResolveForm(prefix=f"d{row.pk}")
    recent = list(
        selectors.possible_duplicates_for(request.user, status=None)
        .exclude(status="open")
        .select_related("resolved_by")
        .order_by("-resolved_at", "-pk")[:20]
    )
    return render(
        request,
        "citizenship/duplicates.html",
        {
            "rows": rows,
            "recent": recent,
            "summary_items": error_summary_items(bound) if bound else [],
            "may_file": True,
            "is_director": selectors.may_see_overdue(request.user),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- The applicant's own pages ---------------------------------------------------------------


def _citizen_mobile(request) -> str | None:
    return hooks.citizen_session_mobile.first(request=request)


def _citizen_sign_in(request):
    return redirect(f"{reverse('citizen:sign_in')}?next={request.get_full_path()}")


@require_GET
def my_cases(request):
    mobile = _citizen_mobile(request)
    if not mobile:
        return _citizen_sign_in(request)
    return render(
        request,
        "citizenship/my_cases.html",
        {"cases": selectors.cases_of_mobile(mobile=mobile), "mobile": mobile},
    )


def _own_case(request, case_number: str) -> Case:
    try:
        return selectors.access_case_for_citizen(
            mobile=_citizen_mobile(request) or "", case_number=case_number
        )
    except NotFound:
        raise Http404 from None


@require_GET
def my_case(request, case_number: str):
    """The applicant's case: its stage, what it still lacks, where its inquiries stand (not
    what they said), the decision with its letter and the appeal's last day. Another
    person's case is a 404."""
    if not _citizen_mobile(request):
        return _citizen_sign_in(request)
    case = _own_case(request, case_number)
    labels = dict(selectors.DOCUMENT_LABELS)
    inquiries = list(case.inquiries.order_by("ordered_at", "pk"))
    closes = services.appeal_closes_on(case)
    return render(
        request,
        "citizenship/my_case.html",
        {
            "case": case,
            "missing": [labels[k] for k in selectors.documents_missing(case)],
            "inquiries": [
                {
                    "agency": i.get_agency_display(),
                    "done": i.status == InquiryStatus.ANSWERED,
                    "due_on": i.due_on,
                }
                for i in inquiries
            ],
            "pending": [Agency(a).label for a in selectors.inquiries_pending(case)],
            "has_letter": case.letters.exists(),
            "appeal_closes_on": closes if case.status == "refused" else None,
            "appeal_open": case.status == "refused"
            and closes is not None
            and today_local() <= closes,
            "family": list(case.family.select_related("citizen").order_by("pk")),
        },
    )


@require_GET
def my_decision_letter(request, case_number: str):
    mobile = _citizen_mobile(request)
    if not mobile:
        return _citizen_sign_in(request)
    case = _own_case(request, case_number)
    return _letter_response(case, viewer=Actor("citizen", mobile, "citizen"))
