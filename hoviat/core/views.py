import base64

import segno
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from hoviat.core.audit_tree import audit_checkpoint_latest
from hoviat.core.selectors import passkeys_of
from hoviat.core.services import (
    second_factor_check,
    second_factor_enrolled,
    totp_enrolment_confirm,
    totp_enrolment_start,
)


def home(request):
    return render(request, "core/home.html")


@require_GET
def audit_checkpoint_view(request):
    """The audit log's newest signed checkpoint (C2SP format), for outside witnesses to keep."""
    checkpoint = audit_checkpoint_latest()
    if checkpoint is None:
        return HttpResponse(
            "no checkpoint yet\n", status=404, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=5"  # a new one every few seconds
    return response


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
def second_factor(request):
    """After the password: enrol an authenticator (QR and recovery codes) or a passkey, or
    give the authenticator's code or use the passkey; once passed, add a passkey."""
    user = request.user
    context: dict = {"next": _next_url(request), "error": False}
    if user.is_verified():
        # Already past the second factor: the page to add a passkey (the library refuses
        # to register one for a session that has not passed the factor it already has).
        context["passkeys"] = passkeys_of(user=user)
        return render(request, "registration/second_factor_passkeys.html", context)
    if second_factor_enrolled(user=user):
        context["has_passkey"] = bool(passkeys_of(user=user))
        if request.method == "POST":
            device = second_factor_check(user=user, code=request.POST.get("code", ""))
            if device is not None:
                otp_login(request, device)
                return redirect(context["next"])
            context["error"] = True
        return render(request, "registration/second_factor_verify.html", context)

    if request.method == "POST":
        confirmed = totp_enrolment_confirm(user=user, code=request.POST.get("code", ""))
        if confirmed is not None:
            device, codes = confirmed
            otp_login(request, device)
            context["recovery_codes"] = codes
            return render(request, "registration/second_factor_codes.html", context)
        context["error"] = True
    device = totp_enrolment_start(user=user)
    context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
    context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "registration/second_factor_enrol.html", context)
