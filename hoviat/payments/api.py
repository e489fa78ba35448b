import datetime as dt

from ninja import Router, Schema, Status

from hoviat.applications.api import citizen_auth
from hoviat.applications.selectors import access_application_for_citizen
from hoviat.core.audit import Actor
from hoviat.payments import selectors, services

router = Router(tags=["payments"])


class PaymentStartOut(Schema):
    payment_url: str
    authority: str
    amount_rials: int


class PaymentOut(Schema):
    authority: str
    amount_rials: int
    status: str
    status_label: str
    ref_id: str
    card_pan_masked: str
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


@router.post(
    "/applications/{tracking_code}/payment",
    response={201: PaymentStartOut},
    auth=citizen_auth,
    summary="Start paying the fee: returns the bank page to open",
)
def payment_start(request, tracking_code: str):
    application = access_application_for_citizen(mobile=request.auth, tracking_code=tracking_code)
    payment, url = services.payment_start(
        application=application,
        actor=Actor("citizen", application.citizen.national_code, "citizen"),
    )
    return Status(
        201,
        {"payment_url": url, "authority": payment.authority, "amount_rials": payment.amount_rials},
    )


@router.get(
    "/applications/{tracking_code}/payments",
    response=list[PaymentOut],
    auth=citizen_auth,
    summary="Payment attempts of an application, newest first",
)
def payments_list(request, tracking_code: str):
    application = access_application_for_citizen(mobile=request.auth, tracking_code=tracking_code)
    return list(selectors.payments_of_application(application=application))
