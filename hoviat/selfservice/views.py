"""Self-service pages: the citizen's complaints, documents and contact details (under /me/),
and the staff's complaint pages (under /office/grievances/)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from hoviat.applications.views import citizen_required
from hoviat.core import permissions
from hoviat.core.errors import DomainError
from hoviat.core.text import persian_digits
from hoviat.enrolment.pdf import qr_png_data_uri
from hoviat.selfservice import forms, selectors, services
from hoviat.selfservice.models import GrievanceStatus

# Which form field a service's error belongs beside.
_FIELD_OF_CODE = {
    "GRIEVANCE_TEXT_REQUIRED": "text",
    "GRIEVANCE_TEXT_TOO_LONG": "text",
    "EVENT_NOT_FOUND": "about_event",
    "GRIEVANCE_ANSWER_REQUIRED": "answer",
    "GRIEVANCE_ANSWER_TOO_LONG": "answer",
}


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _problem(request, exc: DomainError):
    return render(request, "selfservice/problem.html", {"detail": exc.detail}, status=exc.status)


# --- The citizen's complaints --------------------------------------------------------------


@citizen_required
@require_GET
def grievances(request):
    return render(
        request,
        "selfservice/grievances.html",
        {"grievances": list(selectors.grievances_of_mobile(mobile=request.citizen_mobile)[:100])},
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def grievance_new(request):
    mobile = request.citizen_mobile
    events = selectors.complaint_events_of(mobile=mobile)
    # From the history page a link may name an inquiry or a message (never a personal code).
    initial = {}
    about = request.GET.get("about", "")
    if about.startswith(("inquiry:", "sms:")):
        initial["about_event"] = about
    # An event older than the form lists, named by the link or posted: offered if it is theirs.
    wanted = request.POST.get("about_event") or initial.get("about_event")
    if wanted and wanted not in {value for value, _ in events}:
        try:
            selectors.event_resolve(mobile=mobile, about_event=wanted)
        except DomainError:
            pass
        else:
            events.append((wanted, "رویدادی که از سوابق خود برگزیدید"))
    is_post = request.method == "POST"
    form = forms.GrievanceForm(request.POST if is_post else None, events=events, initial=initial)
    status = 200
    if is_post:
        if form.is_valid():
            try:
                grievance = services.grievance_file(
                    mobile=mobile,
                    text=form.cleaned_data["text"],
                    about_event=form.cleaned_data["about_event"] or None,
                )
            except DomainError as exc:
                form.add_error(_FIELD_OF_CODE.get(exc.code), exc.detail)
            else:
                return redirect("selfservice:grievance", number=grievance.number)
        status = 422 if form.errors else status
    return render(request, "selfservice/grievance_new.html", {"form": form}, status=status)


@citizen_required
@require_GET
def grievance_detail(request, number: str):
    try:
        services.grievance_lookup_count(
            mobile=request.citizen_mobile, client_address=_client(request)
        )
        grievance = selectors.access_grievance_for_citizen(
            mobile=request.citizen_mobile, number=number
        )
    except DomainError as exc:
        return _problem(request, exc)
    return render(request, "selfservice/grievance_detail.html", {"grievance": grievance})


# --- Staff: complaints of their office or province -----------------------------------------


def staff_required(view):
    """Office operators, provincial directors and national admins; their reach is decided by
    the selectors."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (
            permissions.is_office_operator(user)
            or permissions.is_provincial_director(user)
            or permissions.is_national_admin(user)
        ):
            return render(
                request,
                "selfservice/problem.html",
                {"detail": "شما به شکایت‌های شهروندان دسترسی ندارید."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def staff_grievances(request):
    return render(
        request,
        "selfservice/grievances_staff.html",
        {
            "open": list(selectors.grievances_open_for(request.user)[:200]),
            "answered": list(selectors.grievances_answered_for(request.user)[:50]),
            "may_see_overdue": _may_see_overdue(request.user),
        },
    )


def _may_see_overdue(user) -> bool:
    return permissions.is_provincial_director(user) or permissions.is_national_admin(user)


@staff_required
@require_GET
def staff_overdue(request):
    if not _may_see_overdue(request.user):
        return render(
            request,
            "selfservice/problem.html",
            {"detail": "فهرست شکایت‌های دیرکرده برای مدیران استان است."},
            status=403,
        )
    return render(
        request,
        "selfservice/grievances_overdue.html",
        {
            "overdue": list(selectors.grievances_overdue_for(request.user)[:500]),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_grievance(request, number: str):
    try:
        grievance = selectors.access_grievance_for(request.user, number)
    except DomainError as exc:
        return _problem(request, exc)
    form = forms.AnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and grievance.status == GrievanceStatus.OPEN and form.is_valid():
        try:
            services.grievance_answer(
                grievance=grievance, answer=form.cleaned_data["answer"], user=request.user
            )
        except DomainError as exc:
            form.add_error(_FIELD_OF_CODE.get(exc.code), exc.detail)
            status = exc.status
        else:
            return redirect("office_grievances:detail", number=grievance.number)
    return render(
        request,
        "selfservice/grievance_staff.html",
        {"grievance": grievance, "form": form},
        status=status,
    )


# --- My documents --------------------------------------------------------------------------


@citizen_required
@require_GET
def documents(request):
    receipts, cards = selectors.documents_of_mobile(mobile=request.citizen_mobile)
    shown = []
    for document in cards:
        qr = None
        if document.available:
            qr = qr_png_data_uri(services.digital_card_qr(card=document.card))
        shown.append({"document": document, "qr": qr})
    return render(request, "selfservice/documents.html", {"receipts": receipts, "cards": shown})


@citizen_required
@require_GET
def document_card_pdf(request, card_serial: str):
    try:
        card = selectors.access_card_for_citizen(
            mobile=request.citizen_mobile, card_serial=card_serial
        )
    except DomainError as exc:
        return _problem(request, exc)
    _, pdf = services.digital_card_issue(card=card, mobile=request.citizen_mobile)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="digital-card-{card.csn}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


# --- My contact details --------------------------------------------------------------------

_CONTACT_FIELD_OF_CODE = {
    "MOBILE_INVALID": "mobile",
    "MOBILE_NOT_OWNER": "mobile",
    "MOBILE_UNCHANGED": "mobile",
    "COUNTY_NOT_FOUND": "county",
}


@citizen_required
@require_http_methods(["GET", "POST"])
def contact(request):
    """The contact page: the mobile (two steps: the new number, then both codes) and the
    residence county, each its own form posting here with `step`."""
    mobile = request.citizen_mobile
    step = request.POST.get("step", "") if request.method == "POST" else ""
    data = request.POST if step else None
    start_form = forms.MobileStartForm(data if step == "mobile_start" else None)
    verify_form = None
    residence_form = forms.ResidenceForm(
        data if step == "residence" else None, counties=selectors.counties_by_province()
    )
    status = 200
    try:
        if step == "mobile_start" and start_form.is_valid():
            new = services.contact_mobile_change_request(
                mobile=mobile,
                new_mobile=start_form.cleaned_data["mobile"],
                client_address=_client(request),
            )
            verify_form = forms.MobileVerifyForm(initial={"mobile": new})
        elif step == "mobile_verify":
            verify_form = forms.MobileVerifyForm(data)
            if verify_form.is_valid():
                contact_details, changed = services.contact_mobile_change(
                    mobile=mobile,
                    new_mobile=verify_form.cleaned_data["mobile"],
                    code_old=verify_form.cleaned_data["code_old"],
                    code_new=verify_form.cleaned_data["code_new"],
                    client_address=_client(request),
                )
                # From now on the citizen is signed in with the number just proven.
                request.session.cycle_key()
                request.session["citizen_mobile"] = contact_details.mobile
                messages.success(request, _mobile_changed_message(changed))
                return redirect("selfservice:contact")
        elif step == "residence" and residence_form.is_valid():
            services.contact_residence_set(
                mobile=mobile, county_id=residence_form.cleaned_data["county"]
            )
            messages.success(request, "شهرستان محل سکونت ثبت شد.")
            return redirect("selfservice:contact")
    except DomainError as exc:
        status = exc.status
        if step == "mobile_verify" and verify_form is not None:
            which = exc.extra.get("which")
            verify_form.add_error(f"code_{which}" if which else None, exc.detail)
        elif step == "residence":
            residence_form.add_error(_CONTACT_FIELD_OF_CODE.get(exc.code), exc.detail)
        else:
            start_form.add_error(_CONTACT_FIELD_OF_CODE.get(exc.code), exc.detail)
    if (
        step
        and status == 200
        and any(f.errors for f in (start_form, residence_form, verify_form) if f is not None)
    ):
        status = 422
    view = selectors.contact_of_mobile(mobile=mobile)
    if view.residence_county and not residence_form.is_bound:
        residence_form.initial["county"] = view.residence_county.pk
    errored = next(
        (f for f in (verify_form, start_form, residence_form) if f is not None and f.errors),
        None,
    )
    return render(
        request,
        "selfservice/contact.html",
        {
            "contact": view,
            "offices": selectors.offices_suggested(county=view.residence_county),
            "start_form": start_form,
            "verify_form": verify_form,
            "residence_form": residence_form,
            "form": errored,  # the error summary's form
        },
        status=status,
    )


def _mobile_changed_message(changed: list[str]) -> str:
    if not changed:
        return "شمارهٔ همراه تغییر کرد؛ از این پس پیامک‌ها به شمارهٔ تازه می‌رود."
    return (
        "شمارهٔ همراه تغییر کرد؛ پیامک‌های "
        f"{persian_digits(len(changed))} درخواست باز شما هم به شمارهٔ تازه می‌رود."
    )
