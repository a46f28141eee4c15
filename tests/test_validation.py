"""Bad scenarios and inputs end as exit 2 (or 3) with the key or row named, before any solving:
the scenario model's bounds (`wfm.scenario`), the cross-file checks (`wfm.validation`), the CLI's
solver options and the CSV readers' magnitudes."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from wfm.errors import InputError, WfmWarning
from wfm.scenario import check_solver_options, load_scenario
from wfm.schedule import load_inputs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "scenario.toml"
OFFICE = ROOT / "tests" / "fixtures" / "checker" / "office"
runner = CliRunner()


def scenario_text(**changes: tuple[str, str]) -> str:
    """The bundled example with each (pattern, replacement) applied once (regex, multi-line)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for pattern, replacement in changes.values():
        text, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert n == 1, pattern
    return text


SCENARIO_CASES = {
    "negative template cap": (
        r"^max_shifts_per_template = \{\}",
        "max_shifts_per_template = {full = -1}",
        "key 'rules.max_shifts_per_template': caps must be whole numbers from 0",
    ),
    "budget inf": (r"^hours = 16500", "hours = inf", "key 'budget.hours': Input should be a finite number"),
    "budget 1e308": (r"^hours = 16500", "hours = 1e308", "key 'budget.hours': Input should be less than or equal"),
    "weight 1e308": (r"^under_weight = 10.0", "under_weight = 1e308", "key 'objective.under_weight'"),
    "preference weight 1e308": (
        r"^preference_weight = 1.0",
        "preference_weight = 1e308",
        "key 'objective.preference_weight'",
    ),
    "start 9999": (r"^start = 2027-06-01", "start = 9999-12-30", "key 'horizon.start': Input should be less"),
    "start 0001": (r"^start = 2027-06-01", "start = 0001-01-01", "key 'horizon.start': Input should be greater"),
    "rest true": (
        r"^min_rest_h = 11",
        "min_rest_h = true",
        "key 'rules.min_rest_h': expected a number or text, got the boolean true",
    ),
    "min above max days": (
        r"^min_consecutive_days = 1",
        "min_consecutive_days = 7",
        "min_consecutive_days (7) is above max_consecutive_days (6)",
    ),
    "step 7": (r"^start_step_min = 30", "start_step_min = 7", "start_step_min 7 is not a multiple of 15 minutes"),
    "opening off grid": (
        r'^monday = "08:00-20:00"',
        'monday = "08:07-20:00"',
        "key 'operating_hours.monday': '08:07-20:00' is off the 15-minute grid",
    ),
    "time zone": (r'^time_zone = "Europe/Madrid"', 'time_zone = "Mars/Base"', "'Mars/Base' is not an IANA time zone"),
    "contract service level 2": (
        r"^max_abandon_rate = 0.05",
        "max_abandon_rate = 0.05\nservice_level = 2",
        "key 'contract'",
    ),
    "service level true": (r"^service_level = 0.8", "service_level = true", "key 'service.service_level'"),
    "time limit inf": (r"^time_limit_s = 60", "time_limit_s = inf", "key 'solver.time_limit_s'"),
}


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_a_bad_scenario_key_is_named(case, tmp_path):
    pattern, replacement, message = SCENARIO_CASES[case]
    if case == "contract service level 2":  # the second service_level of the file is [contract]'s
        text = EXAMPLE.read_text(encoding="utf-8").replace(
            "service_level = 0.8\nanswer_time_s = 20\nmax_abandon", "service_level = 2\nanswer_time_s = 20\nmax_abandon"
        )
    else:
        text = scenario_text(change=(pattern, replacement))
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}: key '")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_limit_s": -1.0}, "--time-limit-s: input should be greater than 0, got -1.0"),
        ({"time_limit_s": float("nan")}, "--time-limit-s: input should be a finite number, got nan"),
        ({"workers": 0}, "--workers: input should be greater than or equal to 1, got 0"),
        ({"seed": -1}, "--seed: input should be greater than or equal to 0, got -1"),
    ],
)
def test_solver_options_are_validated_like_the_scenario(options, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check_solver_options(**options)
    check_solver_options(time_limit_s=1.5, workers=1, seed=3)


@pytest.mark.parametrize("option", [["--time-limit-s", "nan"], ["--workers", "0"]])
@pytest.mark.parametrize("command", ["schedule", "run"])
def test_cli_refuses_bad_solver_options_before_work(command, option, tmp_path):
    result = runner.invoke(app, [command, str(OFFICE / "scenario.toml"), "--out", str(tmp_path / "o"), *option])
    assert result.exit_code == 2 and result.output.startswith(f"wfm: error: {option[0]}: input should be")
    assert not (tmp_path / "o").exists()


def office_copy(tmp_path: Path, **edits: tuple[str, str, str]) -> Path:
    """A copy of the checker's office fixture with (file, old, new) text replacements; its scenario."""
    folder = tmp_path / "office"
    shutil.copytree(OFFICE, folder)
    for file, old, new in edits.values():
        text = (folder / file).read_text(encoding="utf-8")
        assert old in text, old
        (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / "scenario.toml"


INPUT_CASES = {
    "skill typo": (
        ("agents.csv", "a1,Ana,es,", "a1,Ana,es_en,"),
        f"{OFFICE.name}/agents.csv, row 2, column 'skills': agent 'a1': skills es_en name no queue of the requirements",
    ),
    "rest over a day": (
        ("scenario.toml", "min_rest_h = 12.5", "min_rest_h = 30"),
        "key 'rules.min_rest_h': 30 h of rest between shifts is more than any two shifts",
    ),
    "break beyond the shift": (
        (
            "scenario.toml",
            "window_start_min = 120\nwindow_end_min = 180",
            "window_start_min = 350\nwindow_end_min = 360",
        ),
        "starts at least 350 min into the shift and lasts",
    ),
    "time off overlaps": (
        ("unavailability.csv", "a3,2026-03-10,08:00,12:00", "a3,2026-03-10,08:00,12:00\na3,2026-03-10,11:00,13:00"),
        "unavailability.csv, row 4, column 'start': time off of agent 'a3' on 2026-03-10 overlaps row 3",
    ),
    "time off duplicate": (
        ("unavailability.csv", "a3,2026-03-10,08:00,12:00", "a3,2026-03-10,08:00,12:00\na3,2026-03-10,08:00,12:00"),
        "overlaps row 3",
    ),
    "time off off grid": (
        ("unavailability.csv", "a3,2026-03-10,08:00,12:00", "a3,2026-03-10,08:07,12:00"),
        "unavailability.csv, row 3, column 'start': time off 08:07–12:00 of agent 'a3' is off the 30-minute grid",
    ),
    "absurd required agents": (
        ("requirements.csv", "0.5,1,1,0.516392", "0.5,1,1000000000000,0.516392"),
        "column 'required_agents': must be ≤ 100000, got 1e+12",
    ),
    "offered load beyond the roster": (
        ("requirements.csv", "2026-03-02T08:00,es,3,300,", "2026-03-02T08:00,es,1000000,86400,"),
        "requirements.csv, row 2, column 'contacts': an offered load of 48,000,000 Erlangs",
    ),
    "absurd hourly cost": (
        ("agents.csv", "a1,Ana,es,20,40,5,10,", "a1,Ana,es,20,40,5,1e300,"),
        "column 'hourly_cost': must be ≤ 100000",
    ),
}


@pytest.mark.parametrize("case", sorted(INPUT_CASES))
def test_inputs_that_would_cost_a_solve_are_refused_before_it(case, tmp_path):
    edit, message = INPUT_CASES[case]
    scenario = office_copy(tmp_path, edit=edit)
    with pytest.raises(InputError) as caught:
        load_inputs(scenario)
    assert message in str(caught.value)
    result = runner.invoke(app, ["schedule", str(scenario), "--out", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_preference_off_the_grid_is_refused(tmp_path):
    scenario = office_copy(tmp_path)
    lines = (scenario.parent / "preferences.csv").read_text(encoding="utf-8").splitlines()
    lines.append("a1,2026-03-03,08:10,prefer,1")
    (scenario.parent / "preferences.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"preferences.csv, row 5, column 'shift_template_or_start': start 08:10 of agent 'a1' is off the "
        r"30-minute grid",
    ):
        load_inputs(scenario)


def test_a_horizon_longer_than_the_requirements_warns(tmp_path):
    scenario = office_copy(tmp_path, edit=("scenario.toml", "days = 14", "days = 28"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WfmWarning)
        load_inputs(scenario)
    texts = [str(w.message) for w in caught if issubclass(w.category, WfmWarning)]
    assert [t for t in texts if "open day(s) outside that" in t and "shorten horizon.days" in t]


def test_the_bundled_example_passes_every_check():
    with warnings.catch_warnings():
        warnings.simplefilter("error", WfmWarning)
        inputs = load_inputs(EXAMPLE)
    assert len(inputs.agents) == 110


def test_requirements_beyond_any_roster_are_refused_before_writing(tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(
        "interval_start,queue,contacts,aht_seconds\n2027-06-01T08:00,voice,1000000,86400\n"
        "2027-06-01T08:15,voice,10,300\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["requirements", str(forecast), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert "161,344,539 agents required at 2027-06-01T08:00 on queue 'voice' (more than 100,000)" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_demand_while_closed_warns_naming_the_first_row(tmp_path):
    scenario = office_copy(tmp_path, edit=("requirements.csv", "2026-03-02T08:00,es,3,", "2026-03-02T07:00,es,3,"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WfmWarning)
        load_inputs(scenario)
    (text, *_) = [str(w.message) for w in caught if issubclass(w.category, WfmWarning)]
    assert text.startswith(
        "requirements: 1 row(s) require agents while [operating_hours] has the centre closed, first row 2: "
        "1 agent(s) at 2026-03-02 07:00 (Monday) — no shift can cover them"
    )


def test_wfm_run_logs_input_warnings_as_records_of_its_log():
    import io
    import json

    from wfm.errors import warn
    from wfm.pipeline import warnings_logged
    from wfm.runlog import RunLog

    stream = io.StringIO()
    with warnings_logged(RunLog("json", stream=stream)):
        warn("requirements cover fewer days than the horizon")
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert (record["level"], record["stage"]) == ("warning", "input")
    assert record["message"] == "requirements cover fewer days than the horizon"


def test_demand_outside_the_horizon_warns_that_it_is_ignored(tmp_path):
    scenario = office_copy(tmp_path, edit=("scenario.toml", "days = 14", "days = 7"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WfmWarning)
        load_inputs(scenario)
    texts = [str(w.message) for w in caught if issubclass(w.category, WfmWarning)]
    assert any(
        t.startswith("requirements: ")
        and "outside the horizon (2026-03-02, 7 days)" in t
        and t.endswith("they are ignored")
        for t in texts
    ), texts
