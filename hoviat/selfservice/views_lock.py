"""Page: lock my card (/me/lock/): choose, get a code by SMS, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from hoviat.core.errors import DomainError
from hoviat.core.text import persian_digits
from hoviat.selfservice import history, locking
from hoviat.selfservice.forms_history import CodeForm, LockForm, UnlockForm
from hoviat.selfservice.views_history import holder_required

PENDING_KEY = "selfservice_lock_pending"


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@holder_required
def lock_page(request):
    lock_form = LockForm(
        request.POST if request.POST.get("action") == "lock" else None, prefix="lock"
    )
    unlock_form = UnlockForm(
        request.POST if request.POST.get("action") == "unlock" else None, prefix="unlock"
    )
    chosen = lock_form if request.POST.get("action") == "lock" else unlock_form
    if request.method == "POST" and chosen.is_bound and chosen.is_valid():
        data = chosen.cleaned_data
        pending = {"action": request.POST["action"], "minutes": data.get("minutes")}
        if pending["action"] == "lock":
            pending["kinds"] = data["kinds"]
        try:
            locking.card_lock_code_send(holder=request.holder, client_address=_address(request))
        except DomainError as exc:
            chosen.add_error(None, exc.detail)
        else:
            request.session[PENDING_KEY] = pending
            return redirect("selfservice:lock_confirm")
    return render(
        request,
        "selfservice/lock.html",
        {
            "lock": history.holder_lock_view(holder=request.holder),
            "lock_form": lock_form,
            "unlock_form": unlock_form,
            "form": chosen if chosen.is_bound else None,
        },
    )


def _done_message(pending: dict) -> str:
    minutes = pending.get("minutes")
    if pending["action"] == "lock":
        how = f"برای {persian_digits(minutes)} دقیقه" if minutes else "تا وقتی خودتان باز کنید"
        return (
            f"کارت شما قفل شد ({how}). از این لحظه استعلام‌ها «قفل‌شده به خواست دارنده» پاسخ می‌گیرند."
        )
    if minutes:
        return f"قفل برای {persian_digits(minutes)} دقیقه باز شد و پس از آن خودبه‌خود برمی‌گردد."
    return "قفل کارت شما باز شد."


@holder_required
def lock_confirm(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("selfservice:lock")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if pending["action"] == "lock":
                locking.card_lock_set(
                    holder=request.holder,
                    kinds=pending["kinds"],
                    minutes=pending["minutes"],
                    code=code,
                    client_address=_address(request),
                )
            else:
                locking.card_lock_clear(
                    holder=request.holder,
                    minutes=pending["minutes"],
                    code=code,
                    client_address=_address(request),
                )
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            request.session.pop(PENDING_KEY, None)
            messages.success(request, _done_message(pending))
            return redirect("selfservice:lock")
    return render(
        request,
        "selfservice/lock_confirm.html",
        {
            "form": form,
            "pending": pending,
            "kinds_fa": [history.LOCK_KIND_FA.get(k, k) for k in pending.get("kinds", [])],
            "mobile": request.holder.mobile,
        },
    )
