"""A lost tracking code sent again by SMS to the registered mobile, telling nothing."""

import pytest

from hoviat.core.models import AuditEntry
from hoviat.core.text import persian_digits
from hoviat.notifications.models import SmsMessage
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

URL = "/citizen/lost-code/"


def test_the_code_goes_to_the_mobile_on_the_application_not_to_the_page(client, sara):
    application = ApplicationFactory(citizen=sara, mobile="09171112233", status="pre_registered")

    response = client.post(URL, {"national_code": persian_digits(sara.national_code)})

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="lost-code-sent"' in html
    assert application.tracking_code not in html
    assert persian_digits(application.tracking_code) not in html
    sms = SmsMessage.objects.get(kind="tracking_code_resent")
    assert sms.to == "09171112233"
    assert persian_digits(application.tracking_code) in sms.body
    assert AuditEntry.objects.filter(action="application.tracking_code_resent").count() == 1


def test_an_unknown_code_gets_the_very_same_answer_and_no_sms(client, sara):
    ApplicationFactory(citizen=sara, status="pre_registered")
    known = client.post(URL, {"national_code": sara.national_code}).content.decode()
    unknown = client.post(URL, {"national_code": "0012345679"}).content.decode()

    def answer(html):
        return html[html.index("<main") : html.index("</main>")].split("csrfmiddlewaretoken")[0]

    assert answer(known) == answer(unknown)
    assert SmsMessage.objects.filter(kind="tracking_code_resent").count() == 1


def test_a_mistyped_national_code_is_said_beside_the_field(client):
    response = client.post(URL, {"national_code": "123"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'href="#id_national_code"' in html and 'id="id_national_code_error"' in html


def test_sends_are_limited_per_national_code_and_the_limit_says_how_long(client, sara, settings):
    settings.TRACKING_RESEND_PER_DAY = 1
    ApplicationFactory(citizen=sara, status="pre_registered")
    client.post(URL, {"national_code": sara.national_code})

    response = client.post(URL, {"national_code": sara.national_code})

    assert response.status_code == 429
    assert "دقیقه دیگر دوباره تلاش کنید" in response.content.decode()
    assert SmsMessage.objects.filter(kind="tracking_code_resent").count() == 1
