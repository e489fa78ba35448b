"""The receipt PDF from the citizen portal: once enrolled, only the owner's mobile."""

import pytest
from django.test import Client

from hoviat.core.models import AuditEntry
from tests.factories import ApplicationFactory, EnrolmentFactory, ReceiptFactory

pytestmark = pytest.mark.django_db


def _citizen(mobile: str) -> Client:
    client = Client()
    session = client.session
    session["citizen_mobile"] = mobile
    session.save()
    return client


@pytest.fixture
def saras_receipt(sara):
    enrolment = EnrolmentFactory(application__citizen=sara, application__mobile=sara.mobile)
    return ReceiptFactory(enrolment=enrolment)


def test_the_owner_downloads_her_receipt_from_the_portal(sara, saras_receipt):
    code = saras_receipt.application.public_id
    page = _citizen(sara.mobile).get(f"/citizen/applications/{code}/").content.decode()
    assert f"/citizen/applications/{code}/receipt.pdf" in page

    response = _citizen(sara.mobile).get(f"/citizen/applications/{code}/receipt.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    seen = AuditEntry.objects.filter(action="receipt.rendered").latest("id")
    assert seen.actor_kind == "citizen"


def test_another_mobile_gets_a_404_and_no_pdf(sara, saras_receipt):
    code = saras_receipt.application.public_id
    response = _citizen("09350000000").get(f"/citizen/applications/{code}/receipt.pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_before_enrolment_there_is_no_receipt_link_and_a_404(sara):
    application = ApplicationFactory(citizen=sara, mobile=sara.mobile, status="booked")
    code = application.public_id
    page = _citizen(sara.mobile).get(f"/citizen/applications/{code}/").content.decode()
    assert "receipt.pdf" not in page
    response = _citizen(sara.mobile).get(f"/citizen/applications/{code}/receipt.pdf")
    assert response.status_code == 404
    assert "پس از ثبت‌نام حضوری" in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(saras_receipt):
    code = saras_receipt.application.public_id
    response = Client().get(f"/citizen/applications/{code}/receipt.pdf")
    assert response.status_code == 302 and "/citizen/sign-in/" in response["Location"]
