"""`hoviat report provinces|refresh` and `hoviat demo province`, as an operator runs them."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from hoviat.core.jalali import today_local
from hoviat.places.tests.factories import NationalCodePrefixFactory, ProvinceFactory
from hoviat.reports.selectors import provinces_figures


@pytest.fixture
def bushehr_built(bushehr_post_office):
    NationalCodePrefixFactory(prefix="049", county=bushehr_post_office.city.county)
    ProvinceFactory(code="IR-07", name_fa="تهران", name_en="Tehran")
    out = io.StringIO()
    call_command(
        "demo", "province", "IR-06", "--eligible", "7751", "--requested", "7276",
        "--issued", "6114", "--uncollected", "14", stdout=out,
    )  # fmt: skip
    return out.getvalue()


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_the_demo_command_prints_the_reproduced_figures(bushehr_built):
    assert "coverage 93.87% · no action 475 · in the pipeline 1,162 · rank 1" in bushehr_built


def test_it_prints_the_provinces_as_csv_with_the_same_numbers_as_the_pages(bushehr_built):
    rows = list(csv.DictReader(io.StringIO(_run("provinces", "--format", "csv"))))
    assert [r["code"] for r in rows] == ["IR-06", "IR-07"]
    bushehr = rows[0]
    assert bushehr["rank"] == "1"
    assert (bushehr["eligible"], bushehr["requested"], bushehr["issued"]) == (
        "7751",
        "7276",
        "6114",
    )
    assert (bushehr["no_action"], bushehr["in_pipeline"], bushehr["uncollected"]) == (
        "475",
        "1162",
        "14",
    )
    assert bushehr["coverage_pct"] == "93.87"
    page = provinces_figures(as_of=today_local())[0]
    assert int(bushehr["in_queue"]) == page.in_queue


def test_it_prints_json_and_a_table(bushehr_built):
    data = json.loads(_run("provinces", "--format", "json", "--as-of", "۱۴۰۵/۰۱/۰۱"))
    assert data["as_of"] == "2026-03-21"
    assert data["provinces"][0]["code"] == "IR-06"
    assert data["provinces"][0]["coverage_pct"] < "93.87"  # fewer had applied by then
    table = _run("provinces")
    assert "IR-06" in table and "93.87" in table and "بوشهر" in table
    assert table.splitlines()[-1].split()[0] == "IR"  # the national line


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        ("2099-01-01", "REPORT_DATE_IN_FUTURE"),
        ("1405/13/40", "REPORT_DATE_INVALID"),
        ("soon", "REPORT_DATE_INVALID"),
        ("2001-01-01", "REPORT_DATE_TOO_EARLY"),
    ],
)
def test_it_refuses_a_bad_date_with_a_clear_error(db, as_of, code):
    with pytest.raises(CommandError, match=code):
        _run("provinces", "--as-of", as_of)


def test_the_refresh_subcommand_says_what_it_did(db):
    assert "full rebuild" in _run("refresh")
    assert "days since" in _run("refresh")
    assert "full rebuild" in _run("refresh", "--full")


def test_the_demo_command_refuses_a_province_without_offices(db):
    ProvinceFactory(code="IR-05", name_fa="ایلام", name_en="Ilam")
    with pytest.raises(CommandError, match="DEMO_PROVINCE_NO_OFFICE"):
        call_command(
            "demo", "province", "IR-05", "--eligible", "10", "--requested", "5",
            "--issued", "1", "--uncollected", "0", stdout=io.StringIO(),
        )  # fmt: skip


def test_the_demo_command_refuses_an_unknown_province(db):
    with pytest.raises(CommandError, match="PROVINCE_NOT_FOUND"):
        call_command(
            "demo", "province", "IR-99", "--eligible", "10", "--requested", "5",
            "--issued", "1", "--uncollected", "0", stdout=io.StringIO(),
        )  # fmt: skip


def test_hoviat_demo_without_a_subcommand_still_loads_the_usual_demo_data():
    from hoviat.core.management.commands.demo import Command

    options = Command().create_parser("hoviat", "demo").parse_args([])
    assert options.what is None and options.citizens == 3000


def test_the_refresh_subcommand_times_its_steps_when_asked(db):
    out = io.StringIO()
    call_command("report", "refresh", "--full", verbosity=2, stdout=out)
    lines = out.getvalue().splitlines()
    steps = {line.split()[0] for line in lines[1:]}
    # Each source count, the roll-ups and the eligible recount: where a slow refresh goes.
    assert {"requested", "issued", "o_arrived", "roll_up", "running_totals", "eligible"} <= steps
    assert all(line.rstrip().endswith("s") for line in lines[1:])
