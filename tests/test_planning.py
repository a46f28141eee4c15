"""Scenario → aggregate problem (`wfm.planning`): weekly patterns, pattern cuts, the rounding policy,
and the reasons `build_plan` gives when no roster can exist.

Scenario variants are copies of tests/fixtures/checker/office (3 agents, two weeks from Monday
2026-03-02, 30-minute intervals, open 08:00–20:00 Monday–Saturday) with one thing changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.errors import InfeasibleError
from wfm.planning import Plan, Timeline, WeekPatterns, achievable_week, build_plan, pattern_cuts, scale
from wfm.schedule import load_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "checker"
AGENTS_HEADER = (
    "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,hourly_cost,available_from,available_to\n"
)


def scenario_copy(
    folder: Path,
    kind: str = "office",
    *,
    scenario: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """Copy fixture `kind` (without its rosters) into `folder`, replace texts of scenario.toml (each must
    occur) and whole input files; return the scenario's path."""
    shutil.copytree(FIXTURES / kind, folder, ignore=shutil.ignore_patterns("rosters"), dirs_exist_ok=True)
    path = folder / "scenario.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in (scenario or {}).items():
        assert old in text, f"'{old}' not in the {kind} scenario"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    for name, body in (files or {}).items():
        (folder / name).write_text(body, encoding="utf-8")
    return path


def plan_of(scenario_path: Path) -> Plan:
    inputs = load_inputs(scenario_path)
    return build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)


# --- achievable_week --------------------------------------------------------------------------------


def test_achievable_week_seven_and_eight_hour_shifts_for_36_to_40_hours() -> None:
    # ≤ 5 shifts of 420 or 480 paid minutes, 2160–2400 in total: four shifts give at most 1920, so every
    # pattern has five shifts, at least one of them long: (4, 1) = 2160 … (0, 5) = 2400
    got = achievable_week((420, 480), 5, 2160, 2400)
    assert got is not None
    assert (got.min_paid, got.max_paid, got.min_shifts, got.max_shifts) == (2160, 2400, 5, 5)
    assert sorted(map(tuple, got.counts.tolist())) == [(0, 5), (1, 4), (2, 3), (3, 2), (4, 1)]


def test_achievable_week_four_and_eight_hour_shifts_for_20_to_40_hours() -> None:
    # 240/480 minutes, ≤ 5 shifts, 1200–2400: three shifts suffice ((1, 2) = 1200 or (0, 3) = 1440), two do not
    got = achievable_week((240, 480), 5, 1200, 2400)
    assert got is not None
    assert (got.min_paid, got.max_paid, got.min_shifts, got.max_shifts) == (1200, 2400, 3, 5)


def test_achievable_week_with_no_minimum_includes_the_empty_week() -> None:
    got = achievable_week((480,), 5, 0, 0)
    assert got is not None
    assert (got.min_paid, got.max_paid, got.min_shifts, got.max_shifts) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("lengths", "max_shifts", "lo", "hi"),
    [
        ((480,), 2, 1000, 1200),  # two 8-hour shifts are 960 minutes
        ((480,), 5, 500, 900),  # 480 is too little, 960 too much
        ((240, 480), 0, 1, 2400),  # no shift allowed, some minutes needed
        ((), 5, 60, 600),  # no shift length at all
    ],
)
def test_achievable_week_is_none_when_no_pattern_fits(
    lengths: tuple[int, ...], max_shifts: int, lo: int, hi: int
) -> None:
    assert achievable_week(lengths, max_shifts, lo, hi) is None


lengths_st = st.lists(
    st.sampled_from([180, 240, 360, 420, 450, 480, 540, 600]), min_size=1, max_size=3, unique=True
).map(lambda v: tuple(sorted(v)))


@given(lengths_st, st.integers(0, 6), st.integers(0, 3000), st.integers(0, 3000))
@settings(max_examples=150, deadline=None)
def test_achievable_week_enumerates_exactly_the_feasible_patterns(
    lengths: tuple[int, ...], max_shifts: int, lo: int, hi: int
) -> None:
    brute = sorted(
        c
        for c in itertools.product(range(max_shifts + 1), repeat=len(lengths))
        if sum(c) <= max_shifts and lo <= int(np.dot(c, lengths)) <= hi
    )
    got = achievable_week(lengths, max_shifts, lo, hi)
    if not brute:
        assert got is None
        return
    assert got is not None
    assert sorted(map(tuple, got.counts.tolist())) == brute
    totals = [int(np.dot(c, lengths)) for c in brute]
    assert (got.min_paid, got.max_paid) == (min(totals), max(totals))
    assert (got.min_shifts, got.max_shifts) == (min(map(sum, brute)), max(map(sum, brute)))


# --- pattern_cuts -------------------------------------------------------------------------------------


@st.composite
def class_weeks(draw: st.DrawFn) -> list[WeekPatterns]:
    """The weekly patterns of the agents of one class-week: shared shift lengths, own limits."""
    lengths = draw(lengths_st.filter(lambda v: len(v) >= 2))
    agents = []
    for _ in range(draw(st.integers(1, 4))):
        max_shifts = draw(st.integers(1, 6))
        lo = draw(st.integers(0, 2400))
        got = achievable_week(lengths, max_shifts, lo, lo + draw(st.integers(0, 1800)))
        if got is not None:
            agents.append(got)
    return agents


@given(class_weeks())
@settings(max_examples=120, deadline=None)
def test_pattern_cuts_hold_for_every_pattern_and_sum_each_agents_support(agents: list[WeekPatterns]) -> None:
    for f, rhs in pattern_cuts(agents):
        assert f.dtype.kind == "i" and (f != 0).any()
        support = [int((a.counts @ f).max()) for a in agents]
        for a, h in zip(agents, support, strict=True):
            assert (a.counts @ f <= h).all()
        assert rhs == sum(support)


@given(class_weeks())
@settings(max_examples=60, deadline=None)
def test_pattern_cuts_admit_every_combination_of_the_agents_patterns(agents: list[WeekPatterns]) -> None:
    cuts = pattern_cuts(agents)
    rng = np.random.default_rng(len(agents))
    for _ in range(20):
        total = sum(a.counts[rng.integers(len(a.counts))] for a in agents)
        for f, rhs in cuts:
            assert int(total @ f) <= rhs


def test_pattern_cuts_of_one_agent_cut_off_an_infeasible_count() -> None:
    # ≤ 2 shifts of 4 or 8 hours, 8–12 hours: (2, 0), (1, 1), (0, 1) — the hull excludes (0, 2) and (2, 1)
    week = achievable_week((240, 480), 2, 480, 720)
    assert week is not None
    cuts = pattern_cuts([week])
    assert cuts
    for bad in (np.array([0, 2]), np.array([2, 1]), np.array([0, 0])):
        assert any(int(bad @ f) > rhs for f, rhs in cuts), bad


# --- the rounding policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "units", "expected"),
    [
        (0.125, 100, 12),
        (0.375, 100, 38),
        (2.5, 1, 2),
        (3.5, 1, 4),
        (-2.5, 1, -2),
        (1.234, 100, 123),
        (0.5, 200, 100),
        (10.0, 100, 1000),
    ],
)
def test_scale_rounds_to_the_nearest_unit_halves_to_even(value: float, units: int, expected: int) -> None:
    assert scale(value, units) == expected
    assert isinstance(scale(value, units), int)


@pytest.mark.parametrize(("interval_min", "units"), [(15, 400), (30, 200), (60, 100)])
def test_model_units_per_objective_unit(interval_min: int, units: int) -> None:
    # an agent-interval at weight 1 is 100 units, so one agent-hour is 100 · 60 / interval_min units
    assert Timeline(dt.date(2026, 3, 2), 7, interval_min).scale() == units


def test_build_plan_scales_weights_and_costs_in_one_place() -> None:
    plan = plan_of(FIXTURES / "office" / "scenario.toml")
    p = plan.problem
    assert plan.objective_scale == 200  # 30-minute intervals
    assert (p.under_weight, p.over_weight) == (1000, 100)  # under_weight 10, over_weight 1, per agent-interval
    # agent a1 alone in its class (cost 10/h, cost_weight 0.1): a 4-hour shift costs 4 objective units
    a1 = next(c for c, members in enumerate(plan.classes) if members == (0,))
    four_hours = (p.opt_class == a1) & (p.opt_paid_min == 240)
    assert four_hours.any()
    assert (p.opt_cost[four_hours] == 4 * 200).all()


def test_build_plan_weekly_limits_of_the_office_agents() -> None:
    plan = plan_of(FIXTURES / "office" / "scenario.toml")
    # a1: 20–40 h over 5 days; a whole day off in week 1 lowers its minimum by 20 / 5 = 4 h
    np.testing.assert_array_equal(plan.week_min_paid[0], [16 * 60, 20 * 60])
    np.testing.assert_array_equal(plan.week_max_paid[0], [40 * 60, 40 * 60])
    # a3: at most 3 days; min_days_off_week 2 leaves 5 of 7
    np.testing.assert_array_equal(plan.week_max_shifts[2], [3, 3])
    assert plan.unavailable_day[0].tolist() == [d == 3 for d in range(14)]


# --- infeasible scenarios -----------------------------------------------------------------------------


def _reasons(scenario_path: Path) -> list[str]:
    with pytest.raises(InfeasibleError) as info:
        plan_of(scenario_path)
    assert info.value.reasons
    assert all(r in str(info.value) for r in info.value.reasons)
    return info.value.reasons


def test_infeasible_when_an_agents_availability_cannot_reach_min_hours(tmp_path: Path) -> None:
    # a2 may only work 08:00–12:00: 5 four-hour shifts are 20 h, its contract asks 30 h a week
    agents = AGENTS_HEADER + "a1,Ana,es,20,40,5,10,,\na2,Ben,es;en,30,40,5,12,08:00,12:00\na3,Cleo,,0,18,3,,,\n"
    reasons = _reasons(scenario_copy(tmp_path, files={"agents.csv": agents}))
    mine = [r for r in reasons if "a2" in r]
    assert mine and all("a1" not in r and "a3" not in r for r in reasons)
    assert any("2026-03-02" in r and "30.00" in r for r in mine)


def test_infeasible_when_partial_day_time_off_leaves_too_few_hours(tmp_path: Path) -> None:
    off = "agent_id,date,start,end\n" + "".join(f"a1,2026-03-{d:02d},08:00,20:00\n" for d in (9, 10, 11, 12))
    reasons = _reasons(scenario_copy(tmp_path, files={"unavailability.csv": off}))
    assert any("a1" in r and "2026-03-09" in r for r in reasons)


def test_infeasible_when_the_budget_is_below_the_contracted_minimum(tmp_path: Path) -> None:
    # a1's minimum: 16 h (week 1, a day off) + 20 h = 36 h > 30 h
    (reason,) = _reasons(scenario_copy(tmp_path, scenario={"hours = 100": "hours = 30"}))
    assert "budget" in reason and "36" in reason and "30" in reason


def test_infeasible_when_nobody_is_skilled_for_a_queue(tmp_path: Path) -> None:
    agents = AGENTS_HEADER + "a1,Ana,es,20,40,5,10,,\na2,Ben,es,0,40,5,12,08:00,17:00\na3,Cleo,es,0,18,3,,,\n"
    (reason,) = _reasons(scenario_copy(tmp_path, files={"agents.csv": agents}))
    assert "'en'" in reason and "skill" in reason


def test_infeasible_when_no_template_fits_the_operating_hours(tmp_path: Path) -> None:
    # open 08:00–11:00: the shortest shift (4 h) cannot fit
    reasons = _reasons(scenario_copy(tmp_path, scenario={'= "08:00-20:00"': '= "08:00-11:00"'}))
    assert any("template" in r and "operating hours" in r for r in reasons)


def test_pattern_cuts_of_a_two_day_week_describe_its_two_patterns() -> None:
    # a 2-day week of 618–685 paid minutes in ≤ 2 shifts: only 240+420 or 300+360 (a segment, not a
    # full-dimensional hull); every count vector the cuts allow in the box is one of the two
    lengths = (240, 300, 360, 420, 480, 540)
    week = achievable_week(lengths, 2, 618, 685)
    assert week is not None
    assert sorted(map(tuple, week.counts.tolist())) == [(0, 1, 1, 0, 0, 0), (1, 0, 0, 1, 0, 0)]
    cuts = pattern_cuts([week])
    allowed = [
        n for n in itertools.product(range(3), repeat=len(lengths)) if all(int(np.dot(n, f)) <= rhs for f, rhs in cuts)
    ]
    assert sorted(allowed) == [(0, 1, 1, 0, 0, 0), (1, 0, 0, 1, 0, 0)]
