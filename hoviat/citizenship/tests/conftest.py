"""Citizenship fixtures: Zahedan county (Sistan and Baluchestan, IR-13) with its national-code
prefix, and its staff: case officer Hamid, council members, the agencies' users; an officer of
Zabol (another county)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from hoviat.citizenship.models import Function, Post
from hoviat.core.services import staff_token_issue
from tests.factories import (
    CitizenSessionFactory,
    CountyFactory,
    NationalCodePrefixFactory,
    ProvinceFactory,
    UserFactory,
)

ZAHEDAN_PREFIX = "361"
APPLICANT_MOBILE = "09151234567"


@pytest.fixture
def sistan(db):
    return ProvinceFactory(
        code="IR-13",
        name_fa="سیستان و بلوچستان",
        name_en="Sistan and Baluchestan",
        population_1395=2775014,
    )


@pytest.fixture
def zahedan(sistan):
    county = CountyFactory(province=sistan, name_fa="زاهدان", name_en="Zahedan")
    NationalCodePrefixFactory(prefix=ZAHEDAN_PREFIX, county=county)
    return county


@pytest.fixture
def zabol(sistan):
    county = CountyFactory(province=sistan, name_fa="زابل", name_en="Zabol")
    NationalCodePrefixFactory(prefix="371", county=county)
    return county


def staff(username: str, county, function: str, **extra):
    user = UserFactory(username=username, role="", **extra)
    Post.objects.create(user=user, county=county, function=function)
    return user


def token_client(user) -> Client:
    raw, _ = staff_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def hamid(zahedan):
    return staff("hamid", zahedan, Function.CASE_OFFICER)


@pytest.fixture
def hamid_api(hamid):
    return token_client(hamid)


@pytest.fixture
def zabol_officer_api(zabol):
    return token_client(staff("zabol-officer", zabol, Function.CASE_OFFICER))


@pytest.fixture
def council(zahedan):
    return [staff(f"council-{i}", zahedan, Function.COUNCIL_MEMBER) for i in range(3)]


@pytest.fixture
def council_apis(council):
    return [token_client(member) for member in council]


@pytest.fixture
def police_api(zahedan):
    return token_client(staff("police", zahedan, Function.POLICE))


@pytest.fixture
def security_api(zahedan):
    return token_client(staff("security", zahedan, Function.SECURITY))


@pytest.fixture
def forensic_api(zahedan):
    return token_client(staff("forensic", zahedan, Function.FORENSIC))


@pytest.fixture
def applicant_api(db):
    token = CitizenSessionFactory(mobile=APPLICANT_MOBILE, token="applicant-token").token
    return Client(headers={"Authorization": f"Bearer {token}"})


def scan(width: int = 800, height: int = 1100, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 230)).save(out, fmt)
    return out.getvalue()


def case_body(county, **over) -> dict:
    body = {
        "first_name": "عبدالله",
        "last_name": "بلوچ",
        "father_name": "کریم",
        "mother_name": "زینب",
        "grandfather_name": "محمد",
        "gender": "male",
        "birth_year": 1990,
        "birth_place": "روستای لادیز",
        "birth_county": county.pk,
        "residence_county": county.pk,
        "basis": "parents",
        "father_national_code": "",
        "mobile": APPLICANT_MOBILE,
        "family": [
            {
                "relation": "spouse",
                "first_name": "فاطمه",
                "last_name": "ریگی",
                "father_name": "احمد",
                "mother_name": "مریم",
                "gender": "female",
                "birth_date": "1992-03-01",
            },
            {
                "relation": "child",
                "first_name": "یاسر",
                "last_name": "بلوچ",
                "father_name": "عبدالله",
                "mother_name": "فاطمه",
                "gender": "male",
                "birth_date": "2015-06-10",
            },
        ],
    }
    body.update(over)
    return body
