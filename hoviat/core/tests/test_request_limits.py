"""Request sizes are refused from the declared length, before anything reads the body."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.costly import UnreadableBody

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
MULTIPART = "multipart/form-data; boundary=hoviat"


def send(path: str, length: int, content_type: str = MULTIPART, **extra):
    return Client().generic(
        "POST",
        path,
        content_type=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


@pytest.mark.parametrize(
    "path", ["/pki/verify/", "/office/enrolments/1/face/", "/api/v1/enrolments"]
)
def test_a_300_mb_upload_is_refused_without_reading_its_body(path):
    response = send(path, 300 * MB)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "REQUEST_TOO_LARGE"
    assert response.json()["max_bytes"] == 15 * MB


def test_a_path_that_takes_no_images_has_the_smaller_limit(settings):
    response = send("/api/v1/auth/token", 2 * MB, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["max_bytes"] == settings.REQUEST_MAX_BYTES == MB


def test_an_upload_path_takes_more_than_the_general_limit():
    body = b"--hoviat--\r\n" + b" " * (2 * MB)

    response = Client().generic("POST", "/pki/verify/", body, content_type=MULTIPART)

    assert response.status_code != 413


def test_a_chunked_body_without_a_length_is_refused():
    response = Client().generic(
        "POST",
        "/pki/verify/",
        content_type=MULTIPART,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 411
    assert response.json()["code"] == "LENGTH_REQUIRED"
