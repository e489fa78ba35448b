"""Who owns a mobile line: the simulator's table, how the demo and the generator fill it, and
the HTTP backend against a local fake Shahkar (yes, no, and failing closed)."""

import socket

import pytest
from django.test import Client

from hoviat.registry import demo
from hoviat.registry.models import Citizen, MobileOwnership
from hoviat.registry.ownership import MobileOwnershipUnavailable
from hoviat.registry.selectors import mobile_owns, national_codes_owned_by
from hoviat.registry.services import mobile_ownerships_fill, population_generate
from hoviat.registry.tests.fake_shahkar import FakeShahkar
from tests.factories import CitizenFactory, CitizenSessionFactory

SARA_MOBILE, SARA_CODE = "09171234567", "0499370899"

SARA_FORM = {
    "national_code": SARA_CODE,
    "shenasnameh_serial": "۲۰/الف ۱۲۳۴۵۶",
    "birth_date": "1370/05/14",
    "mother_name": "مریم",
    "gender": "female",
}


def test_generating_a_population_makes_each_registry_mobile_its_owners(places):
    population_generate(province="IR-06", size=300, seed=5, batch_size=100)

    with_mobile = set(Citizen.objects.exclude(mobile="").values_list("mobile", "national_code"))
    assert with_mobile  # the generator gives most people a mobile
    assert set(MobileOwnership.objects.values_list("mobile", "national_code")) == with_mobile
    assert set(MobileOwnership.objects.values_list("source", flat=True)) == {"registry"}


def test_filling_again_adds_nobody(places):
    population_generate(province="IR-06", size=100, seed=6)
    count = MobileOwnership.objects.count()

    assert mobile_ownerships_fill() == 0
    assert MobileOwnership.objects.count() == count


def test_the_demo_makes_sara_the_owner_of_her_mobile(places):
    demo.build(citizens=20, seed=1405)

    assert mobile_owns(mobile=SARA_MOBILE, national_code=SARA_CODE)
    assert not mobile_owns(mobile="09351112233", national_code=SARA_CODE)


@pytest.fixture
def http_backend(settings):
    settings.MOBILE_OWNERSHIP_BACKEND = "http"
    settings.MOBILE_OWNERSHIP_TOKEN = "shahkar-token"
    settings.MOBILE_OWNERSHIP_TIMEOUT_SECONDS = 0.5
    with FakeShahkar({(SARA_MOBILE, SARA_CODE)}) as fake:
        settings.MOBILE_OWNERSHIP_URL = fake.url
        yield fake


@pytest.mark.django_db
def test_the_http_backend_says_yes_for_the_owner_and_no_for_another(http_backend):
    assert mobile_owns(mobile=SARA_MOBILE, national_code=SARA_CODE) is True
    assert mobile_owns(mobile="09351112233", national_code=SARA_CODE) is False
    body, authorization = http_backend.requests[0]
    assert body == {"mobile": SARA_MOBILE, "national_code": SARA_CODE}
    assert authorization == "Bearer shahkar-token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "breakage",
    ["status_500", "not_json", "no_boolean", "too_slow"],
)
def test_the_http_backend_fails_closed_on_any_doubt(http_backend, breakage):
    if breakage == "status_500":
        http_backend.status = 500
    elif breakage == "not_json":
        http_backend.body = b"<html>maintenance</html>"
    elif breakage == "no_boolean":
        http_backend.body = b'{"owner": "yes"}'
    else:
        http_backend.delay = 1.0

    with pytest.raises(MobileOwnershipUnavailable):
        mobile_owns(mobile=SARA_MOBILE, national_code=SARA_CODE)


@pytest.mark.django_db
def test_the_http_backend_fails_closed_when_nothing_listens(settings):
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MOBILE_OWNERSHIP_BACKEND = "http"
    settings.MOBILE_OWNERSHIP_URL = f"http://127.0.0.1:{port}/ownership"

    with pytest.raises(MobileOwnershipUnavailable):
        mobile_owns(mobile=SARA_MOBILE, national_code=SARA_CODE)


def _citizen_client(mobile: str, token: str) -> Client:
    CitizenSessionFactory(mobile=mobile, token=token)
    return Client(headers={"Authorization": f"Bearer {token}"})


def _apply(client):
    return client.post("/api/v1/applications", SARA_FORM, content_type="application/json")


@pytest.fixture
def sara_in_registry_only(sara):
    """Sara, with no ownership row of her own: only the fake Shahkar knows her line."""
    MobileOwnership.objects.all().delete()
    return sara


def test_through_http_the_owner_pre_registers_and_then_sees_it_listed(
    http_backend, sara_in_registry_only
):
    client = _citizen_client(SARA_MOBILE, "sara-http")

    created = _apply(client)

    assert created.status_code == 201
    assert MobileOwnership.objects.get(mobile=SARA_MOBILE).source == "http"
    assert national_codes_owned_by(mobile=SARA_MOBILE) == [SARA_CODE]
    listed = client.get("/api/v1/applications").json()
    assert [row["tracking_code"] for row in listed] == [created.json()["tracking_code"]]


def test_through_http_another_mobile_is_refused(http_backend, sara_in_registry_only):
    response = _apply(_citizen_client("09351112233", "stranger-http"))

    assert response.status_code == 403
    assert response.json()["code"] == "MOBILE_NOT_OWNER"
    assert not MobileOwnership.objects.exists()


def test_when_the_ownership_service_is_down_pre_registration_answers_503(
    http_backend, sara_in_registry_only
):
    http_backend.status = 503

    response = _apply(_citizen_client(SARA_MOBILE, "sara-down"))

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "MOBILE_OWNERSHIP_UNAVAILABLE"


def test_a_registry_person_without_their_own_line_owns_nothing(db, bushehr_city):
    person = CitizenFactory(mobile="09170000001", owns_mobile=False)

    assert not mobile_owns(mobile="09170000001", national_code=person.national_code)
