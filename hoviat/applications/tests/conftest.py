import pytest

from hoviat.applications.models import CitizenSession
from hoviat.applications.services import _token_hash


@pytest.fixture
def sara_token(sara):
    """A citizen session for Sara's mobile, as if she had entered the SMS code."""
    import datetime as dt

    from django.utils import timezone

    raw = "sara-test-token"
    CitizenSession.objects.create(
        mobile=sara.mobile,
        token_hash=_token_hash(raw),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return raw


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
