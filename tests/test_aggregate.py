"""The aggregate model (`models.aggregate`), its LP bound (`models.linear`) and the construction
(`models.construct`) on the checker fixtures, built through `wfm.planning.build_plan`.

The constructed solution must satisfy every row of the model and every variable bound; the LP
optimum must be below it, and below the objective of any roster that keeps every rule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from models import aggregate
from models.construct import _gain_csum, _GainBlocks, _round_down_by_shape, _Usage, construct
from models.linear import SparseModel, lp_relaxation
from tests.test_planning import AGENTS_HEADER, FIXTURES, scenario_copy
from wfm.checker import check_files
from wfm.planning import Plan, build_plan
from wfm.schedule import ScheduleOptions, SolverParams, load_inputs, solve_schedule, write_schedule
from wfm.schedule.naming import greedy_budget_price

GREEDY_BUDGET_PRICE = SolverParams().greedy_budget_price

KINDS = ["office", "nonstop"]


@dataclass(frozen=True)
class Built:
    plan: Plan
    model: SparseModel
    layout: aggregate._Layout
    lp_value: float  # objective units
    lp_x: np.ndarray


def _build(scenario_path: Path) -> Built:
    inputs = load_inputs(scenario_path)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    model, layout = aggregate.build(plan.problem)
    lp = lp_relaxation(model, 30.0)
    assert lp.value is not None and lp.solution is not None
    return Built(plan, model, layout, lp.value / plan.objective_scale, lp.solution[layout.x])


@pytest.fixture(scope="module", params=KINDS)
def built(request: pytest.FixtureRequest) -> Built:
    return _build(FIXTURES / request.param / "scenario.toml")


def _violated_rows(model: SparseModel, v: np.ndarray) -> np.ndarray:
    a, lo, hi, _, _, _ = model.matrix()
    act = a @ v
    return np.flatnonzero((act < lo - 1e-9) | (act > hi + 1e-9))


@pytest.mark.parametrize("from_lp", [True, False], ids=["from-lp", "from-nothing"])
@pytest.mark.parametrize("price", [0.0, 1e4], ids=["no-price", "budget-price"])
def test_construction_satisfies_every_row_and_bound(built: Built, from_lp: bool, price: float) -> None:
    p = built.plan.problem
    c = construct(p, built.lp_x if from_lp else None, budget_price=price)
    v = aggregate.full_vector(p, built.model, built.layout, c)
    _, _, _, lb, ub, _ = built.model.matrix()
    # every variable is set (agents on shift, weekend and pattern counts too): the vector is feasible
    assert _violated_rows(built.model, v).size == 0
    assert ((v >= lb) & (v <= ub)).all()
    np.testing.assert_array_equal(v[built.layout.x], c.shifts)


def test_construction_surplus_matches_its_shifts_and_breaks(built: Built) -> None:
    p = built.plan.problem
    c = construct(p, built.lp_x)
    Q, T = p.required.shape
    on = np.zeros((Q, T), dtype=np.int64)
    for j in np.flatnonzero(c.shifts).tolist():
        on[p.opt_queue[j], p.opt_start[j] : min(p.opt_start[j] + p.opt_length[j], T)] += c.shifts[j]
    for inc, s in zip(c.break_incidence.tolist(), c.break_start.tolist(), strict=True):
        g = p.brk_group[inc]
        assert p.brk_window_start[inc] <= s <= p.brk_window_start[inc] + p.group_width[g]
        on[p.group_queue[g], s : min(s + p.group_duration[g], T)] -= 1
    np.testing.assert_array_equal(c.surplus, on - p.required)
    # one break per shift unit and incidence
    np.testing.assert_array_equal(np.bincount(c.break_incidence, minlength=len(p.brk_option)), c.shifts[p.brk_option])


def test_lp_value_is_below_the_construction(built: Built) -> None:
    p = built.plan.problem
    _, _, _, _, _, cost = built.model.matrix()
    for start in (built.lp_x, None):
        v = aggregate.full_vector(p, built.model, built.layout, construct(p, start))
        assert built.lp_value <= float(cost @ v) / built.plan.objective_scale + 1e-6


@pytest.mark.parametrize("kind", KINDS)
def test_lp_value_is_below_the_fixtures_valid_roster(kind: str) -> None:
    # rosters/valid.csv was written by hand and keeps every rule: the bound must not exceed its objective
    report = check_files(FIXTURES / kind / "scenario.toml", FIXTURES / kind / "rosters" / "valid.csv")
    assert report.ok
    assert _build(FIXTURES / kind / "scenario.toml").lp_value <= report.objective + 1e-6


@pytest.mark.parametrize("kind", KINDS)
def test_lp_value_is_below_the_final_schedule(kind: str, tmp_path: Path) -> None:
    scenario = FIXTURES / kind / "scenario.toml"
    result = solve_schedule(load_inputs(scenario), ScheduleOptions(time_limit_s=3))
    write_schedule(tmp_path / "out", result)
    report = check_files(scenario, tmp_path / "out" / "roster.csv")
    assert report.ok
    assert _build(scenario).lp_value <= report.objective + 1e-6


# Two agents alike in all but hourly cost (10 and 30) share one class; one 4-hour shift covers the
# whole requirement. The cheapest roster costs 4 h × 10 = 40; the aggregate prices every shift of the
# class at the mean, 4 h × 20 = 80, so its LP "bound" (83: 80 + 3 over-staffed agent-hours) exceeds it.
MIXED_COST_AGENTS = (
    "agent_id,skills,min_hours_week,max_hours_week,max_days_week,hourly_cost\ncheap,,0,40,5,10\ndear,,0,40,5,30\n"
)
MIXED_COST_REQUIREMENTS = "interval_start,queue,contacts,aht_seconds,required_agents\n" + "".join(
    f"2026-03-02T02:{m:02d},main,10,300,1\n" for m in (0, 15, 30, 45)
)


def test_lp_value_is_a_bound_when_a_class_mixes_hourly_costs(tmp_path: Path) -> None:
    scenario = scenario_copy(
        tmp_path,
        "nonstop",
        scenario={'kind = "coverage"': 'kind = "coverage"\nunder_weight = 100\ncost_weight = 1\nfairness_weight = 0'},
        files={
            "agents.csv": MIXED_COST_AGENTS,
            "unavailability.csv": "agent_id,date,start,end\n",
            "requirements.csv": MIXED_COST_REQUIREMENTS,
        },
    )
    (tmp_path / "cheap.csv").write_text(
        "agent_id,date,queue,template,shift_start,shift_end,paid_hours\n"
        "cheap,2026-03-02,main,early,2026-03-02T02:00,2026-03-02T06:00,4\n",
        encoding="utf-8",
    )
    report = check_files(scenario, tmp_path / "cheap.csv")
    assert report.ok
    assert report.objective == pytest.approx(43.0)  # cost 40 + 3 over-staffed agent-hours
    assert _build(scenario).lp_value <= report.objective + 1e-6


@pytest.mark.parametrize("from_lp", [True, False], ids=["from-lp", "from-nothing"])
def test_construction_reaches_a_weekly_minimum_that_needs_long_shifts(tmp_path: Path, from_lp: bool) -> None:
    agents = AGENTS_HEADER + "a1,Ana,es,0,40,5,10,,\na2,Ben,es;en,0,40,5,12,08:00,17:00\na3,Cleo,,16,18,3,,,\n"
    b = _build(scenario_copy(tmp_path, files={"agents.csv": agents}))
    p = b.plan.problem
    c = construct(p, b.lp_x if from_lp else None)
    week_of_day = np.zeros(len(p.class_day_cap[0]), dtype=np.int64)
    for w, days in enumerate(p.week_days):
        week_of_day[list(days)] = w
    paid = np.zeros_like(p.class_week_min_paid)
    np.add.at(paid, (p.opt_class, week_of_day[p.opt_day]), c.shifts * p.opt_paid_min)
    assert (paid >= p.class_week_min_paid).all(), (paid.tolist(), p.class_week_min_paid.tolist())
    v = aggregate.full_vector(p, b.model, b.layout, c)
    assert _violated_rows(b.model, v).size == 0


def test_lp_value_is_that_of_the_unscaled_lp(built: Built) -> None:
    """`lp_relaxation` rescales rows, costs and huge bounds: the optimum must be the model's own."""
    a, lo, hi, lb, ub, c = built.model.matrix()
    eq = lo == hi
    up, dn = np.isfinite(hi) & ~eq, np.isfinite(lo) & ~eq
    res = linprog(
        c,
        A_ub=sp.vstack([a[up], -a[dn]]),
        b_ub=np.concatenate([hi[up], -lo[dn]]),
        A_eq=a[eq] if eq.any() else None,
        b_eq=lo[eq] if eq.any() else None,
        bounds=np.column_stack([lb, ub]),
        method="highs-ds",
    )
    assert res.status == 0
    assert built.lp_value * built.plan.objective_scale == pytest.approx(res.fun, rel=1e-6, abs=1e-6)


def test_scalar_and_vector_cap_checks_agree(built: Built) -> None:
    """`_Usage.allows` (one option, the construction's hot path) is the scalar form of `allowed`:
    they must agree on every option, from the LP's rounding and after shifts are added."""
    p = built.plan.problem
    use = _Usage(p, np.floor(built.lp_x + 1e-6).astype(np.int64))
    every = np.arange(p.n_options)
    for _ in range(20):
        ok = use.allowed(every)
        assert ok.tolist() == [use.allows(j) for j in range(p.n_options)]
        if not ok.any():
            break
        use.add(int(np.flatnonzero(ok)[0]))


@pytest.mark.parametrize("seed", range(5))
def test_gain_blocks_agree_with_the_whole_row_after_local_refreshes(seed: int) -> None:
    """`_GainBlocks` (the lazy greedy's gain look-up, redone only near each change) must give every
    option the gain a prefix sum over the whole horizon gives, after many scattered changes; the
    options cross block boundaries and run past the horizon, as overnight shifts do."""
    rng = np.random.default_rng(seed)
    Q, T = 2, 500
    length = rng.integers(1, 60, size=3000)
    p = SimpleNamespace(
        opt_queue=rng.integers(0, Q, size=3000),
        opt_start=rng.integers(0, T, size=3000),
        opt_length=length,
        under_weight=10,
        over_weight=3,
    )
    surplus = rng.integers(-3, 3, size=(Q, T))
    spare = int(length.max()) + 1
    blocks = _GainBlocks(p, surplus, spare)  # type: ignore[arg-type]
    for _ in range(60):
        q, s = int(rng.integers(0, Q)), int(rng.integers(0, T))
        e = min(T, s + int(rng.integers(1, 40)))
        surplus[q, s:e] += int(rng.integers(-2, 3))
        blocks.refresh(q, s, e)
    csum = _gain_csum(p, surplus, spare)  # type: ignore[arg-type]
    ends = p.opt_start + p.opt_length
    expected = csum[p.opt_queue, ends] - csum[p.opt_queue, p.opt_start]
    assert [blocks.gain(j) for j in range(3000)] == expected.tolist()


def test_greedy_budget_price_is_charged_only_when_the_budget_binds(built: Built) -> None:
    p = built.plan.problem
    interval_min = built.plan.timeline.interval_min
    assert greedy_budget_price(dataclasses.replace(p, budget_min=None), interval_min, GREEDY_BUDGET_PRICE) == 0.0
    assert greedy_budget_price(dataclasses.replace(p, budget_min=10**12), interval_min, GREEDY_BUDGET_PRICE) == 0.0
    price = greedy_budget_price(dataclasses.replace(p, budget_min=1), interval_min, GREEDY_BUDGET_PRICE)
    assert price == pytest.approx(GREEDY_BUDGET_PRICE * p.under_weight / interval_min)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_rounding_by_shape_keeps_each_shapes_whole_shifts(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    p = SimpleNamespace(
        **{f"opt_{name}": rng.integers(0, 3, n) for name in ("class", "day", "template", "length", "queue")},
        opt_start=rng.permutation(n),
    )
    lp = rng.random(n) * rng.integers(0, 3, n)
    x = _round_down_by_shape(p, lp)  # type: ignore[arg-type]
    assert (x >= 0).all() and x.dtype == np.int64
    shape = np.stack([p.opt_class, p.opt_day, p.opt_template, p.opt_length, p.opt_queue], axis=1)
    _, group = np.unique(shape, axis=0, return_inverse=True)
    group = group.ravel()
    # each shape keeps the floor of its LP total: never more (every cap holds), at least the floors' sum
    np.testing.assert_array_equal(np.bincount(group, weights=x), np.floor(np.bincount(group, weights=lp) + 1e-6))
    assert x.sum() >= np.floor(lp + 1e-6).sum()
    # integer LP counts come back unchanged
    whole = np.floor(lp)
    np.testing.assert_array_equal(_round_down_by_shape(p, whole), whole)  # type: ignore[arg-type]
