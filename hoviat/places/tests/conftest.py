import pytest

from hoviat.places.services import places_load


@pytest.fixture
def loaded(db):
    """The shipped reference data, loaded once for the test."""
    return places_load()
