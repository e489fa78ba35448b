"""Uploads that cost memory: checked from the header before decoding, and not at all for an
enrolment the operator may no longer change."""

from __future__ import annotations

import json

import pytest

from hoviat.enrolment.models import Enrolment
from hoviat.enrolment.tests.conftest import b64, full_payload
from tests.costly import peak_memory, png_bomb

pytestmark = pytest.mark.django_db

# 7500 × 10000 is a 3:4 portrait of 75 million pixels: about 200 kB as a PNG, 225 MB decoded,
# and below Pillow's own bomb limit (89 million), so only our pixel budget refuses it.
FACE_BOMB = (7500, 10_000)


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_small_png_declaring_75_million_pixels_is_refused_before_decoding(reza_api, sara_booked):
    started = post(reza_api, "/api/v1/enrolments/check-in", {"national_code": "0499370899"})
    bomb = png_bomb(*FACE_BOMB)
    assert len(bomb) < 400_000

    with peak_memory() as peak:
        response = post(
            reza_api, f"/api/v1/enrolments/{started.json()['id']}/face", {"image": b64(bomb)}
        )

    assert response.status_code == 422, response.content.decode()
    assert response.json()["code"] == "IMAGE_TOO_LARGE"
    assert peak.megabytes < 100


def test_nothing_is_decoded_for_an_enrolment_that_is_already_complete(
    reza_api, sara_booked, sara_device
):
    done = post(reza_api, "/api/v1/enrolments", full_payload(sara_booked, sara_device))
    assert done.status_code == 201, done.content.decode()
    enrolment_id = Enrolment.objects.get(application=sara_booked).pk

    # Not even read as a picture: the enrolment is closed, so the answer says that.
    response = post(
        reza_api, f"/api/v1/enrolments/{enrolment_id}/face", {"image": b64(b"not a picture")}
    )
    finger = post(
        reza_api,
        f"/api/v1/enrolments/{enrolment_id}/fingerprints/1",
        {"image": b64(b"not a picture")},
    )

    assert response.json()["code"] == "ENROLMENT_EXISTS"
    assert finger.json()["code"] == "ENROLMENT_EXISTS"


def test_a_face_above_the_pixel_budget_is_refused_with_the_budget(reza_api, sara_booked):
    started = post(reza_api, "/api/v1/enrolments/check-in", {"national_code": "0499370899"})
    # 17 million pixels: under Pillow's own limits, over settings.IMAGE_MAX_PIXELS.
    response = post(
        reza_api,
        f"/api/v1/enrolments/{started.json()['id']}/face",
        {"image": b64(png_bomb(3600, 4800))},
    )

    assert response.status_code == 422, response.content.decode()
    assert response.json()["code"] == "IMAGE_TOO_LARGE"
    assert response.json()["max_pixels"] == 12_000_000
