"""The inquiries' bodies are read by core.api.JSONBody: a valid body in one call of pydantic's
JSON validation, anything else the general way. Both ways must give the same answer to every
body, valid or not; these send each body both ways and compare."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from hoviat.core import api as core_api
from hoviat.inquiry.tests.test_card_inquiry import SARA

PURPOSE = "BANK_ACCOUNT_OPENING"
PERSIAN_SARA = SARA.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def card_body(serial: str, national_code: str = SARA, **extra) -> bytes:
    return json.dumps(
        {"national_code": national_code, "card_serial": serial, "purpose": PURPOSE, **extra},
        ensure_ascii=False,
    ).encode()


def send(bank, path: str, body: bytes):
    return bank.client.post(f"/api/v1{path}", data=body, content_type="application/json")


def the_general_way():
    # No body model for the short way: every body goes through ninja's own reading.
    return mock.patch.object(core_api, "_body_model", lambda wrapper, name: None)


def comparable(response) -> tuple:
    body = response.json()
    for varying in ("inquiry_id", "answered_at"):  # each answer's own
        body.pop(varying, None)
    return response.status_code, response["Content-Type"], body


def both_ways(bank, path: str, body: bytes) -> tuple:
    short = comparable(send(bank, path, body))
    with the_general_way():
        general = comparable(send(bank, path, body))
    return short, general


VALID = {
    "ascii digits": lambda serial: card_body(serial),
    "persian digits, as UTF-8": lambda serial: card_body(serial, PERSIAN_SARA),
    "a field it does not know": lambda serial: card_body(serial, channel="branch"),
    "a key twice (the last counts)": lambda serial: (
        card_body(serial)[:-1] + f',"card_serial":"{serial}"}}'.encode()
    ),
    "white space around": lambda serial: b"  \n" + card_body(serial) + b"\n ",
}


@pytest.mark.parametrize("name", list(VALID))
def test_a_valid_body_gets_the_same_answer_either_way(bank, saras_card, name):
    short, general = both_ways(bank, "/inquiry/card", VALID[name](saras_card.csn))

    assert short == general
    assert short[0] == 200 and short[2]["result"] == "valid", short


def test_a_valid_body_is_read_without_the_general_parser(bank, saras_card):
    # The short way is taken: the general parser (json.loads) is never reached.
    with mock.patch.object(core_api.StrictJSONParser, "parse_body", side_effect=AssertionError):
        response = send(bank, "/inquiry/card", card_body(saras_card.csn))

    assert response.status_code == 200, response.content
    assert response.json()["result"] == "valid"


LONE_ESCAPED = b'{"national_code": "\\ud800", "card_serial": "IR1", "purpose": "LOAN"}'
LONE_RAW = b'{"national_code": "\xed\xa0\x80", "card_serial": "IR1", "purpose": "LOAN"}'
INVALID = {
    "empty": b"",
    "not JSON": b"national_code=0499370899",
    "an array": b"[null, null]",
    "null": b"null",
    "a string": b'"text"',
    "cut short": b'{"national_code": "0499370899", "card_serial": "IR1"',
    "something after the object": b'{"national_code": "0499370899", "card_serial": "IR1", '
    b'"purpose": "LOAN"} x',
    "a lone surrogate, escaped": LONE_ESCAPED,
    "a lone surrogate, as bytes": LONE_RAW,
    "purpose missing": b'{"national_code": "0499370899", "card_serial": "IR1"}',
    "a number for the code": b'{"national_code": 499370899, "card_serial": "IR1", '
    b'"purpose": "LOAN"}',
    "NaN for the code": b'{"national_code": NaN, "card_serial": "IR1", "purpose": "LOAN"}',
    "null for the serial": b'{"national_code": "0499370899", "card_serial": null, '
    b'"purpose": "LOAN"}',
    "a serial too long": b'{"national_code": "0499370899", "card_serial": "'
    + b"I" * 33
    + b'", "purpose": "LOAN"}',
    "not UTF-8": b'{"national_code": "\xff\xfe", "card_serial": "IR1", "purpose": "LOAN"}',
    "UTF-16": '{"national_code": "0499370899", "card_serial": "IR1", "purpose": "LOAN"}'.encode(
        "utf-16"
    ),
    "a byte order mark": b"\xef\xbb\xbf"
    + b'{"national_code": "0499370899", "card_serial": "IR1", "purpose": "LOAN"}',
    "an unknown purpose": b'{"national_code": "0499370899", "card_serial": "IR1", '
    b'"purpose": "GUESSING"}',
}


@pytest.mark.parametrize("name", list(INVALID))
def test_every_other_body_gets_the_same_answer_either_way(bank, name):
    short, general = both_ways(bank, "/inquiry/card", INVALID[name])

    assert short == general
    status, content_type, body = short
    if status != 200:  # a body it answers (the last two) is a signed answer like any other
        assert content_type == "application/problem+json" and body["code"], short


def test_the_other_inquiries_take_the_short_way_too(bank, sara):
    identity = json.dumps(
        {"national_code": SARA, "birth_date": sara.birth_date.isoformat(), "purpose": PURPOSE}
    ).encode()
    receipt = json.dumps(
        {"national_code": SARA, "tracking_code": "140500000000", "purpose": PURPOSE}
    ).encode()
    paper = json.dumps(
        {"national_code": SARA, "card_number": f"{SARA}-1", "purpose": PURPOSE}
    ).encode()
    for path, body in (
        ("/inquiry/identity", identity),
        ("/inquiry/receipt", receipt),
        ("/inquiry/paper-card", paper),
    ):
        short, general = both_ways(bank, path, body)
        assert short == general, path
        assert short[0] == 200, short


def test_a_ninja_schema_body_keeps_the_general_way():
    # ninja's Schema validates model objects as well as dicts (DjangoGetter); pydantic's JSON
    # validation of it is not the same, so such bodies are never read the short way.
    from ninja import Schema
    from pydantic import BaseModel

    class Plain(BaseModel):
        a: str

    class Ninja(Schema):
        a: str

    def wrapper(annotation):
        return type(
            "Params",
            (core_api.JSONBodyModel,),
            {"__annotations__": {"payload": annotation}, "__read_from_single_attr__": "payload"},
        )

    assert core_api._body_model(wrapper(Plain), "payload") is Plain
    assert core_api._body_model(wrapper(Ninja), "payload") is None
    assert core_api._body_model(wrapper(int), "payload") is None
