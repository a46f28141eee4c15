"""`wfm run`: the whole chain on a tiny campaign, where it starts, configuration errors, reproducibility,
and cron safety for real — `kill -9` at several moments leaves the previous result intact, SIGTERM keeps
the best roster so far."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.pipeline_fixture import FIXTURE, SCENARIO, variant, wfm_command
from wfm.atomic import directory_debris, recover_directory
from wfm.checker import check_files
from wfm.lock import lock_path
from wfm.pipeline import campaign_name, plan_run, run, slug
from wfm.scenario import load_scenario

EVERY_FILE = {
    "forecast.csv",
    "requirements.csv",
    "roster.csv",
    "coverage.csv",
    "summary.json",
    "report.html",
    "run.log",
}
STAGES = ["start", "lock", "forecast", "requirements", "schedule", "report", "done"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One run of the tiny campaign (history → … → report) into a fresh folder."""
    out = tmp_path_factory.mktemp("first") / "result"
    return run(SCENARIO, out, echo=False)


@pytest.fixture()
def previous(first, tmp_path) -> Path:
    """A previous good result in a folder of its own."""
    out = tmp_path / "out"
    shutil.copytree(first.out_dir, out)
    return out


def test_the_chain_writes_every_file_and_a_roster_that_keeps_every_rule(first):
    out = first.out_dir
    names = {p.name for p in out.iterdir()}
    assert names >= EVERY_FILE
    assert not any(re.fullmatch(r"report_.+\.png", n) for n in names)  # the report draws its charts inline
    assert set(first.files) == names
    report = check_files(SCENARIO, out / "roster.csv", requirements=out / "requirements.csv")
    assert not report.violations
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] in ("optimal", "feasible") and first.status == summary["status"]
    assert summary["interrupted"] is False and first.interrupted is False
    assert summary["hours_used"] == pytest.approx(report.hours_used)
    # nothing left beside the result: no lock, no temporary folder, no failure log
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_summary_carries_the_campaign_for_report_and_export(first):
    summary = json.loads((first.out_dir / "summary.json").read_text())
    sc = load_scenario(SCENARIO).config
    campaign = summary["campaign"]
    assert campaign["name"] == sc.name and campaign["operating_hours"] == dict(sc.operating_hours)
    assert campaign["service_level_target"] == sc.contract.get("service_level", sc.service.service_level or 0.8)
    page = (first.out_dir / "report.html").read_text(encoding="utf-8")
    assert f"<h1>{sc.name}</h1>" in page and ".new-" not in page  # never the staging folder's name
    roster = pd.read_csv(first.out_dir / "roster.csv", dtype=str)
    agents = pd.read_csv(FIXTURE / "agents.csv", dtype=str).set_index("agent_id")["name"]
    assert (roster["name"] == roster["agent_id"].map(agents)).all()  # agents' names, not their ids


def test_summary_records_input_checksums_parameters_and_versions(first):
    out = first.out_dir
    summary = json.loads((out / "summary.json").read_text())
    sums = summary["input_checksums"]
    assert sums["history"] == sha256(FIXTURE / "history.csv")
    assert sums["scenario"] == sha256(SCENARIO)
    assert sums["agents"] == sha256(FIXTURE / "agents.csv")
    assert sums["requirements"] == sha256(out / "requirements.csv")  # the file scheduled, kept in the result
    assert summary["parameters"] == {"time_limit_s": 3.0, "workers": 1, "seed": 0, "deterministic": True}
    assert {"wfm", "python", "ortools", "numpy", "pandas"} <= set(summary["versions"])
    assert summary["run"]["started_from"] == "history"
    assert summary["run"]["forecast"]["method"].keys() == {"support"}
    assert set(summary["run"]["stage_seconds"]) == {"forecast", "requirements", "schedule"}


def test_run_log_has_every_stage_in_order(first):
    lines = (first.out_dir / "run.log").read_text().splitlines()
    pattern = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (info|warning|error) +(\w+) ")
    stages = [pattern.match(line).group(2) for line in lines]
    assert list(dict.fromkeys(stages)) == STAGES


def test_same_inputs_and_seed_give_identical_files(first, tmp_path):
    again = run(SCENARIO, tmp_path / "again", echo=False)
    for name in ("forecast.csv", "requirements.csv", "roster.csv", "coverage.csv"):
        assert (again.out_dir / name).read_bytes() == (first.out_dir / name).read_bytes(), name


# --- where the chain starts, configuration errors ------------------------------------------------


@pytest.mark.parametrize(
    ("given", "start"),
    [
        (("history",), "history"),
        (("history", "forecast"), "forecast"),
        (("forecast", "requirements"), "requirements"),
        (("history", "forecast", "requirements"), "requirements"),
    ],
)
def test_requirements_win_over_forecast_which_wins_over_history(tmp_path, given, start):
    for key in given:
        (tmp_path / f"{key}.csv").write_text("placeholder\n")
    inputs = {key: f"{key}.csv" for key in given} | {"agents": str(FIXTURE / "agents.csv")}
    plan = plan_run(variant(tmp_path, inputs=inputs))
    assert plan.start == start
    assert plan.source == tmp_path / f"{start}.csv"


def test_relative_paths_are_resolved_against_the_scenario_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = plan_run(SCENARIO)
    assert plan.inputs == {
        "history": FIXTURE / "history.csv",
        "agents": FIXTURE / "agents.csv",
        "unavailability": FIXTURE / "unavailability.csv",
    }


def invoke(*args) -> object:
    return CliRunner().invoke(app, ["run", *map(str, args)])


def test_a_missing_input_file_is_named_by_key_and_file_before_any_work(tmp_path):
    inputs = {"history": FIXTURE / "history.csv", "agents": "nope.csv"}
    path = variant(tmp_path, inputs=inputs)
    result = invoke(path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {path}: key 'inputs.agents': file 'nope.csv' not found (looked for {tmp_path / 'nope.csv'})"
        " — paths are relative to the scenario's folder\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "scenario.toml"]  # nothing written


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("[inputs]\n", "[inputs]\nhistroy = 'h.csv'\n"),
            "key 'inputs.histroy': Extra inputs are not permitted",
        ),
        (lambda t: t.replace("hours = 200", 'hours = "lots"'), "key 'budget.hours': Input should be a valid number"),
        (
            lambda t: re.sub(r"\[inputs\]\n(.+\n)+", '[inputs]\nagents = "agents.csv"\n', t),
            "none of the keys 'inputs.requirements', 'inputs.forecast', 'inputs.history' is set",
        ),
    ],
    ids=["unknown-key", "wrong-type", "nothing-to-start-from"],
)
def test_configuration_errors_name_the_key_and_the_file(tmp_path, edit, message):
    shutil.copy(FIXTURE / "agents.csv", tmp_path / "agents.csv")
    path = tmp_path / "scenario.toml"
    path.write_text(edit(SCENARIO.read_text()))
    result = invoke(path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.startswith(f"wfm: error: {path}: ")
    assert message in result.output


def test_a_folder_that_is_no_wfm_result_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = invoke(SCENARIO, "--out", out)
    assert result.exit_code == 2
    assert "holds no wfm result (no summary.json)" in result.output
    assert (out / "notes.txt").read_text() == "mine"
    assert not lock_path(out).exists()


def test_an_infeasible_scenario_keeps_the_previous_result_and_exits_3(previous, tmp_path):
    path = variant(tmp_path / "infeasible")
    path.write_text(path.read_text().replace("hours = 200", "hours = 50"))  # below the agents' minimum hours
    before = snapshot(previous)
    result = invoke(path, "--out", previous)
    assert result.exit_code == 3
    assert "wfm: error: the scenario admits no roster\n  - the budget of 50 h" in result.output
    assert snapshot(previous) == before
    assert "the scenario admits no roster" in (tmp_path / "out.failed.log").read_text()
    assert not lock_path(previous).exists() and directory_debris(previous) == []


def test_campaign_names_and_the_default_folder():
    assert slug("Campaña ES — junio 2027") == "campana-es-junio-2027"
    assert campaign_name(load_scenario(SCENARIO)) == "pipeline-tiny"


# --- cron safety, for real -----------------------------------------------------------------------


def start_run(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        wfm_command("run", SCENARIO, "--out", out, "--log-format", "json", *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(proc: subprocess.Popen, stage: str, message: str = "") -> list[dict]:
    """Read the run's JSON log until a record of `stage` (whose message starts with `message`)."""
    seen = []
    for line in proc.stderr:
        record = json.loads(line)
        assert {"time", "level", "stage", "message"} <= set(record)
        seen.append(record)
        if record["stage"] == stage and record["message"].startswith(message):
            return seen
    raise AssertionError(f"the run ended before stage {stage}: {seen}")


def test_kill_9_at_any_moment_leaves_the_previous_result_intact(previous):
    before = snapshot(previous)
    moments = [0.5, "forecast", "report"]  # importing; building the folder; writing the report into it
    for moment in moments:
        proc = start_run(previous)
        if isinstance(moment, float):
            time.sleep(moment)
        else:
            wait_for(proc, moment)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        proc.stderr.close()
        proc.stdout.close()
        assert snapshot(previous) == before, f"killed at {moment}"
    assert lock_path(previous).exists()  # left by the last killed run
    assert directory_debris(previous)  # its half-built folder

    result = run(SCENARIO, previous, echo=False)  # the next run clears both
    log = (previous / "run.log").read_text()
    assert re.search(r"warning +lock +cleared a stale lock out\.lock \(pid \d+ on ", log)
    assert "left by an interrupted run" in log
    assert not lock_path(previous).exists() and directory_debris(previous) == []
    assert set(result.files) >= EVERY_FILE
    assert (previous / "roster.csv").read_bytes() == before["roster.csv"]  # same inputs, same roster


def test_sigterm_keeps_the_best_roster_so_far_and_exits_0(previous):
    proc = start_run(previous)
    wait_for(proc, "schedule", "solving")
    proc.send_signal(signal.SIGTERM)
    rest = [json.loads(line) for line in proc.stderr]
    assert proc.wait(timeout=30) == 0, rest
    proc.stderr.close()
    result = json.loads(proc.stdout.read())
    proc.stdout.close()
    summary = json.loads((previous / "summary.json").read_text())
    assert summary["interrupted"] is True and result["interrupted"] is True
    assert any(r["stage"] == "signal" and r["message"].startswith("SIGTERM: stopping") for r in rest)
    assert check_files(SCENARIO, previous / "roster.csv", requirements=previous / "requirements.csv").violations == ()
    assert '"stage": "signal"' in (previous / "run.log").read_text()  # run.log in the JSON format too
    assert not lock_path(previous).exists()


def test_a_signal_before_the_schedule_stage_stops_the_run_and_keeps_the_previous_result(previous):
    before = snapshot(previous)
    proc = start_run(previous)
    wait_for(proc, "forecast")
    proc.send_signal(signal.SIGTERM)
    rest = [json.loads(line) for line in proc.stderr]
    assert proc.wait(timeout=30) == 130
    proc.stderr.close()
    proc.stdout.close()
    assert snapshot(previous) == before
    assert rest[-1]["level"] == "error" and rest[-1]["exit_code"] == 130
    assert rest[-1]["message"].startswith("interrupted after the forecast stage, before a roster existed")
    failed = previous.parent / "out.failed.log"
    assert "interrupted after the forecast stage" in failed.read_text()
    assert not lock_path(previous).exists() and directory_debris(previous) == []


def test_recovery_puts_back_a_result_set_aside_by_a_killed_two_step_swap(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / ".out.old-abc"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    half = tmp_path / ".out.new-def"
    half.mkdir()
    actions = recover_directory(out)
    assert (out / "summary.json").read_text() == "{}"
    assert not half.exists() and not old.exists()
    assert actions == [
        "restored the previous result from .out.old-abc",
        "removed .out.new-def left by an interrupted run",
    ]
