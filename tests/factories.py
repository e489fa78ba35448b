"""The one way tests build data: factory_boy factories for every stage's rows.

Importable from every app's tests (test code may import any app). Rows that only a service
can make genuine (a signed receipt QR, a partner's API key, a card's chip and certificates)
are made by calling that service; the rest are plain rows, as the services would leave them.

    ApplicationFactory(citizen=sara, status="enrolled")  # paid_at and enrolled_at filled
    EnrolmentFactory(application__citizen=sara, office=office, operator=reza)
    ReceiptFactory(enrolment=enrolment)                   # signed by enrolment's own code
    key = ApiKeyFactory(partner=PartnerFactory(name="بانک ملی")); key.raw

The personas (Sara, Reza, Maryam, Nasrin, Kaveh) stay fixtures in the root conftest.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import factory
from django.db.models import F
from django.utils import timezone

from hoviat.applications.codes import tracking_code_new
from hoviat.applications.models import (
    CLOSED_STATUSES,
    Application,
    ApplicationStatus,
    CitizenSession,
)

# The hash a citizen token is kept under is applications' own rule; only this module uses it.
from hoviat.applications.services import citizen_token_hash
from hoviat.booking.models import Booking, BookingStatus, Slot
from hoviat.core.models import Role
from hoviat.core.tests.factories import UserFactory
from hoviat.delivery.models import Collection, Handover
from hoviat.enrolment.models import Enrolment, EnrolmentStatus, Receipt

# Receipts are issued (numbered, signed) by enrolment's own code; only this module uses it.
from hoviat.enrolment.services import receipt_issue
from hoviat.inquiry.models import ApiKey, Partner
from hoviat.inquiry.reasons import ATTRIBUTES, SCOPES
from hoviat.inquiry.services import api_key_create, partner_create
from hoviat.offices.selectors import OFFICE_TZ
from hoviat.offices.tests.factories import OfficeFactory
from hoviat.places.tests.factories import (
    CityFactory,
    CountyFactory,
    NationalCodePrefixFactory,
    ProvinceFactory,
)
from hoviat.production.models import Card, PersonalisationRun, Shipment
from hoviat.registry.tests.factories import CitizenFactory

__all__ = [
    "ApiKeyFactory",
    "ApplicationFactory",
    "BookingFactory",
    "CardFactory",
    "CitizenFactory",
    "CitizenSessionFactory",
    "CityFactory",
    "CollectionFactory",
    "CountyFactory",
    "EnrolmentFactory",
    "HandoverFactory",
    "InTransit",
    "NationalCodePrefixFactory",
    "OfficeFactory",
    "PartnerFactory",
    "PersonalisationRunFactory",
    "ProvinceFactory",
    "ReceiptFactory",
    "ShipmentFactory",
    "SlotFactory",
    "UserFactory",
    "cards_in_transit",
    "enrolled_applications",
]

FEE_FIRST = 1_450_000
RECEIPT_VALID_DAYS = 180

# Which timestamps an application in a status carries. Side exits that may come before
# payment or enrolment (expired, cancelled, rejected) carry only closed_at.
_ENROLLED_OR_LATER = frozenset(
    {
        "enrolled",
        "in_production",
        "produced",
        "shipped",
        "ready_at_office",
        "delivered",
        "voided",
    }
)
_PAID_OR_LATER = _ENROLLED_OR_LATER | {"paid", "booked"}

# The application's status that goes with a card's.
_APPLICATION_STATUS_OF_CARD = {
    "personalised": "produced",
    "qc_failed": "in_production",
    "in_transit": "shipped",
    "at_office": "ready_at_office",
    "voided": "voided",
    "destroyed": "voided",
}


# --- Applications, bookings and citizen sessions ----------------------------------------------


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application already in `status`; the timestamps that status implies are `at`."""

    class Meta:
        model = Application

    class Params:
        at = factory.LazyFunction(timezone.now)

    tracking_code = factory.LazyFunction(tracking_code_new)
    citizen = factory.SubFactory(CitizenFactory)
    kind = "first"
    fee_rials = FEE_FIRST
    mobile = factory.SelfAttribute("citizen.mobile")
    status = ApplicationStatus.PRE_REGISTERED
    paid_at = factory.LazyAttribute(lambda o: o.at if o.status in _PAID_OR_LATER else None)
    enrolled_at = factory.LazyAttribute(lambda o: o.at if o.status in _ENROLLED_OR_LATER else None)
    closed_at = factory.LazyAttribute(lambda o: o.at if o.status in CLOSED_STATUSES else None)


class SlotFactory(factory.django.DjangoModelFactory):
    """A 15-minute appointment slot at an office (Tehran time)."""

    class Meta:
        model = Slot

    office = factory.SubFactory(OfficeFactory)
    starts_at = factory.LazyFunction(
        lambda: timezone.localtime(timezone.now(), OFFICE_TZ).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=15))
    date = factory.LazyAttribute(lambda o: o.starts_at.astimezone(OFFICE_TZ).date())
    capacity = 2
    taken = 0


class BookingFactory(factory.django.DjangoModelFactory):
    """An appointment; a held or booked one takes its seat in the slot, as booking does."""

    class Meta:
        model = Booking
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.BOOKED)
    slot = factory.SubFactory(SlotFactory)
    status = BookingStatus.BOOKED

    @factory.post_generation
    def seat(obj, create, extracted, **kwargs):
        if create and obj.status in (BookingStatus.HELD, BookingStatus.BOOKED):
            Slot.objects.filter(pk=obj.slot_id).update(taken=F("taken") + 1)


class CitizenSessionFactory(factory.django.DjangoModelFactory):
    """A citizen signed in (as if the SMS code had been entered); `.token` is the raw token."""

    class Meta:
        model = CitizenSession
        django_get_or_create = ("token_hash",)

    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    mobile = factory.Sequence(lambda n: f"0935{n:07d}")
    token_hash = factory.LazyAttribute(lambda o: citizen_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))

    @classmethod
    def _create(cls, model_class, *args, token, **kwargs):
        session = super()._create(model_class, *args, **kwargs)
        session.token = token  # stored hashed only: the raw token lives on the object
        return session


# --- Enrolment and its receipt ---------------------------------------------------------------


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A completed enrolment at `at`: its application enrolled then, placeholder hashes."""

    class Meta:
        model = Enrolment

    class Params:
        at = factory.LazyFunction(timezone.now)

    application = factory.SubFactory(
        ApplicationFactory, status=ApplicationStatus.ENROLLED, at=factory.SelfAttribute("..at")
    )
    office = factory.SubFactory(OfficeFactory)
    operator = factory.SubFactory(
        UserFactory, role=Role.OFFICE_OPERATOR, office=factory.SelfAttribute("..office")
    )
    status = EnrolmentStatus.COMPLETED
    started_at = factory.SelfAttribute("at")
    completed_at = factory.LazyAttribute(
        lambda o: o.at if o.status == EnrolmentStatus.COMPLETED else None
    )
    face_sha256 = "f" * 64
    fingerprints = factory.LazyFunction(
        lambda: {"1": {"sha256": "a" * 64}, "2": {"missing": "AMPUTATED"}}
    )


class ReceiptFactory(factory.django.DjangoModelFactory):
    """A current receipt with a genuinely signed QR, issued by enrolment's own code."""

    class Meta:
        model = Receipt

    enrolment = factory.SubFactory(EnrolmentFactory)
    application = factory.SelfAttribute("enrolment.application")
    issued_by = factory.SelfAttribute("enrolment.operator")
    office_id = factory.SelfAttribute("enrolment.office_id")
    issued_at = factory.LazyAttribute(lambda o: o.enrolment.completed_at or timezone.now())
    valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=RECEIPT_VALID_DAYS)
    )

    @classmethod
    def _create(cls, model_class, *, issued_by, **kwargs):
        return receipt_issue(operator=issued_by, **kwargs)


# --- Production: runs, cards, shipments --------------------------------------------------------


class PersonalisationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalisationRun

    date = factory.LazyFunction(timezone.localdate)
    status = "completed"
    started_at = factory.LazyFunction(timezone.now)
    heartbeat_at = factory.SelfAttribute("started_at")


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A shipment to an office, dispatched unless `status="packed"`."""

    class Meta:
        model = Shipment

    office = factory.SubFactory(OfficeFactory)
    status = "dispatched"
    created_at = factory.LazyFunction(timezone.now)
    dispatched_at = factory.LazyAttribute(lambda o: None if o.status == "packed" else o.created_at)


class CardFactory(factory.django.DjangoModelFactory):
    """A card row as production leaves it, without a chip (see `cards_in_transit` for one
    with a real chip and certificates); its application is in the matching status."""

    class Meta:
        model = Card

    csn = factory.Sequence(lambda n: f"IRTEST{n:08d}")
    crn = factory.Sequence(lambda n: f"{9_000_000_000 + n}")
    application = factory.SubFactory(
        ApplicationFactory,
        status=factory.LazyAttribute(
            lambda o: _APPLICATION_STATUS_OF_CARD.get(o.factory_parent.status, "delivered")
        ),
    )
    status = "at_office"
    run = factory.SubFactory(PersonalisationRunFactory)
    shipment = None
    office = factory.SubFactory(OfficeFactory)
    issued_on = factory.LazyFunction(timezone.localdate)
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=7 * 365))
    chip_id = factory.Sequence(lambda n: f"chip-{n}")
    auth_cert_serial = factory.Sequence(lambda n: str(10**20 + 2 * n))
    sign_cert_serial = factory.Sequence(lambda n: str(10**20 + 2 * n + 1))
    data_object_sha256 = "d" * 64


# --- Delivery: waiting at the office, handed over ---------------------------------------------


class CollectionFactory(factory.django.DjangoModelFactory):
    """A card waiting at its office for its holder."""

    class Meta:
        model = Collection

    card = factory.SubFactory(CardFactory, status="at_office")
    office = factory.SelfAttribute("card.office")
    arrived_at = factory.LazyFunction(timezone.now)
    hold_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))


class HandoverFactory(factory.django.DjangoModelFactory):
    """The record of a card placed in its holder's hand (the card's status is the caller's)."""

    class Meta:
        model = Handover

    card = factory.SubFactory(CardFactory, status="active")
    application = factory.SelfAttribute("card.application")
    office = factory.SelfAttribute("card.office")
    operator = factory.SubFactory(
        UserFactory, role=Role.OFFICE_OPERATOR, office=factory.SelfAttribute("..office")
    )
    handed_over_at = factory.LazyFunction(timezone.now)
    verification = "tracking_code"
    fingerprint_position = 1
    fingerprint_score = 90


# --- Inquiry: relying parties and their keys --------------------------------------------------


class PartnerFactory(factory.django.DjangoModelFactory):
    """A relying party registered through inquiry's service (audited), every scope by default."""

    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"بانک آزمایشی {n}")
    scopes = factory.LazyFunction(lambda: list(SCOPES))
    attributes = factory.LazyFunction(lambda: list(ATTRIBUTES))
    rate_limit_per_minute = None  # None: the service's default
    daily_quota = None
    allowed_networks = None

    @classmethod
    def _create(cls, model_class, *, allowed_networks, **kwargs):
        return partner_create(networks=allowed_networks, **kwargs)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An API key made by inquiry's service; `.raw` is the key as its partner received it."""

    class Meta:
        model = ApiKey

    partner = factory.SubFactory(PartnerFactory)
    label = "test"
    expires_at = None

    @classmethod
    def _create(cls, model_class, *, partner, **kwargs):
        raw, key = api_key_create(partner_id=partner.pk, **kwargs)
        key.raw = raw  # shown once and never stored: the test keeps it here
        return key


# --- Whole stages, through the real pipeline ---------------------------------------------------


def enrolled_applications(
    office, operator, *, n: int = 1, kind: str = "first", start: dt.datetime | None = None
) -> list[Application]:
    """n residents of the office's city enrolled there, one minute apart, oldest first."""
    start = start or timezone.now() - dt.timedelta(days=3)
    return [
        EnrolmentFactory(
            at=start + dt.timedelta(minutes=i),
            office=office,
            operator=operator,
            application__kind=kind,
            application__citizen=CitizenFactory(
                residence_city=office.city, issuing_county=office.city.county
            ),
        ).application
        for i in range(n)
    ]


@dataclass
class InTransit:
    shipment: Shipment
    cards: list[Card]
    applications: list[Application]


def cards_in_transit(office, operator, production_user, *, n: int = 2, sara=None) -> InTransit:
    """n enrolled applications at `office` (plus Sara's, first, if given) made into cards by
    the real production run (chips, certificates: needs a CA, see `real_pki`), packed and
    dispatched."""
    from hoviat.production.services import (
        production_run,
        shipment_dispatch,
        shipments_pack,
        stock_deliver,
    )

    apps = enrolled_applications(office, operator, n=n, start=timezone.now() - dt.timedelta(days=5))
    if sara is not None:
        saras = EnrolmentFactory(
            at=timezone.now() - dt.timedelta(days=6),
            office=office,
            operator=operator,
            application__citizen=sara,
        )
        apps.insert(0, saras.application)
    stock_deliver(quantity=100, lot="TEST-LOT", actor=production_user)
    production_run(date=timezone.localdate(), actor=production_user)
    shipments_pack(actor=production_user)  # the run packs already; this is a no-op then
    shipment = Shipment.objects.get(office=office, status="packed")
    shipment_dispatch(shipment_id=shipment.pk, actor=production_user)
    cards = list(Card.objects.filter(shipment=shipment).order_by("pk"))
    for app in apps:
        app.refresh_from_db()
    return InTransit(shipment=shipment, cards=cards, applications=apps)
