import pytest

from tests.factories import CitizenSessionFactory


@pytest.fixture
def sara_token(sara):
    """A citizen session for Sara's mobile, as if she had entered the SMS code."""
    return CitizenSessionFactory(mobile=sara.mobile, token="sara-test-token").token


@pytest.fixture
def as_sara(client, sara_token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {sara_token}"
    return client


SARA_FORM = {
    "national_code": "0499370899",
    "shenasnameh_serial": "۲۰/الف ۱۲۳۴۵۶",
    "birth_date": "1370/05/14",
    "mother_name": "مریم",
    "gender": "female",
    "kind": "first",
}
