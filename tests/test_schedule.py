"""`wfm schedule` end to end on the checker fixtures (tests/fixtures/checker/office and nonstop):
solve, write, re-check the written files with the independent checker, and the CLI's exit codes.

Every solve here has a 3-second limit and finishes in about a second.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from models import day_roster, linear
from models.day_roster import Employee, RosterProblem, ShiftKind, Window
from tests.test_lns import _service_plan
from tests.test_planning import AGENTS_HEADER, FIXTURES, scenario_copy
from wfm.assignment import AssignedShift, Assigner, greedy_days, improve_starts, place_roster_breaks
from wfm.checker import CheckReport, check_files, check_roster
from wfm.errors import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK
from wfm.planning import build_plan
from wfm.schedule import (
    ScheduleOptions,
    ScheduleResult,
    load_inputs,
    solve_schedule,
    to_roster,
    write_schedule,
)
from wfm.schedule.service import steering_plan

OPTIONS = ScheduleOptions(time_limit_s=3)
SUMMARY_KEYS = {
    "status",
    "objective",
    "best_bound",
    "gap",
    "solve_seconds",
    "first_feasible_seconds",
    "hours_used",
    "budget_hours",
    "projected_service_level",
    "service_level_by_day",
    "under_agent_hours",
    "over_agent_hours",
    "violations",
    "fairness",
    "parameters",
    "input_checksums",
    "versions",
}


@dataclass(frozen=True)
class Solved:
    scenario: Path
    result: ScheduleResult
    out: Path
    check: CheckReport  # of the written roster.csv, by `wfm check`'s own reading

    @property
    def summary(self) -> dict:
        return self.result.summary


def _solve(scenario: Path, out: Path, options: ScheduleOptions = OPTIONS) -> Solved:
    result = solve_schedule(load_inputs(scenario), options)
    write_schedule(out, result)
    return Solved(scenario, result, out, check_files(scenario, out / "roster.csv"))


def _service(folder: Path, kind: str) -> Path:
    return scenario_copy(folder, kind, scenario={'kind = "coverage"': 'kind = "service"'})


@pytest.fixture(scope="module", params=["office", "nonstop", "office-service", "nonstop-service"])
def solved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Solved:
    kind, _, objective = request.param.partition("-")
    folder = tmp_path_factory.mktemp(request.param)
    scenario = _service(folder / "in", kind) if objective else FIXTURES / kind / "scenario.toml"
    return _solve(scenario, folder / "out")


def test_status_is_feasible_or_optimal_without_violations(solved: Solved) -> None:
    assert solved.summary["status"] in ("feasible", "optimal")
    assert solved.summary["violations"] == []
    assert solved.result.report.ok
    assert solved.summary["shifts"] == len(solved.result.shifts) > 0


def test_checker_on_the_written_files_agrees_with_the_summary(solved: Solved) -> None:
    assert solved.check.violations == ()
    assert solved.check.objective == pytest.approx(solved.summary["objective"], rel=1e-6, abs=1e-9)
    assert solved.check.objective_terms.keys() == solved.summary["objective_terms"].keys()
    assert sum(solved.summary["objective_terms"].values()) == pytest.approx(solved.summary["objective"], rel=1e-9)
    for key in ("hours_used", "under_agent_hours", "over_agent_hours", "projected_service_level"):
        assert getattr(solved.check, key) == pytest.approx(solved.summary[key], rel=1e-6, abs=1e-9), key


def test_summary_json_has_every_documented_key(solved: Solved) -> None:
    written = json.loads((solved.out / "summary.json").read_text(encoding="utf-8"))
    assert written.keys() >= SUMMARY_KEYS
    assert written["objective"] == pytest.approx(solved.summary["objective"], rel=1e-12)
    assert written["parameters"]["time_limit_s"] == 3
    assert set(written["input_checksums"]) >= {"scenario", "requirements", "agents"}
    assert all(len(v) == 64 for v in written["input_checksums"].values())
    assert {"wfm", "python", "ortools"} <= written["versions"].keys()
    assert set(written["fairness"]) == {"weekend_days", "late_shifts"}


def test_bound_is_below_the_objective_and_the_gap_follows(solved: Solved) -> None:
    s = solved.summary
    assert s["best_bound"] is not None
    assert s["best_bound"] <= s["objective"] + 1e-6
    assert s["gap"] == pytest.approx((s["objective"] - s["best_bound"]) / s["objective"], abs=1e-12)
    assert 0 <= s["first_feasible_seconds"] <= s["solve_seconds"]


def test_hours_used_within_the_budget(solved: Solved) -> None:
    s = solved.summary
    assert s["budget_hours"] is not None
    assert 0 < s["hours_used"] <= s["budget_hours"] + 1e-6


def test_coverage_csv_adds_up_to_the_summary(solved: Solved) -> None:
    cov = pd.read_csv(solved.out / "coverage.csv")
    sc = load_inputs(solved.scenario).scenario
    interval_min = sc.config.horizon.interval_min
    assert len(cov) == sc.config.horizon.days * 1440 // interval_min * cov["queue"].nunique()
    assert (cov["under"] == (cov["required_agents"] - cov["scheduled_agents"]).clip(lower=0)).all()
    assert (cov["over"] == (cov["scheduled_agents"] - cov["required_agents"]).clip(lower=0)).all()
    assert cov["under"].sum() * interval_min / 60 == pytest.approx(solved.summary["under_agent_hours"])
    assert cov["over"].sum() * interval_min / 60 == pytest.approx(solved.summary["over_agent_hours"])


@pytest.mark.parametrize("kind", ["office", "nonstop"])
def test_same_inputs_and_seed_give_byte_identical_files(kind: str, tmp_path: Path) -> None:
    scenario = FIXTURES / kind / "scenario.toml"
    options = ScheduleOptions(time_limit_s=3, seed=7)
    first, second = (_solve(scenario, tmp_path / name, options) for name in ("a", "b"))
    for name in ("roster.csv", "coverage.csv"):
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name
    assert first.summary["objective"] == second.summary["objective"]


def test_objective_override_is_the_objective_reported(tmp_path: Path) -> None:
    scenario = FIXTURES / "office" / "scenario.toml"
    result = solve_schedule(load_inputs(scenario), ScheduleOptions(time_limit_s=3, objective="service"))
    assert result.summary["objective_kind"] == "service"
    assert "lost_contacts" in result.summary["objective_terms"]
    write_schedule(tmp_path / "out", result)
    expected = check_files(_service(tmp_path / "in", "office"), tmp_path / "out" / "roster.csv")
    assert result.summary["objective"] == pytest.approx(expected.objective, rel=1e-6)


# Two agents, four 15-minute intervals of 4 contacts (AHT 300 s): the solver's service value curve is the
# concave envelope over 0…2 agents (the agents skilled for the queue), the checker's over all n ≥ 0 (it
# saturates). At 2 agents the solver counts 1.96 contacts answered in time, the checker 2.24, so the
# solver's lower bound (8.16 lost) exceeds the checked objective (7.06).
TWO_AGENTS = "agent_id,skills,min_hours_week,max_hours_week,max_days_week,hourly_cost\ns1,,0,40,5,0\ns2,,0,40,5,0\n"
FOUR_CONTACTS = "interval_start,queue,contacts,aht_seconds,required_agents\n" + "".join(
    f"2026-03-02T02:{m:02d},main,4,300,2\n" for m in (0, 15, 30, 45)
)


def test_service_bound_is_below_the_objective_with_few_agents(tmp_path: Path) -> None:
    scenario = scenario_copy(
        tmp_path / "in",
        "nonstop",
        scenario={'kind = "coverage"': 'kind = "service"\nfairness_weight = 0'},
        files={
            "agents.csv": TWO_AGENTS,
            "unavailability.csv": "agent_id,date,start,end\n",
            "requirements.csv": FOUR_CONTACTS,
        },
    )
    solved = _solve(scenario, tmp_path / "out")
    assert solved.check.ok
    assert solved.summary["best_bound"] <= solved.summary["objective"] + 1e-6


def test_an_lp_expected_to_overrun_is_not_started_and_no_bound_is_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An LP forecast at far more than its share of the time limit is skipped: the roster is still
    built, searched around its own options and checked, with no bound and no gap, and the stage log
    says why."""
    monkeypatch.setattr(linear, "REFERENCE_SECONDS", 1e6)
    solved = _solve(FIXTURES / "office" / "scenario.toml", tmp_path / "out", ScheduleOptions(time_limit_s=8))
    assert solved.check.ok and solved.summary["status"] == "feasible"
    assert solved.summary["best_bound"] is None and solved.summary["gap"] is None
    assert solved.summary["stages"]["lp_seconds"] == 0.0
    assert solved.summary["stages"]["lp_expected_seconds"] > 2 * 0.75 * 8
    assert any("LP relaxation not started" in line for line in solved.result.stage_log)
    assert any("roster search pass" in line for line in solved.result.stage_log)


def test_expected_lp_seconds_grows_with_the_square_of_the_nonzeros() -> None:
    model = linear.SparseModel()
    v = model.add_vars(linear.REFERENCE_NONZEROS, 0, 1)
    model.add_rows(np.zeros(len(v), dtype=np.int64), v, np.ones(len(v), dtype=np.int64), np.zeros(1), np.ones(1))
    assert linear.expected_lp_seconds(model) == pytest.approx(linear.REFERENCE_SECONDS)
    model.add_rows(np.zeros(len(v), dtype=np.int64), v, np.ones(len(v), dtype=np.int64), np.zeros(1), np.ones(1))
    assert linear.expected_lp_seconds(model) == pytest.approx(4 * linear.REFERENCE_SECONDS)


# --- the command line ---------------------------------------------------------------------------------


def _cli(scenario: Path, out: Path, *options: str):
    return CliRunner().invoke(app, ["schedule", str(scenario), "--out", str(out), "--time-limit-s", "3", *options])


def test_cli_success_writes_the_three_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(FIXTURES / "nonstop" / "scenario.toml", out, "--quiet")
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in out.iterdir()) == ["coverage.csv", "roster.csv", "summary.json"]
    assert check_files(FIXTURES / "nonstop" / "scenario.toml", out / "roster.csv").ok
    assert result.stdout == ""


def test_cli_json_prints_progress_lines_then_the_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(FIXTURES / "office" / "scenario.toml", out, "--json")
    assert result.exit_code == EXIT_OK, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) >= 2
    assert {r["event"] for r in records[:-1]} == {"progress"}
    assert records[-1]["event"] == "result"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert records[-1]["objective"] == pytest.approx(summary["objective"], rel=1e-12)
    assert records[-1]["status"] == summary["status"]
    assert records[-1]["out"] == str(out)


def test_cli_infeasible_budget_exits_3_with_the_reasons_and_writes_nothing(tmp_path: Path) -> None:
    scenario = scenario_copy(tmp_path / "in", scenario={"hours = 100": "hours = 30"})
    out = tmp_path / "out"
    result = _cli(scenario, out, "--quiet")
    assert result.exit_code == EXIT_INFEASIBLE == 3
    assert "the scenario admits no roster" in result.stderr
    assert "the budget of 30 h is below the agents' contracted minimum of 36.0 h" in result.stderr
    assert "at least 36" in result.stderr
    assert not out.exists()


BROKEN_INPUTS = {
    # defect: (file replaced, its content, file named in the message, row, column or None)
    "unknown-agent-in-unavailability": (
        "unavailability.csv",
        "agent_id,date,start,end\na1,2026-03-05,,\nzz,2026-03-10,08:00,12:00\n",
        "unavailability.csv",
        3,
        "agent_id",
    ),
    "unknown-agent-in-preferences": (
        "preferences.csv",
        "agent_id,date,shift_template_or_start,kind,weight\na1,2026-03-02,day,prefer,3\nzz,2026-03-03,09:00,avoid,2\n",
        "preferences.csv",
        3,
        "agent_id",
    ),
    "duplicate-agent-id": (
        "agents.csv",
        AGENTS_HEADER + "a1,Ana,es,20,40,5,10,,\na2,Ben,es;en,0,40,5,12,08:00,17:00\na1,Cleo,,0,18,3,,,\n",
        "agents.csv",
        4,
        "agent_id",
    ),
    "negative-hourly-cost": (
        "agents.csv",
        AGENTS_HEADER + "a1,Ana,es,20,40,5,-10,,\na2,Ben,es;en,0,40,5,12,08:00,17:00\n",
        "agents.csv",
        2,
        "hourly_cost",
    ),
    "bad-time-of-day": (
        "agents.csv",
        AGENTS_HEADER + "a1,Ana,es,20,40,5,10,,\na2,Ben,es;en,0,40,5,12,08:00,25:00\n",
        "agents.csv",
        3,
        "available_to",
    ),
    "min-hours-above-max": (
        "agents.csv",
        AGENTS_HEADER + "a1,Ana,es,50,40,5,10,,\n",
        "agents.csv",
        2,
        "min_hours_week",
    ),
    "missing-column": (
        "agents.csv",
        "agent_id,name,skills,min_hours_week,max_hours_week\na1,Ana,es,20,40\n",
        "agents.csv",
        1,
        None,
    ),
}


@pytest.mark.parametrize("defect", sorted(BROKEN_INPUTS))
def test_cli_broken_input_exits_2_naming_file_row_and_column(defect: str, tmp_path: Path) -> None:
    name, content, named, row, column = BROKEN_INPUTS[defect]
    scenario = scenario_copy(tmp_path / "in", files={name: content})
    out = tmp_path / "out"
    result = _cli(scenario, out, "--quiet")
    assert result.exit_code == EXIT_BAD_INPUT == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"wfm: error: {tmp_path / 'in' / named}, row {row}")
    if column is not None:
        assert f"column '{column}'" in line
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_error_keeps_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("previous\n", encoding="utf-8")
    name, content, *_ = BROKEN_INPUTS["unknown-agent-in-unavailability"]
    result = _cli(scenario_copy(tmp_path / "in", files={name: content}), out, "--quiet")
    assert result.exit_code == EXIT_BAD_INPUT
    assert [p.name for p in out.iterdir()] == ["roster.csv"]
    assert (out / "roster.csv").read_text(encoding="utf-8") == "previous\n"


def test_cli_rejects_an_unknown_objective(tmp_path: Path) -> None:
    result = _cli(FIXTURES / "office" / "scenario.toml", tmp_path / "out", "--objective", "speed")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--objective must be coverage or service, got 'speed'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_summary_figures_are_finite(solved: Solved) -> None:
    s = solved.summary
    for key in ("objective", "best_bound", "gap", "hours_used", "projected_service_level"):
        assert math.isfinite(s[key]), key
    assert 0 <= s["projected_service_level"] <= 1
    assert all(0 <= v <= 1 for v in s["service_level_by_day"].values())


@pytest.mark.parametrize("cover_kind", [0, 1, 2])
def test_greedy_days_keeps_a_short_weeks_minimum_reachable(cover_kind: int) -> None:
    """A two-day week (pro-rated 618–685 paid minutes, at most two shifts): whatever the cover asks
    for on day 0, the greedy must not hand out a shift after which no second one fits between the
    minimum and the maximum (a 9-hour shift leaves 78–145 minutes, below the 4-hour shortest)."""
    kinds = (ShiftKind("9h", 540), ShiftKind("7h", 420), ShiftKind("4h", 240))
    window = Window(0, 1, 618, 685, 2)
    employee = Employee(
        "a",
        max_shifts=(2, 2, 2),
        min_minutes=618,
        max_minutes=685,
        max_consecutive=6,
        min_consecutive=1,
        min_consecutive_off=1,
        max_weekends=10,
        windows=(window,),
    )
    cover = np.zeros((2, 3), dtype=np.int64)
    cover[0, cover_kind] = 1
    problem = RosterProblem(
        days=2,
        first_weekday=0,
        kinds=kinds,
        employees=(employee,),
        forbidden_successions=frozenset(),
        cover=cover,
        under_weight=np.ones((2, 3), dtype=np.int64),
        over_weight=np.ones((2, 3), dtype=np.int64),
    )
    out = greedy_days(problem)[0]
    worked = sum(kinds[k].minutes for k in out if k >= 0)
    assert 618 <= worked <= 685, out.tolist()


def test_greedy_days_ends_the_week_with_a_run_the_next_week_can_follow() -> None:
    """Five of seven days needed (history: Sunday worked), and the week must end on a run of at most
    two days: the greedy leaves a day off among the last three days however the cover pulls."""
    kinds = (ShiftKind("8h", 480),)
    employee = Employee(
        "a",
        max_shifts=(7,),
        min_minutes=2400,
        max_minutes=2400,
        max_consecutive=6,
        min_consecutive=1,
        min_consecutive_off=1,
        max_weekends=10,
        history=(0,),
        max_final_run=2,
    )
    problem = RosterProblem(
        days=7,
        first_weekday=0,
        kinds=kinds,
        employees=(employee,),
        forbidden_successions=frozenset(),
        cover=np.array([[0], [0], [1], [1], [1], [1], [1]]),
        under_weight=np.ones((7, 1), dtype=np.int64),
        over_weight=np.ones((7, 1), dtype=np.int64),
    )
    out = greedy_days(problem)
    assert (out[0] >= 0).sum() == 5 and (out[0, 4:] < 0).any(), out.tolist()
    assert day_roster.evaluate(problem, out)[1] == []


@pytest.mark.parametrize(
    ("days", "max_weekends", "expected"),
    [(9, 9, [None, None]), (14, 9, [None, None]), (14, 1, [1, None]), (9, 1, [None, None])],
)
def test_a_week_ends_on_a_run_the_next_week_can_follow(
    tmp_path: Path, days: int, max_weekends: int, expected: list[int | None]
) -> None:
    """36 h a week, at most 7.5 paid hours a shift, 6 days in a row. A 2-day week at the end (9 days)
    needs none of its days (by the edge rule the 5 days past the horizon could hold its 36 h), so the
    week before may end on any run; a following full week needs 5
    of its 7 days (no cap), unless its weekend is out of reach because working this week's weekend
    would use the agent's only one: then Monday to Friday, and this week ends on a run of 1 at most."""
    scenario = scenario_copy(
        tmp_path,
        "nonstop",
        scenario={
            "days = 7": f"days = {days}",
            "min_days_off_week = 2": f"min_days_off_week = 1\nmax_weekends = {max_weekends}",
        },
        files={
            "agents.csv": AGENTS_HEADER + "n1,,main,36,48,6,,,\n",
            "unavailability.csv": "agent_id,date,start,end\n",
        },
    )
    inputs = load_inputs(scenario)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    assigner = Assigner(inputs.scenario, plan, inputs.agents, [], workers=1, seed=0, deterministic=True)
    caps = [
        assigner._max_final_run(0, 0, w, assigner._weekends_worked(0, plan.weeks[w][0])) for w in range(len(plan.weeks))
    ]
    assert caps == expected


def test_greedy_days_never_lifts_a_minimum_onto_a_day_off() -> None:
    """Below its minimum after day 0, the employee still gets no shift on its day off (time off
    outranks the weekly minimum; the checker reports the shortfall instead)."""
    kinds = (ShiftKind("4h", 240),)
    employee = Employee(
        "a",
        max_shifts=(3,),
        min_minutes=720,
        max_minutes=720,
        max_consecutive=6,
        min_consecutive=1,
        min_consecutive_off=1,
        max_weekends=10,
        days_off=frozenset({1}),
    )
    problem = RosterProblem(
        days=3,
        first_weekday=0,
        kinds=kinds,
        employees=(employee,),
        forbidden_successions=frozenset(),
        cover=np.array([[1], [0], [0]]),
        under_weight=np.ones((3, 1), dtype=np.int64),
        over_weight=np.ones((3, 1), dtype=np.int64),
        allowed=np.ones((1, 3, 1), dtype=bool),
    )
    out = greedy_days(problem)[0]
    assert out[1] < 0 and (out >= 0).sum() == 2, out.tolist()


def test_start_times_leave_a_rested_start_for_tomorrows_blocked_day(tmp_path: Path) -> None:
    """n1 works a night shift on Monday (starts 20:00–23:00, 8 h) and an early one on Tuesday
    (starts 00:00–06:00, 4 h) but is away from 09:00 on Tuesday, so Tuesday must start by 05:00 and,
    with 1 h of rest, Monday must start at 20:00. The aggregate's Monday slot is 23:00: looking one
    day ahead, the start assignment moves Monday to 20:00 instead of losing Tuesday."""
    scenario = scenario_copy(
        tmp_path,
        "nonstop",
        scenario={"min_rest_h = 11": "min_rest_h = 1"},
        files={"unavailability.csv": "agent_id,date,start,end\nn1,2026-03-03,09:00,24:00\n"},
    )
    inputs = load_inputs(scenario)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    p, tl = plan.problem, plan.timeline
    n1 = [a.agent_id for a in inputs.agents].index("n1")
    templates = [t.name for t in inputs.scenario.config.shift_templates]

    def kind(template: str) -> int:
        return next(
            k
            for k, sk in enumerate(plan.kinds)
            if sk.template == templates.index(template) and n1 in plan.classes[sk.klass]
        )

    def option(day: int, k: int, hhmm: int) -> int:
        return next(
            j
            for j in range(p.n_options)
            if p.opt_day[j] == day
            and plan.opt_kind[j] == k
            and p.opt_start[j] == day * tl.per_day + hhmm * 60 // tl.interval_min
        )

    night, early = kind("night"), kind("early")
    assigner = Assigner(inputs.scenario, plan, inputs.agents, [], workers=1, seed=0, deterministic=True)
    assigner.day_kind[n1, :2] = (night, early)
    shifts, _, _, dropped = assigner.assign_starts({option(0, night, 23): [()], option(1, early, 0): [()]})
    starts = {s.day: int(p.opt_start[s.option]) % tl.per_day * tl.interval_min // 60 for s in shifts if s.agent == n1}
    assert dropped == 0 and starts[0] == 20 and starts[1] <= 5, starts


def _ana_needed(folder: Path, days: Iterable[int], max_hours: int, scenario: dict[str, str]) -> Path:
    """The office scenario with one agent, Ana (0–`max_hours` paid hours a week), needed 08:00–16:00
    on `days` (0 = the first Monday), no cost weight, and these texts of scenario.toml replaced."""
    requirements = "interval_start,queue,contacts,aht_seconds,required_agents\n" + "".join(
        f"2026-03-0{2 + d}T{h:02d}:{m:02d},es,3,300,1\n" for d in days for h in range(8, 16) for m in (0, 30)
    )
    agents = AGENTS_HEADER + f"a1,Ana,es,0,{max_hours},5,10,,\n"
    return scenario_copy(
        folder,
        "office",
        scenario={"cost_weight = 0.1": "cost_weight = 0", **scenario},
        files={
            "requirements.csv": requirements,
            "agents.csv": agents,
            "unavailability.csv": "agent_id,date,start,end\n",
            "preferences.csv": "agent_id,date,shift_template_or_start,kind,weight\n",
        },
    )


@pytest.mark.parametrize(("max_hours", "budget_hours", "monday_hours"), [(40, 100, 8), (33, 100, 4), (40, 10, 4)])
def test_start_search_lengthens_a_shift_only_within_the_weekly_maximum_and_budget(
    tmp_path: Path, max_hours: int, budget_hours: int, monday_hours: int
) -> None:
    """One agent is needed 08:00–16:00 Monday to Friday. Ana works a 4-hour Monday and 8-hour
    (7 paid) Tuesday to Friday: 32 paid hours. The 8-hour Monday (35 h) covers more, and is taken
    when her maximum is 40 h; at 33 h it is not, nor with a budget of 10 h (already overspent)."""
    inputs = load_inputs(_ana_needed(tmp_path, range(5), max_hours, {"hours = 100": f"hours = {budget_hours}"}))
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    p, tl = plan.problem, plan.timeline
    day = [t.name for t in inputs.scenario.config.shift_templates].index("day")

    def option(d: int, hours: int) -> int:
        return next(
            j
            for j in range(p.n_options)
            if p.opt_day[j] == d
            and p.opt_template[j] == day
            and p.opt_start[j] == d * tl.per_day + 16
            and p.opt_length[j] * tl.interval_min == hours * 60
            and plan.queues[p.opt_queue[j]] == "es"
        )

    shifts = [AssignedShift(0, d, option(d, 4 if d == 0 else 8), ()) for d in range(5)]
    out = improve_starts(plan, shifts, min_rest=0, passes=1, change_lengths=True)
    monday = next(s for s in out if s.day == 0)
    assert p.opt_length[monday.option] * tl.interval_min == monday_hours * 60
    week = sum(int(p.opt_paid_min[s.option]) for s in out)
    assert plan.week_min_paid[0, 0] <= week <= plan.week_max_paid[0, 0]


@pytest.mark.parametrize(
    ("needed", "rules", "expected_days"),
    [
        ((1, 2), {}, (1, 2)),  # Monday's shift moves to Wednesday: a run of two days, as the rules ask
        ((1, 3), {}, (0, 1)),  # Tuesday and Thursday alone would be one-day runs (minimum 2)
        (
            (1, 3),
            {
                "min_consecutive_days = 2": "min_consecutive_days = 1",
                "min_consecutive_days_off = 2": "min_consecutive_days_off = 1",
            },
            (1, 3),
        ),
        (
            (1, 5),
            {
                "min_consecutive_days = 2": "min_consecutive_days = 1",
                "min_consecutive_days_off = 2": "min_consecutive_days_off = 1",
            },
            (1, 5),
        ),
        (
            (1, 5),
            {
                "min_consecutive_days = 2": "min_consecutive_days = 1",
                "min_consecutive_days_off = 2": "min_consecutive_days_off = 1",
                "max_weekends = 1": "max_weekends = 0",
            },
            (0, 1),
        ),
    ],
)
def test_start_search_moves_a_shift_to_another_day_of_its_week_only_within_the_day_rules(
    tmp_path: Path, needed: tuple[int, int], rules: dict[str, str], expected_days: tuple[int, int]
) -> None:
    """One agent is needed 08:00–16:00 on two days of the first week; Ana works 8-hour shifts on
    Monday and Tuesday. Monday's shift moves to the other needed day when the rules on her days
    allow it (runs of at least 2 days on and off in the office scenario, at most 1 weekend), and the
    checker finds the moved roster valid."""
    inputs = load_inputs(_ana_needed(tmp_path, needed, 40, rules))
    sc = inputs.scenario
    plan = build_plan(sc, inputs.agents, inputs.unavailability, inputs.requirements)
    p, tl = plan.problem, plan.timeline
    day = [t.name for t in sc.config.shift_templates].index("day")
    option = {
        int(p.opt_day[j]): j
        for j in range(p.n_options)
        if p.opt_template[j] == day and p.opt_start[j] % tl.per_day == 16 and p.opt_length[j] * tl.interval_min == 480
    }
    shifts = place_roster_breaks(plan, [AssignedShift(0, d, option[d], ()) for d in (0, 1)])
    out = improve_starts(plan, shifts, min_rest=0, passes=2, day_rules=sc.config.rules)
    assert tuple(sorted(s.day for s in out)) == expected_days
    # no pass starts past its deadline
    assert improve_starts(plan, shifts, min_rest=0, passes=2, day_rules=sc.config.rules, deadline=0.0) == shifts
    assert sorted(int(p.opt_length[s.option]) for s in out) == [16, 16]  # the kind is kept
    roster = to_roster(sc, plan, inputs.agents, out)
    report = check_roster(sc, roster, inputs.requirements, inputs.agents, inputs.unavailability, [])
    assert not report.violations, report.violations


def test_under_the_service_objective_the_roster_heuristics_steer_by_shortfall(tmp_path: Path) -> None:
    """The service plan's own weights are 0 (its cuts carry the objective): the day assignment, start
    search and break placement would see no gain anywhere. They get the same options and caps with
    the coverage default for a shortfall and nothing for excess (more agents answer more in time)."""
    plan = _service_plan(tmp_path, "office")
    steer = steering_plan(plan)
    inputs = load_inputs(FIXTURES / "office" / "scenario.toml")
    coverage = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements).problem
    assert steer.problem.under_weight == coverage.under_weight > 0
    assert steer.problem.over_weight == 0
    assert steer.problem.cut_const is None
    for name in ("opt_start", "opt_length", "opt_queue", "opt_class", "opt_cost", "class_day_cap", "required"):
        np.testing.assert_array_equal(getattr(steer.problem, name), getattr(plan.problem, name))
    assert steer.problem.budget_min == plan.problem.budget_min


def test_a_search_that_ends_early_names_the_searched_aggregate_and_keeps_the_better_roster(tmp_path: Path) -> None:
    from benchmarks import generate as gen

    spec = gen.InstanceSpec("t-small", days=7, agents=20, interval_min=30, queues=("voice_es",), seed=7)
    inputs = load_inputs(gen.generate(spec, tmp_path / "small").scenario_path)
    runs: list[list] = [[], []]
    results = [
        solve_schedule(
            inputs,
            ScheduleOptions(time_limit_s=20.0),
            progress=lambda p, seen=seen: seen.append(p) if p.stage == "roster" else None,
        )
        for seen in runs
    ]
    events = runs[0]
    messages = [e.message for e in events]
    searched = messages.index("searched roster")
    named = next(i for i, m in enumerate(messages) if m.startswith("roster from the searched aggregate"))
    assert searched < named  # tried only after the search on the LP's roster ended by its own rule
    assert results[0].summary["stages"]["aggregate_search_rounds"] >= 1
    first, again = results
    # every roster built was checked; the best is kept, and the whole run repeats exactly
    assert first.summary["objective"] == min(e.objective for e in events)
    assert first.summary["objective"] < events[searched].objective
    assert not first.report.violations
    assert [(s.agent_id, s.start, s.queue) for s in first.shifts] == [
        (s.agent_id, s.start, s.queue) for s in again.shifts
    ]


def test_the_summary_says_which_limit_ended_the_run_and_whether_it_repeats(tmp_path: Path) -> None:
    """A small week with time to spare: nothing was cut by the clock, and a second run is identical."""
    runs = [
        solve_schedule(load_inputs(FIXTURES / "office" / "scenario.toml"), ScheduleOptions(time_limit_s=20))
        for _ in range(2)
    ]
    limit = runs[0].summary["limit"]
    assert limit["kind"] == "wall-clock" and limit["time_limit_s"] == 20
    assert limit["repeatable"] == (not limit["cut_by_clock"])
    if limit["repeatable"]:
        assert [(s.agent_id, s.start, s.end, s.queue) for s in runs[0].shifts] == [
            (s.agent_id, s.start, s.end, s.queue) for s in runs[1].shifts
        ]


def test_a_repeatable_run_reads_no_clock_and_repeats_exactly(tmp_path: Path) -> None:
    """`repeatable`: the limit is a work budget; two runs give the same roster, and the summary says so."""
    runs = [
        solve_schedule(
            load_inputs(FIXTURES / "nonstop" / "scenario.toml"), ScheduleOptions(time_limit_s=6, repeatable=True)
        )
        for _ in range(2)
    ]
    assert runs[0].summary["limit"]["kind"] == "work budget"
    assert runs[0].summary["limit"]["repeatable"]
    assert [(s.agent_id, s.start, s.end, s.queue, s.breaks) for s in runs[0].shifts] == [
        (s.agent_id, s.start, s.end, s.queue, s.breaks) for s in runs[1].shifts
    ]
    assert runs[0].summary["objective"] == runs[1].summary["objective"]
