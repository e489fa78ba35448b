"""The public contract of ../shared/API.md is in the OpenAPI document, and the document renders."""

import typing

import pytest
from pydantic import BaseModel

from hoviat.api import api

CONTRACT = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/otp": {"post"},
    "/api/v1/auth/otp/verify": {"post"},
    "/api/v1/applications": {"post"},
    "/api/v1/applications/{tracking_code}/payment": {"post"},
    "/api/v1/offices": {"get"},
    "/api/v1/offices/{office_id}/slots": {"get"},
    "/api/v1/applications/{tracking_code}/appointment": {"post", "put", "delete"},
    "/api/v1/track": {"get"},
    "/api/v1/enrolments": {"post"},
    "/api/v1/receipts/{receipt_number}.pdf": {"get"},
    "/api/v1/receipts/{tracking_code}/reissue": {"post"},
    "/api/v1/production/stock": {"post"},
    "/api/v1/production/runs": {"post"},
    "/api/v1/production/queue": {"get"},
    "/api/v1/shipments/{shipment_id}/dispatch": {"post"},
    "/api/v1/shipments/{shipment_id}/receive": {"post"},
    "/api/v1/cards/{serial}/handover": {"post"},
    "/api/v1/cards/{serial}/report-lost": {"post"},
    # Inquiry for banks and agencies (v1)
    "/api/v1/inquiry/card": {"post"},
    "/api/v1/inquiry/receipt": {"post"},
    "/api/v1/inquiry/identity": {"post"},
    "/api/v1/auth/card/challenge": {"post"},
    "/api/v1/auth/card/verify": {"post"},
}


@pytest.mark.django_db
def test_the_openapi_document_holds_every_contracted_operation(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    missing = {
        path: sorted(methods - set(paths.get(path, {})))
        for path, methods in CONTRACT.items()
        if methods - set(paths.get(path, {}))
    }
    assert missing == {}


@pytest.mark.django_db
def test_the_api_docs_page_is_served(client):
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_the_api_docs_need_no_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html


def _schema_classes(annotation, found: set) -> None:
    """Every pydantic model reachable from an annotation, through fields, unions and lists."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _schema_classes(field.annotation, found)
    for argument in typing.get_args(annotation):
        _schema_classes(argument, found)


def test_every_schema_name_in_the_openapi_document_names_one_schema():
    # ninja names a component after its class: two classes of one name share one entry, and
    # one of them is documented with the other's fields.
    found: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _schema_classes(model, found)
                for answer in operation.response_models.values():
                    _schema_classes(answer, found)
    ours = [cls for cls in found if cls.__module__.startswith("hoviat.")]
    by_name: dict[str, list[str]] = {}
    for cls in ours:
        by_name.setdefault(cls.__name__, []).append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}

    assert len(ours) > 50
    assert shared == {}
