"""Delivery API: receiving shipments at the office, hand-over, the card-ready notice's mobile.

`POST /shipments/{id}/receive` and `POST /cards/{serial}/handover` (office operators, staff
token); `POST /track/card-mobile` and `/track/card-mobile/verify` (citizens, no sign-in: the
tracking page's national code + tracking code, and a code sent to the new mobile).

Hand-over keeps its request and answer. `verification.pins` are what the office's PIN pad read
from the holder's own keys (the desk software relays them, as it relays the scanner's finger):
an operator never types them. Refusals (issue 16): a tracking code that is not the card's
application's is 422 `TRACKING_CODE_NOT_FOUND` «کد رهگیری پیدا نشد.» (was
`TRACKING_CODE_MISMATCH`); every refusal carries `attempts_left` and `counted`; only a
finger that does not match and a wrong PIN or PUK (`PIN_WRONG`, `PUK_WRONG`, which now also
carry `attempts_left`) count towards the day's lock (423 `HANDOVER_LOCKED`), what the operator
types (national code, tracking code, receipt) does not.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Literal

from django.conf import settings
from ninja import Field, Router, Schema, Status

from hoviat.core.api import Problem, staff_auth
from hoviat.core.errors import ValidationFailed
from hoviat.core.jalali import today_local
from hoviat.core.national_code import parse_national_code
from hoviat.core.ratelimit import rate_limit_hit
from hoviat.delivery import selectors, services
from hoviat.delivery.services.receiving import require_office_operator
from hoviat.enrolment.devices import MissingFinger, SimulatorDevice

router = Router(tags=["delivery"])


# --- Receiving ----------------------------------------------------------------------------


class ReceiveIn(Schema):
    card_serials: list[str] | str = Field(
        ..., description="serials as scanned or typed: a list, or text one per line"
    )


class ReceiveOut(Schema):
    shipment_id: int
    shipment_status: str
    received: list[str]
    missing: list[str] = Field(description="in the manifest, not scanned: still in transit")
    unexpected: list[str] = Field(description="scanned, not in this shipment: not received")
    sms_queued: int


@router.post(
    "/shipments/{shipment_id}/receive",
    response=ReceiveOut,
    auth=staff_auth,
    summary="Receive a shipment at its office: scanned cards at office, card-ready SMS queued",
)
def shipment_receive(request, shipment_id: int, payload: ReceiveIn):
    result = services.shipment_receive(
        shipment_id=shipment_id, card_serials=payload.card_serials, actor=request.auth
    )
    return {
        "shipment_id": result.shipment_id,
        "shipment_status": "received",
        "received": result.received,
        "missing": result.missing,
        "unexpected": result.unexpected,
        "sms_queued": result.sms_queued,
    }


class WaitingOut(Schema):
    card_serial: str
    tracking_code: str
    hold_until: dt.date
    days_left: int
    reminders_sent: int
    notice_status: str
    notice_failed: bool


@router.get(
    "/office/cards-waiting",
    response=list[WaitingOut],
    auth=staff_auth,
    summary="Cards waiting at the operator's office, with the state of their card-ready SMS",
)
def cards_waiting(request, failed_only: bool = False):
    operator = require_office_operator(request.auth)
    return [
        {
            "card_serial": w.csn,
            "tracking_code": w.tracking_code,
            "hold_until": w.hold_until,
            "days_left": w.days_left,
            "reminders_sent": w.reminders_sent,
            "notice_status": w.notice_status,
            "notice_failed": w.notice_failed,
        }
        for w in selectors.cards_waiting_at(
            office_id=operator.office_id, today=today_local(), failed_only=failed_only
        )
    ]


# --- Hand-over ----------------------------------------------------------------------------


class HandoverFingerprintIn(Schema):
    position: int | None = Field(
        None, ge=1, le=10, description="ISO finger position; default the first one enrolled"
    )
    image: str | None = Field(None, description="base64 PNG from the scanner")
    capture: Literal["simulator"] | None = Field(
        None, description="take the finger from the simulator device (development)"
    )
    person: str | None = Field(
        None,
        description="simulator only: national code of who puts the finger (default: the holder)",
    )


class PinsIn(Schema):
    id: str = Field(description="ID PIN chosen by the holder (4–8 digits)")
    sign: str
    nmoc: str
    id_confirmation: str = Field(description="the ID PIN typed again on the chip's pad")
    puk: str | None = Field(
        None, description="from the PIN mailer: opens a PIN blocked by wrong confirmations"
    )


class VerificationIn(Schema):
    fingerprint: HandoverFingerprintIn
    pins: PinsIn


class HandoverIn(Schema):
    national_code: str
    tracking_code: str | None = Field(None, description="or receipt_qr")
    receipt_qr: str | None = Field(None, description="the receipt's QR text (HVR1:…)")
    verification: VerificationIn


class HandoverOut(Schema):
    card_serial: str
    card_status: str
    application_status: str
    tracking_code: str
    handed_over_at: dt.datetime
    verification: str
    fingerprint_score: int
    invalidated_cards: list[str]
    invalidated_old_cards: list[str]


def _fingerprint_sample(
    data: HandoverFingerprintIn, national_code: str
) -> services.FingerprintSample:
    position = data.position
    if data.capture == "simulator":
        if not settings.ENROLMENT_SIMULATOR_ENABLED:
            raise ValidationFailed(
                "دستگاه شبیه‌ساز در این سامانه خاموش است.", code="SIMULATOR_DISABLED"
            )
        person = parse_national_code(data.person or national_code)
        image = SimulatorDevice(person=person).capture_finger(position or 1)
        if isinstance(image, MissingFinger):  # the simulator has all ten fingers
            raise ValidationFailed("اثر انگشت گرفته نشد.", code="FINGERPRINT_REQUIRED")
        return services.FingerprintSample(position=position or 1, image=image)
    if not data.image:
        raise ValidationFailed(
            "اثر انگشت را از دستگاه بگیرید و بفرستید.", code="FINGERPRINT_REQUIRED"
        )
    text = data.image.split(",", 1)[1] if data.image.startswith("data:") else data.image
    try:
        image = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "تصویر اثر انگشت باید با base64 فرستاده شود.", code="IMAGE_ENCODING_INVALID"
        ) from None
    return services.FingerprintSample(position=position, image=image)


@router.post(
    "/cards/{serial}/handover",
    # 423: the card is locked for hand-over today, or a chip PIN is blocked.
    response={200: HandoverOut, 423: Problem},
    auth=staff_auth,
    summary="Hand a card over: identity, fingerprint, PINs; card active, application delivered",
    description=(
        "The PINs are the ones the holder typed on the office's PIN pad, relayed by the desk "
        "software. A wrong tracking code is 422 TRACKING_CODE_NOT_FOUND and does not count; "
        "only FINGERPRINT_MISMATCH, PIN_WRONG and PUK_WRONG count towards the day's lock "
        "(DELIVERY_HANDOVER_MAX_FAILURES). Refusals carry attempts_left and counted."
    ),
)
def card_handover(request, serial: str, payload: HandoverIn):
    pins = payload.verification.pins
    handover = services.card_handover(
        card_serial=serial,
        operator=request.auth,
        national_code=payload.national_code,
        tracking_code=payload.tracking_code or "",
        receipt_qr=payload.receipt_qr or "",
        fingerprint=_fingerprint_sample(payload.verification.fingerprint, payload.national_code),
        pins=services.ChosenPins(
            id_pin=pins.id,
            sign_pin=pins.sign,
            nmoc_pin=pins.nmoc,
            id_pin_confirmation=pins.id_confirmation,
            puk=pins.puk or "",
        ),
    )
    return {
        "card_serial": handover.card.csn,
        "card_status": handover.card.status,
        "application_status": handover.application.status,
        "tracking_code": handover.application.tracking_code,
        "handed_over_at": handover.handed_over_at,
        "verification": handover.verification,
        "fingerprint_score": handover.fingerprint_score,
        "invalidated_cards": handover.invalidated_cards,
        "invalidated_old_cards": handover.invalidated_old_cards,
    }


# --- The citizen's mobile for the card-ready notice ---------------------------------------


def _tracking_rate_limit(request) -> None:
    # National code + tracking code is what the tracking page asks: the same limit per address.
    rate_limit_hit(
        scope="track",
        subject=request.META.get("REMOTE_ADDR", ""),
        limit=settings.TRACKING_RATE_PER_MINUTE,
        window=dt.timedelta(minutes=1),
    )


class MobileChangeIn(Schema):
    national_code: str
    tracking_code: str
    mobile: str = Field(description="the NEW mobile; a code is sent to it")


class MobileChangeVerifyIn(MobileChangeIn):
    code: str


class MobileChangeOut(Schema):
    tracking_code: str
    mobile_tail: str
    notice_status: str


@router.post(
    "/track/card-mobile",
    response={202: None, 404: Problem, 429: Problem},
    summary="Ask to send the card-ready SMS to a new mobile: a code goes to that mobile",
)
def card_mobile_request(request, payload: MobileChangeIn):
    _tracking_rate_limit(request)
    services.collection_mobile_change_request(
        national_code=payload.national_code,
        tracking_code=payload.tracking_code,
        mobile=payload.mobile,
    )
    return Status(202, None)


@router.post(
    "/track/card-mobile/verify",
    response={200: MobileChangeOut, 401: Problem, 404: Problem, 429: Problem},
    summary="Prove the new mobile by its code; the card-ready SMS is sent to it again",
)
def card_mobile_verify(request, payload: MobileChangeVerifyIn):
    _tracking_rate_limit(request)
    collection = services.collection_mobile_change(
        national_code=payload.national_code,
        tracking_code=payload.tracking_code,
        mobile=payload.mobile,
        code=payload.code,
    )
    collection.refresh_from_db()
    application = collection.card.application
    return {
        "tracking_code": application.tracking_code,
        "mobile_tail": application.mobile[-4:],
        "notice_status": collection.last_sms.status if collection.last_sms else "",
    }
