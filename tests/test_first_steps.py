"""A newcomer's first commands: `hoviat migrate` leaves a database the other commands can use."""

import io

import pytest
from django.core.management import call_command

from hoviat.offices.models import Holiday
from hoviat.places.models import City, NationalCodePrefix, Province
from hoviat.registry.models import Citizen


@pytest.mark.django_db
def test_migrate_loads_the_reference_data_so_people_can_be_generated_at_once(settings):
    settings.LOAD_REFERENCE_DATA = True
    call_command("migrate", verbosity=0)
    assert Province.objects.count() == 31
    assert NationalCodePrefix.objects.exists()
    assert Holiday.objects.exists()

    out = io.StringIO()
    call_command("generate_population", province="IR-06", size=30, stdout=out)
    assert Citizen.objects.count() == 30
    assert "created 30" in out.getvalue()


@pytest.mark.django_db
def test_migrating_again_changes_no_reference_row(settings):
    settings.LOAD_REFERENCE_DATA = True
    call_command("migrate", verbosity=0)
    before = (Province.objects.count(), City.objects.count(), Holiday.objects.count())
    out = io.StringIO()
    call_command("migrate", stdout=out)
    assert (Province.objects.count(), City.objects.count(), Holiday.objects.count()) == before
    assert "(0 created, 0 updated)" in out.getvalue()
    assert "(0 new, 0 updated)" in out.getvalue()


@pytest.mark.django_db
def test_the_test_suite_migrates_without_reference_data():
    call_command("migrate", verbosity=0)
    assert not Province.objects.exists()
    assert not Holiday.objects.exists()
