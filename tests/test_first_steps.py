"""A newcomer's first commands: `hoviat migrate` leaves a database the other commands can use,
`hoviat help` lists commands as they are typed, and `make bench` options reach one script."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from hoviat.cli import main as hoviat_main
from hoviat.offices.models import Holiday
from hoviat.places.models import City, NationalCodePrefix, Province
from hoviat.registry.models import Citizen

ROOT = Path(__file__).resolve().parent.parent


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


def test_help_lists_commands_spelled_as_they_are_typed(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["hoviat", "help"])
    hoviat_main()
    listed = capsys.readouterr().out
    assert "    import-registry" in listed
    assert "    generate-population" in listed
    assert "import_registry" not in listed


def test_help_for_one_command_takes_the_typed_spelling(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["hoviat", "help", "generate-population"])
    hoviat_main()
    assert "usage: hoviat generate-population" in capsys.readouterr().out


def test_a_mistyped_command_is_answered_in_the_typed_spelling(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["hoviat", "import-regsitry"])
    with pytest.raises(SystemExit) as stopped:
        hoviat_main()
    assert stopped.value.code == 1
    assert "Did you mean import-registry?" in capsys.readouterr().err


def test_bench_refuses_script_options_without_naming_the_script():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--days", "30"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2
    assert "BENCH=" in finished.stderr
    assert "===" not in finished.stdout  # no benchmark started
