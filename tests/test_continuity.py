"""Continuity (`wfm.continuity`, `wfm replan`): the previous roster as history, the horizon's edges, time
off on closed days, locked shifts, and re-planning with few changes — solver and checker agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.test_planning import scenario_copy
from wfm.checker import check_files, check_roster
from wfm.continuity import history_of, read_previous_roster
from wfm.errors import EXIT_BAD_INPUT, EXIT_INFEASIBLE, InfeasibleError, InputError
from wfm.offers import offers_for
from wfm.planning import build_plan
from wfm.replan import changes_between, replan, write_replan
from wfm.roster import RosterShift, read_roster, write_roster
from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule, write_schedule

OPTIONS = ScheduleOptions(time_limit_s=3)
HEADER = (
    "agent_id,date,queue,template,shift_start,shift_end,paid_hours,break1_start,break1_end,break2_start,break2_end\n"
)
runner = CliRunner()


def _row(agent: str, day: str, start: str, end: str, template: str = "late", queue: str = "es") -> str:
    """A roster row of a shift with no breaks listed (the checker's `breaks` rule is not at stake here)."""
    hours = (dt.datetime.fromisoformat(f"{day}T{end}") - dt.datetime.fromisoformat(f"{day}T{start}")).seconds / 3600
    return f"{agent},{day},{queue},{template},{day}T{start},{day}T{end},{hours:.2f},,,,\n"


def _week_limits(scenario: Path, previous: list[RosterShift] | None = None) -> tuple:
    inputs = load_inputs(scenario)
    history = history_of(inputs.scenario, inputs.agents, previous, inputs.unavailability)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements, history=history)
    return plan, plan.week_min_paid, plan.week_max_paid, plan.week_max_shifts


# --- the horizon's edges and time off --------------------------------------------------------------


def test_a_week_cut_by_the_horizon_keeps_the_contracts_maximum_and_lowers_its_minimum_by_the_days_cut(
    tmp_path: Path,
) -> None:
    """Office: a1 works 20–40 h, ≤ 5 days; the longest paid shift is 7 h (8 h less an unpaid lunch).
    A 9-day horizon from Monday leaves a 2-day last week whose 4 open days past the horizon could hold
    4 × 7 h: min 20 − 28 < 0 → 0; max 40 h (not 40 × 2/7)."""
    scenario = scenario_copy(
        tmp_path, scenario={"days = 14": "days = 9"}, files={"unavailability.csv": "agent_id,date,start,end\n"}
    )
    _, lo, hi, shifts = _week_limits(scenario)
    a1 = 0
    assert (lo[a1, 0], hi[a1, 0], shifts[a1, 0]) == (20 * 60, 40 * 60, 5)  # a whole week
    assert (lo[a1, 1], hi[a1, 1], shifts[a1, 1]) == (0, 40 * 60, 2)


def test_an_ordinary_month_is_not_infeasible_because_of_where_it_ends(tmp_path: Path) -> None:
    """A 30–40 h contract's 2-day last week used to need 8.6 h from its two days; now it needs none (the
    week's 4 open days past the horizon could hold 28 h of it), and it may work up to 40 h."""
    scenario = scenario_copy(
        tmp_path,
        scenario={"days = 14": "days = 9"},
        files={
            "agents.csv": "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,"
            "hourly_cost,available_from,available_to\na1,Ana,es;en,30,40,6,10,,\n",
            "unavailability.csv": "agent_id,date,start,end\n",
            "preferences.csv": "agent_id,date,shift_template_or_start,kind,weight\n",
        },
    )
    _, lo, hi, _ = _week_limits(scenario)
    assert (lo[0, 1], hi[0, 1]) == (max(0, 30 - 28) * 60, 40 * 60)


def test_time_off_on_a_closed_day_does_not_lower_the_minimum(tmp_path: Path) -> None:
    scenario = scenario_copy(tmp_path, files={"unavailability.csv": "agent_id,date,start,end\na1,2026-03-08,,\n"})
    _, lo, _, _ = _week_limits(scenario)
    assert lo[0, 0] == 20 * 60  # Sunday 8 March is closed: no credit
    scenario = scenario_copy(tmp_path, files={"unavailability.csv": "agent_id,date,start,end\na1,2026-03-06,,\n"})
    _, lo, _, _ = _week_limits(scenario)
    assert lo[0, 0] == 16 * 60  # Friday is open: 20 / 5 h off


# --- the previous roster -----------------------------------------------------------------------------


def _with_previous(tmp_path: Path, rows: str) -> Path:
    scenario = scenario_copy(
        tmp_path,
        scenario={"start = 2026-03-02": "start = 2026-03-04", "days = 14": "days = 11"},
        files={"previous.csv": HEADER + rows},
    )
    return scenario


def test_the_straddling_week_counts_the_previous_rosters_hours_and_shifts(tmp_path: Path) -> None:
    """The horizon starts on Wednesday 4 March; a1 worked Monday and Tuesday 6 h each before it."""
    scenario = _with_previous(
        tmp_path, _row("a1", "2026-03-02", "12:00", "18:00") + _row("a1", "2026-03-03", "12:00", "18:00")
    )
    inputs = load_inputs(scenario, previous_roster=tmp_path / "previous.csv")
    _, lo, hi, shifts = _week_limits(scenario, inputs.previous)
    # a1: 20–40 h, 5 days; 12 h and 2 shifts worked; 5 March whole day off (open: credits 4 h)
    assert (lo[0, 0], hi[0, 0], shifts[0, 0]) == ((20 - 4 - 12) * 60, (40 - 12) * 60, 3)
    # without history: of the 2 days before, a1's 5 days a week leave 1 free even if it works all 4 open
    # days of the horizon's part of the week: they could hold 7 h
    _, lo, hi, shifts = _week_limits(scenario, None)
    assert (lo[0, 0], hi[0, 0], shifts[0, 0]) == ((20 - 4 - 7) * 60, 40 * 60, 3)


def test_rest_after_the_previous_rosters_last_shift_holds_in_the_solved_roster(tmp_path: Path) -> None:
    """a2 ended at 20:00 the day before the horizon; rest is 12.5 h: nothing before 08:30 on day 0."""
    scenario = _with_previous(tmp_path, _row("a2", "2026-03-03", "14:00", "20:00"))
    inputs = load_inputs(scenario, previous_roster=tmp_path / "previous.csv")
    result = solve_schedule(inputs, OPTIONS)
    first = [s for s in result.shifts if s.agent_id == "a2" and s.date == dt.date(2026, 3, 4)]
    assert all(s.start >= dt.datetime(2026, 3, 4, 8, 30) for s in first)
    assert not [v for v in result.report.violations if v.rule == "rest"]


def test_the_checker_joins_the_previous_roster(tmp_path: Path) -> None:
    scenario = _with_previous(tmp_path, _row("a2", "2026-03-03", "14:00", "20:00"))
    (tmp_path / "roster.csv").write_text(HEADER + _row("a2", "2026-03-04", "08:00", "12:00", "day", "en"))
    alone = check_files(scenario, tmp_path / "roster.csv")
    joined = check_files(scenario, tmp_path / "roster.csv", previous_roster=tmp_path / "previous.csv")
    assert "rest" not in {v.rule for v in alone.violations}
    (rest,) = [v for v in joined.violations if v.rule == "rest"]
    assert (rest.agent_id, rest.date) == ("a2", dt.date(2026, 3, 4))


def test_runs_of_days_continue_across_the_start(tmp_path: Path) -> None:
    """max_consecutive_days = 4: three days before and two in the horizon make a run of 5."""
    rows = "".join(_row("a3", f"2026-03-0{d}", "13:00", "19:00") for d in (1, 2, 3))
    scenario = _with_previous(tmp_path, rows)
    (tmp_path / "roster.csv").write_text(
        HEADER + _row("a3", "2026-03-04", "13:00", "19:00") + _row("a3", "2026-03-05", "13:00", "19:00")
    )
    joined = check_files(scenario, tmp_path / "roster.csv", previous_roster=tmp_path / "previous.csv")
    assert "max-consecutive-days" in {v.rule for v in joined.violations}


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (_row("a1", "2026-03-04", "12:00", "18:00"), "date", "reaches into the horizon"),
        (_row("zz", "2026-03-03", "12:00", "18:00"), "agent_id", "unknown agent"),
    ],
)
def test_a_bad_previous_roster_is_refused_naming_row_and_column(
    tmp_path: Path, row: str, column: str, message: str
) -> None:
    scenario = _with_previous(tmp_path, _row("a1", "2026-03-02", "12:00", "18:00") + row)
    with pytest.raises(InputError) as info:
        load_inputs(scenario, previous_roster=tmp_path / "previous.csv")
    assert (info.value.row, info.value.column) == (3, column)
    assert message in info.value.message
    result = runner.invoke(
        app,
        [
            "schedule",
            str(scenario),
            "--out",
            str(tmp_path / "out"),
            "--previous-roster",
            str(tmp_path / "previous.csv"),
            "--quiet",
        ],
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert not (tmp_path / "out").exists()


def test_rows_long_before_the_horizon_are_ignored(tmp_path: Path) -> None:
    scenario = _with_previous(tmp_path, _row("zz", "2026-02-01", "12:00", "18:00"))
    sc = load_inputs(scenario).scenario
    assert read_previous_roster(tmp_path / "previous.csv", sc, load_inputs(scenario).agents) == []


# --- locked shifts -------------------------------------------------------------------------------------


def test_locked_shifts_appear_unchanged_and_the_roster_keeps_every_rule(tmp_path: Path) -> None:
    lock = _row("a3", "2026-03-06", "13:00", "19:00").replace(",,,,", ",2026-03-06T15:00,2026-03-06T15:30,,")
    scenario = scenario_copy(tmp_path, files={"locked.csv": HEADER + lock})
    inputs = load_inputs(scenario, locked=tmp_path / "locked.csv")
    result = solve_schedule(inputs, ScheduleOptions(time_limit_s=10))  # time for CP-SAT's day assignment
    mine = [s for s in result.shifts if (s.agent_id, s.date) == ("a3", dt.date(2026, 3, 6))]
    assert mine == inputs.locked
    assert not result.report.violations


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (_row("a3", "2026-03-06", "13:15", "19:15"), "shift_start"),  # off the hourly grid
        (_row("a3", "2026-03-06", "13:00", "18:00"), "shift_end"),  # 5 h is not a length of 'late'
        (_row("a3", "2026-04-06", "13:00", "19:00"), "date"),  # outside the horizon
    ],
)
def test_a_locked_row_off_the_template_or_horizon_is_bad_input(tmp_path: Path, row: str, column: str) -> None:
    scenario = scenario_copy(tmp_path, files={"locked.csv": HEADER + row})
    with pytest.raises(InputError) as info:
        load_inputs(scenario, locked=tmp_path / "locked.csv")
    assert (info.value.row, info.value.column) == (2, column)


def test_locked_shifts_that_break_a_rule_alone_are_infeasible_naming_them(tmp_path: Path) -> None:
    """a3's time off on 10 March 08:00–12:00 meets a locked 'day' shift from 08:00."""
    scenario = scenario_copy(tmp_path, files={"locked.csv": HEADER + _row("a3", "2026-03-10", "08:00", "12:00", "day")})
    with pytest.raises(InfeasibleError) as info:
        load_inputs(scenario, locked=tmp_path / "locked.csv")
    assert any("a3 on 2026-03-10: unavailable" in r for r in info.value.reasons)
    result = runner.invoke(
        app,
        [
            "schedule",
            str(scenario),
            "--out",
            str(tmp_path / "out"),
            "--locked",
            str(tmp_path / "locked.csv"),
            "--quiet",
        ],
    )
    assert result.exit_code == EXIT_INFEASIBLE


# --- two horizons joined, and replan ---------------------------------------------------------------------


def test_two_horizons_cut_mid_week_join_into_a_roster_that_keeps_every_rule(tmp_path: Path) -> None:
    """The office fortnight solved as Monday–Friday, then the rest with the first as previous roster:
    the joined roster passes the checker over the whole fortnight."""
    whole = scenario_copy(tmp_path / "whole")
    first = scenario_copy(tmp_path / "first", scenario={"days = 14": "days = 5"})
    second = scenario_copy(
        tmp_path / "second", scenario={"start = 2026-03-02": "start = 2026-03-07", "days = 14": "days = 9"}
    )
    one = solve_schedule(load_inputs(first), OPTIONS)
    write_schedule(tmp_path / "one", one)
    two = solve_schedule(load_inputs(second, previous_roster=tmp_path / "one" / "roster.csv"), OPTIONS)
    assert not two.report.violations
    sc = load_inputs(whole).scenario
    joined = check_roster(
        sc,
        one.shifts + two.shifts,
        load_inputs(whole).requirements,
        load_inputs(whole).agents,
        load_inputs(whole).unavailability,
    )
    # the budget, the weekends and the template caps count within one horizon; the fortnight is two
    per_horizon = {"budget", "max-weekends", "max-shifts-per-template"}
    assert [v for v in joined.violations if v.rule not in per_horizon] == []


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("published")
    scenario = scenario_copy(folder / "in")
    write_schedule(folder / "out", solve_schedule(load_inputs(scenario), OPTIONS))
    return scenario, folder / "out" / "roster.csv"


def test_replan_keeps_everything_before_from_and_lists_exactly_what_changed(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    scenario, roster = published
    from_at = dt.datetime(2026, 3, 9, 12, 0)
    done = replan(scenario, roster, from_at, change_weight=1.0, options=OPTIONS)
    write_replan(tmp_path / "re", done)
    sc = load_inputs(scenario).scenario
    old = read_roster(roster, sc)
    new = read_roster(tmp_path / "re" / "roster.csv", sc)
    assert [s for s in new if s.start < from_at] == [s for s in old if s.start < from_at]
    changes = pd.read_csv(tmp_path / "re" / "changes.csv", dtype=str)
    assert list(changes.columns) == ["agent_id", "date", "change", "before", "after"]
    assert len(changes) == len(changes_between(old, new, from_at.date()))
    assert done.summary["replan"]["changed_shifts"] == len(changes)
    assert not done.result.report.violations
    offers = pd.read_csv(tmp_path / "re" / "offers.csv", dtype=str)
    assert list(offers.columns) == ["agent_id", "date", "offer", "minutes", "start", "end", "coverage_gained_h", "note"]


def test_an_overtime_offer_covers_under_staffed_time_the_rules_keep(tmp_path: Path) -> None:
    """a2 works 08:00–12:00 on 2 March; the 'day' template also makes 5 h shifts, and es needs an agent
    at 12:00: the offer is to stay until 13:00, and the roster with it taken breaks no rule."""
    scenario = scenario_copy(tmp_path, scenario={"lengths_h = [4, 8]": "lengths_h = [4, 5]"})
    inputs = load_inputs(scenario)
    shift = _row("a2", "2026-03-02", "08:00", "12:00", "day").replace(",,,,", ",2026-03-02T09:30,2026-03-02T10:00,,")
    (tmp_path / "hand.csv").write_text(HEADER + shift)
    shifts = read_roster(tmp_path / "hand.csv", inputs.scenario)
    assert [b.name for b in shifts[0].breaks] == ["coffee"]
    report = check_roster(inputs.scenario, shifts, inputs.requirements, inputs.agents, inputs.unavailability)
    offers = offers_for(
        inputs.scenario, shifts, report.coverage, inputs.agents, inputs.unavailability, inputs.scenario.horizon_dates[0]
    )
    (offer,) = offers[offers["offer"] == "extend"].itertuples()
    assert (offer.agent_id, offer.start, offer.end, offer.minutes) == ("a2", "2026-03-02T08:00", "2026-03-02T13:00", 60)
    assert offer.coverage_gained_h == 0.5
    taken = [dataclasses.replace(shifts[0], end=dt.datetime(2026, 3, 2, 13, 0), paid_hours=5.0)]
    again = check_roster(inputs.scenario, taken, inputs.requirements, inputs.agents, inputs.unavailability)
    assert not {v.rule for v in again.violations} - {"min-hours-week", "min-consecutive-days", "budget"}
    assert again.under_agent_hours == report.under_agent_hours - 0.5


def test_replan_with_nothing_changed_and_a_high_change_weight_moves_nobody(published: tuple[Path, Path]) -> None:
    scenario, roster = published
    done = replan(scenario, roster, dt.datetime(2026, 3, 9, 0, 0), change_weight=1000.0, options=OPTIONS)
    assert done.summary["replan"]["changed_shifts"] == 0


def test_replan_refuses_a_from_outside_the_horizon_and_a_roster_of_another_scenario(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    scenario, roster = published
    with pytest.raises(InputError, match="outside the horizon"):
        replan(scenario, roster, dt.datetime(2026, 4, 1, 0, 0), options=OPTIONS)
    other = tmp_path / "other.csv"
    write_roster(other, [s for s in read_roster(roster, load_inputs(scenario).scenario)], 2)
    text = other.read_text().replace("2026-03-03", "2027-03-03")
    other.write_text(text)
    result = runner.invoke(
        app,
        [
            "replan",
            str(scenario),
            "--published",
            str(other),
            "--from",
            "2026-03-09T00:00",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "another scenario" in result.output
    assert not (tmp_path / "out").exists()
