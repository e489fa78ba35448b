"""The office counter page: an operator opens the application of a person whose mobile is not
their own line, after checking their shenasnameh."""

import pytest

from hoviat.applications.models import Application
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in

pytestmark = pytest.mark.django_db


def _open(client, **changes):
    form = {
        "national_code": "0499370899",
        "mobile": "09351112233",
        "document": "شناسنامهٔ عکس‌دار ۲۰/الف ۱۲۳۴۵۶",
        **changes,
    }
    return client.post("/office/counter/applications/", form, follow=True)


def test_reza_opens_saras_application_at_the_counter_page(client, reza, sara):
    staff_sign_in(client, reza)
    assert "ثبت درخواست در پیشخوان" in client.get("/office/").content.decode()

    page = _open(client)

    application = Application.objects.get(citizen=sara)
    assert application.mobile == "09351112233"
    assert application.tracking_code in page.content.decode()
    assert AuditEntry.objects.get(action="application.opened_at_counter").actor_id == str(reza.pk)


def test_the_counter_page_says_why_it_refuses(client, reza, sara):
    staff_sign_in(client, reza)

    page = _open(client, document="")

    assert "مدرک" in page.content.decode()
    assert not Application.objects.exists()
