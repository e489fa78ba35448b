"""Pages: who asked about me (/me/), and naming the national code once per session."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hoviat.applications.views import citizen_required
from hoviat.core.errors import DomainError
from hoviat.selfservice import history, locking
from hoviat.selfservice.forms_history import WhoForm

# The session keeps the keyed hash of the national code, never the code.
HOLDER_KEY = "selfservice_holder"


def holder_required(view):
    """A signed-in citizen who has named a national code their mobile owns (this session)."""

    @wraps(view)
    @citizen_required
    def wrapper(request, *args, **kwargs):
        kept = request.session.get(HOLDER_KEY) or {}
        if kept.get("mobile") != request.citizen_mobile:
            return redirect(f"{reverse('selfservice:who')}?next={request.get_full_path()}")
        request.holder = history.Holder(mobile=kept["mobile"], subject_hash=kept["subject"])
        request.holder_tail = kept.get("tail", "")
        return view(request, *args, **kwargs)

    return wrapper


@citizen_required
def who(request):
    form = WhoForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["national_code"]
        try:
            holder = history.access_holder_for(mobile=request.citizen_mobile, national_code=code)
        except DomainError as exc:
            form.add_error("national_code", exc.detail)
        else:
            request.session[HOLDER_KEY] = {
                "mobile": holder.mobile,
                "subject": holder.subject_hash,
                "tail": code[-3:],
            }
            target = request.POST.get("next") or ""
            return redirect(target if target.startswith("/me/") else reverse("selfservice:history"))
    return render(
        request,
        "selfservice/history_who.html",
        {"form": form, "next": request.GET.get("next") or request.POST.get("next") or ""},
    )


@holder_required
def history_page(request):
    page = request.GET.get("page") or None
    try:
        items, next_page = history.holder_history(holder=request.holder, page=page)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("selfservice:history")
    return render(
        request,
        "selfservice/history.html",
        {
            "items": items,
            "next_page": next_page,
            "first_page": page is None,
            "lock": history.holder_lock_view(holder=request.holder),
            "digest_on": history.holder_digest_on(holder=request.holder),
            "tail": request.holder_tail,
        },
    )


@require_POST
@holder_required
def digest(request):
    on = request.POST.get("on") == "1"
    locking.inquiry_digest_set(holder=request.holder, on=on)
    messages.success(
        request,
        "خلاصهٔ ماهانهٔ استعلام‌ها برایتان پیامک می‌شود."
        if on
        else "خلاصهٔ ماهانه دیگر فرستاده نمی‌شود.",
    )
    return redirect("selfservice:history")
