"""Public PKI pages: the published receipt keys, and verifying a receipt by hand."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from hoviat.core.errors import RateLimited
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.pki import selectors
from hoviat.pki.forms import ReceiptVerifyForm


@require_safe
@cache_control(public=True, max_age=300)
def receipt_keys(request):
    response = JsonResponse(selectors.receipt_keys_document())
    # Public keys: any verifier, including a page on another site, may fetch them.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def verify(request):
    verdict, error, status = None, "", 200
    if request.method == "POST":
        form = ReceiptVerifyForm(request.POST, request.FILES)
        try:
            # Counted before the upload is decoded: decoding an image is the costly part.
            rate_limit_hit(scope="receipt-verify", subject=request.META.get("REMOTE_ADDR", ""),
                           limit=getattr(settings, "PKI_VERIFY_RATE_PER_MINUTE", 30),
                           window=dt.timedelta(minutes=1))
        except RateLimited as exc:
            # Unbound, so rendering it does not decode the upload after all.
            form = ReceiptVerifyForm(initial={"text": request.POST.get("text", "")})
            error, status = exc.detail, 429
        else:
            if form.is_valid():
                verdict = selectors.receipt_qr_verify(text=form.cleaned_data["qr_text"])
    else:
        form = ReceiptVerifyForm()
    return render(request, "pki/verify.html",
                  {"form": form, "verdict": verdict, "error": error}, status=status)
