"""Settings fail closed: each is declared once in hoviat/settings.py from a HOVIAT_* variable,
a bad value stops the program with the variable's name, and development conveniences stay off
outside DEBUG unless asked for."""

import datetime as dt
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

import hoviat.settings
from hoviat.core.env import env_date, env_float, env_int, env_int_list, setting
from hoviat.delivery.conf import conf as delivery_conf
from hoviat.inquiry.conf import conf as inquiry_conf
from hoviat.production.conf import conf as production_conf
from hoviat.reports.conf import conf as reports_conf

VARIABLE = "HOVIAT_TEST_SETTING"
SETTINGS_FILE = Path(hoviat.settings.__file__)
ROOT = SETTINGS_FILE.parent.parent


@pytest.fixture
def fresh_settings(monkeypatch, tmp_path):
    """hoviat/settings.py evaluated again under the environment the test sets, with var/ in a
    temporary folder (its development secrets are generated there)."""
    monkeypatch.setenv("HOVIAT_VAR_DIR", str(tmp_path / "var"))
    for name in ("HOVIAT_DEBUG", "HOVIAT_ENROLMENT_SIMULATOR"):
        monkeypatch.delenv(name, raising=False)

    def evaluate(**environment: str) -> dict:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return evaluate


# --- The simulator device ----------------------------------------------------------------------


def test_the_simulator_device_is_off_when_debug_is_off_and_nobody_turned_it_on(fresh_settings):
    assert fresh_settings(HOVIAT_DEBUG="0")["ENROLMENT_SIMULATOR_ENABLED"] is False


def test_the_simulator_device_is_on_in_development(fresh_settings):
    assert fresh_settings(HOVIAT_DEBUG="1")["ENROLMENT_SIMULATOR_ENABLED"] is True


def test_the_simulator_device_can_be_turned_on_outside_debug(fresh_settings):
    values = fresh_settings(HOVIAT_DEBUG="0", HOVIAT_ENROLMENT_SIMULATOR="1")
    assert values["ENROLMENT_SIMULATOR_ENABLED"] is True


def test_the_test_suite_runs_with_the_simulator_device_on():
    assert settings.ENROLMENT_SIMULATOR_ENABLED is True


# --- Bad values stop the program ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HOVIAT_DELIVERY_HOLD_DAYS", "ninety", "is not an integer"),
        ("HOVIAT_DELIVERY_FINGERPRINT_THRESHOLD", "101", "above the maximum 100"),
        ("HOVIAT_DELIVERY_REMINDER_DAYS", "7,thirty", "list of integers"),
        ("HOVIAT_INQUIRY_DB_PREPARE", "perhaps", "is not a boolean"),
        ("HOVIAT_PRODUCTION_QC_FAIL_RATE", "2%", "is not a number"),
        ("HOVIAT_PRODUCTION_QC_FAIL_RATE", "1.5", "above the maximum 1.0"),
        ("HOVIAT_REPORTS_EARLIEST_DATE", "1394/01/01", "is not a date"),
        ("HOVIAT_FEE_LOST_RIALS", "2900000,lots", "list of integers"),
        ("HOVIAT_LOG_LEVEL", "loud", "is not one of"),
    ],
)
def test_a_bad_value_stops_the_settings_with_the_variables_name(
    fresh_settings, variable, value, message
):
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        fresh_settings(**{variable: value})
    assert variable in str(refused.value)


def test_a_bad_value_stops_the_hoviat_command_before_it_starts(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hoviat.settings",
        "HOVIAT_VAR_DIR": str(tmp_path / "var"),
        "HOVIAT_INQUIRY_SEAL_BATCH": "fifty thousand",
        "PYTHONPATH": str(ROOT),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "hoviat.cli", "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 1
    assert finished.stderr.strip() == (
        "hoviat: HOVIAT_INQUIRY_SEAL_BATCH='fifty thousand' is not an integer"
    )


def test_the_later_apps_read_their_settings_without_defaults_of_their_own():
    assert delivery_conf("DELIVERY_HOLD_DAYS") == settings.DELIVERY_HOLD_DAYS == 90
    assert inquiry_conf("INQUIRY_SEAL_BATCH") == settings.INQUIRY_SEAL_BATCH == 50_000
    assert production_conf("PRODUCTION_BATCH_SIZE") == settings.PRODUCTION_BATCH_SIZE == 200
    assert reports_conf("REPORTS_GOAL_DAYS") == settings.REPORTS_GOAL_DAYS == 30


def test_a_setting_nobody_declared_is_a_loud_error():
    with pytest.raises(ImproperlyConfigured, match="DELIVERY_NOT_A_POLICY is not declared"):
        delivery_conf("DELIVERY_NOT_A_POLICY")
    with pytest.raises(ImproperlyConfigured, match=r"hoviat/settings\.py"):
        setting("NOT_A_SETTING")


def test_every_setting_the_application_code_reads_is_declared():
    pattern = re.compile(r'conf\("([A-Z_0-9]+)"\)|(?<![\w.])settings\.([A-Z][A-Z_0-9]+)\b')
    names = {
        first or second
        for path in (ROOT / "hoviat").rglob("*.py")
        if "tests" not in path.parts
        for first, second in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert names, "the pattern found nothing: it is out of date"
    assert sorted(name for name in names if not hasattr(settings, name)) == []


# --- The typed helpers the settings use ---------------------------------------------------------


def test_env_int_refuses_a_number_above_its_maximum(monkeypatch):
    monkeypatch.setenv(VARIABLE, "101")
    with pytest.raises(ImproperlyConfigured, match="above the maximum 100"):
        env_int(VARIABLE, 60, minimum=0, maximum=100)


def test_env_float_reads_a_rate(monkeypatch):
    monkeypatch.setenv(VARIABLE, "0.01")
    assert env_float(VARIABLE, 0.002, minimum=0.0, maximum=1.0) == 0.01


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf"])
def test_env_float_refuses_what_is_not_finite(monkeypatch, raw):
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(ImproperlyConfigured, match="not a finite number"):
        env_float(VARIABLE, 0.002)


def test_env_int_list_reads_numbers_separated_by_commas(monkeypatch):
    monkeypatch.setenv(VARIABLE, " 7, 30 ,60 ")
    assert env_int_list(VARIABLE, [1]) == [7, 30, 60]


def test_env_int_list_refuses_an_empty_list(monkeypatch):
    monkeypatch.setenv(VARIABLE, " , ")
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        env_int_list(VARIABLE, [1])


def test_env_int_list_refuses_a_number_below_its_minimum(monkeypatch):
    monkeypatch.setenv(VARIABLE, "7,-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 0"):
        env_int_list(VARIABLE, [1], minimum=0)


def test_env_date_reads_an_iso_date_and_falls_back_to_its_default(monkeypatch):
    default = dt.date(2015, 3, 21)
    monkeypatch.delenv(VARIABLE, raising=False)
    assert env_date(VARIABLE, default) == default
    monkeypatch.setenv(VARIABLE, "2016-03-20")
    assert env_date(VARIABLE, default) == dt.date(2016, 3, 20)
