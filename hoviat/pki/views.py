"""Public PKI pages: receipt keys, verifying a receipt, CA certificates, the CRL and OCSP."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from hoviat.core.errors import RateLimited
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.pki import selectors, services
from hoviat.pki.digital_cards import is_card_qr
from hoviat.pki.forms import ReceiptVerifyForm


@require_safe
@cache_control(public=True, max_age=300)
def receipt_keys(request):
    response = JsonResponse(selectors.receipt_keys_document())
    # Public keys: any verifier, including a page on another site, may fetch them.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def verify(request):
    """A receipt's or a digital card's QR: the signature offline; for a card, its status now."""
    verdict, card_verdict, standing, error, status = None, None, None, "", 200
    if request.method == "POST":
        form = ReceiptVerifyForm(request.POST, request.FILES)
        try:
            # Counted before the upload is decoded: decoding an image is the costly part.
            rate_limit_hit(
                scope="receipt-verify",
                subject=request.META.get("REMOTE_ADDR", ""),
                limit=settings.PKI_VERIFY_RATE_PER_MINUTE,
                window=dt.timedelta(minutes=1),
            )
        except RateLimited as exc:
            # Unbound, so rendering it does not decode the upload after all.
            form = ReceiptVerifyForm(initial={"text": request.POST.get("text", "")})
            error, status = exc.detail, 429
        else:
            if form.is_valid():
                text = form.cleaned_data["qr_text"]
                if is_card_qr(text):
                    card_verdict = selectors.card_qr_verify(text=text)
                    if card_verdict.claims is not None:
                        standing = selectors.card_standing_online(
                            card_serial=card_verdict.claims.card_serial
                        )
                else:
                    verdict = selectors.receipt_qr_verify(text=text)
    else:
        form = ReceiptVerifyForm()
    return render(
        request,
        "pki/verify.html",
        {
            "form": form,
            "verdict": verdict,
            "card_verdict": card_verdict,
            "standing": standing,
            "error": error,
        },
        status=status,
    )


_NO_CA = "مرجع صدور گواهی هنوز راه‌اندازی نشده است."
# An OCSP request is a few hundred bytes; anything far larger is not one.
MAX_OCSP_REQUEST_BYTES = 8192


def _certificate(kind: str):
    der = selectors.ca_certificate_der(kind)
    if der is None:
        return HttpResponseNotFound(_NO_CA, content_type="text/plain; charset=utf-8")
    response = HttpResponse(der, content_type="application/pkix-cert")
    response["Content-Disposition"] = f'inline; filename="{kind}.crt"'
    return response


@require_safe
@cache_control(public=True, max_age=3600)
def root_certificate(request):
    return _certificate("root")


@require_safe
@cache_control(public=True, max_age=3600)
def issuing_certificate(request):
    return _certificate("issuing")


@require_safe
@cache_control(public=True, max_age=300)
def crl(request):
    der = selectors.crl_current_der()
    if der is None:
        # None published yet, or the schedule missed one: publish now rather than serve none.
        if selectors.ca_current("issuing") is None:
            return HttpResponseNotFound(_NO_CA, content_type="text/plain; charset=utf-8")
        der = bytes(services.crl_publish().der)
    response = HttpResponse(der, content_type="application/pkix-crl")
    response["Content-Disposition"] = 'inline; filename="issuing.crl"'
    return response


def _ocsp_response(der: bytes) -> HttpResponse:
    response = HttpResponse(
        services.ocsp_respond(request_der=der), content_type="application/ocsp-response"
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["POST"])
def ocsp(request):
    if len(request.body) > MAX_OCSP_REQUEST_BYTES:
        return HttpResponse(status=413)
    return _ocsp_response(request.body)


@require_safe
def ocsp_get(request, encoded: str):
    # RFC 6960 appendix A.1: GET {url}/{url-encoding of base64 of the DER request}; Django
    # has already undone the URL encoding.
    if len(encoded) > MAX_OCSP_REQUEST_BYTES:
        return HttpResponse(status=414)
    try:
        der = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        der = b""
    return _ocsp_response(der)
