import pytest
from django.test import Client

from hoviat.core.services import staff_token_issue
from hoviat.registry.tests.factories import CitizenFactory
from tests.factories import CitizenSessionFactory


def citizen_client(mobile: str) -> Client:
    """An API client signed in as a citizen (as if the SMS code had been entered)."""
    session = CitizenSessionFactory(mobile=mobile, token=f"test-token-{mobile}")
    return Client(headers={"Authorization": f"Bearer {session.token}"})


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def sara_api(sara):
    return citizen_client(sara.mobile)


@pytest.fixture
def omid(bushehr_city):
    """Another citizen of Bushehr, with his own mobile."""
    return CitizenFactory(
        national_code="0012345679",
        residence_city=bushehr_city,
        residence_province=bushehr_city.province,
        mobile="09121112233",
    )


@pytest.fixture
def omid_api(omid):
    return citizen_client(omid.mobile)


@pytest.fixture
def reza_api(reza):
    return token_client(reza)


@pytest.fixture
def maryam_api(maryam):
    return token_client(maryam)
