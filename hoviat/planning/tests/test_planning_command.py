"""`hoviat planning simulate | plan`: JSON out, and bad input refused without a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "planning", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "HOVIAT_DEBUG": "true", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_simulate_prints_the_json_of_the_contract(capsys):
    call_command(
        "planning",
        "simulate",
        "--months",
        "2",
        "--scale",
        "0.0002",
        "--seed",
        "3",
        "--format",
        "json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["months"][0]["month"] == "1405-01"
    assert data["promise"]["enrolment"]["within_days"] == 2


def test_a_scenario_with_an_unknown_key_ends_with_a_clear_message_and_exit_code_2(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"surge": [], "weather": "rain"}))
    done = _run("simulate", "--months", "1", "--scale", "0.0001", "--scenario", str(scenario))
    assert done.returncode == 2
    assert "unknown key(s) weather" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plan_file_that_is_not_json_is_refused_with_exit_code_2(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text("{shifts: 3")
    done = _run("simulate", "--months", "1", "--scale", "0.0001", "--plan", str(plan))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_province_and_a_negative_capacity_are_named(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"provinces": {"IR-77": {"demand_factor": 2}}}))
    with pytest.raises(CommandError, match="unknown province 'IR-77'") as caught:
        call_command("planning", "simulate", "--months", "1", "--scenario", str(scenario))
    assert caught.value.returncode == 2
    scenario.write_text(json.dumps({"production_per_day": -100}))
    with pytest.raises(CommandError, match="production_per_day: must be at least 0"):
        call_command("planning", "simulate", "--months", "1", "--scenario", str(scenario))


def test_a_scale_beyond_the_memory_of_the_machine_is_refused():
    with pytest.raises(CommandError, match="GiB") as caught:
        call_command("planning", "simulate", "--months", "120", "--scale", "1")
    assert caught.value.returncode == 2


def test_an_unreachable_target_exits_non_zero_with_the_best_plan_written(tmp_path):
    out = tmp_path / "plan.json"
    done = _run(
        "plan", "--target-days", "2", "--months", "1", "--scale", "0.0002", "--out", str(out)
    )
    assert done.returncode == 3
    assert "No plan within the bounds" in done.stderr
    assert "Traceback" not in done.stderr
    written = json.loads(out.read_text())
    assert written["meta"]["feasible"] is False


def test_a_plan_written_by_plan_is_accepted_by_simulate(tmp_path, capsys):
    out = tmp_path / "plan.json"
    scenario = tmp_path / "calm.json"
    scenario.write_text(json.dumps({"surge": [], "stockouts": []}))
    call_command(
        "planning",
        "plan",
        "--target-days",
        "40",
        "--months",
        "1",
        "--scale",
        "0.0002",
        "--scenario",
        str(scenario),
        "--out",
        str(out),
    )
    assert "Plan found" in capsys.readouterr().out
    call_command(
        "planning",
        "simulate",
        "--months",
        "1",
        "--scale",
        "0.0002",
        "--scenario",
        str(scenario),
        "--plan",
        str(out),
        "--format",
        "json",
    )
    assert json.loads(capsys.readouterr().out)["months"][0]["month"] == "1405-01"
