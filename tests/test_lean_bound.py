"""The lean relaxation (`models.lean_bound`): every point of the aggregate maps to a point of it at
no higher cost, so its LP is below the aggregate's LP and below every roster; and a solve whose LP is
forecast too slow reports it as its bound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import generate as gen
from models import aggregate, lean_bound
from models.construct import construct
from models.linear import SparseModel, dual_bound, lp_relaxation
from models.problem import AggregateProblem
from tests.test_planning import FIXTURES
from wfm.planning import Plan, build_plan
from wfm.schedule import ScheduleOptions, ScheduleResult, load_inputs, solve_schedule
from wfm.schedule import context as schedule_context

KINDS = ["office", "nonstop"]


def _plan(scenario: Path) -> Plan:
    inputs = load_inputs(scenario)
    return build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)


def _cumulative(
    p: AggregateProblem, lay: aggregate._Layout, base: np.ndarray, v: np.ndarray, group: int, t: int
) -> float:
    """A break group's cumulative column at `t`, extended (0 before its span, its last value after)."""
    if lay.group_last[group] < 0 or t < lay.group_first[group]:
        return 0.0
    return float(v[base[group] + min(t, lay.group_last[group]) - lay.group_first[group]])


def project(
    p: AggregateProblem, full: aggregate._Layout, lean: lean_bound.LeanLayout, v: np.ndarray, n: int
) -> np.ndarray:
    """The lean model's vector (`n` columns) of the aggregate's vector `v`: shift counts summed over
    groups and cells, break columns over families, the rest as they are (the proof in the module)."""
    w = np.zeros(n)
    x = v[full.x]
    w[lean.shifts.x] = np.bincount(lean.group_of_option, weights=x, minlength=len(lean.shifts.x))
    w[lean.cells] = np.bincount(lean.cell_of_option, weights=x, minlength=len(lean.cells))
    sh = lean.shifts
    for f in range(len(sh.group_first)):
        if sh.group_last[f] < 0:
            continue
        members = np.flatnonzero(lean.family_of_group == f)
        for t in range(int(sh.group_first[f]), int(sh.group_last[f]) + 1):
            at = t - sh.group_first[f]
            w[sh.y_base[f] + at] = sum(_cumulative(p, full, full.y_base, v, g, t) for g in members)
            w[sh.s_base[f] + at] = sum(_cumulative(p, full, full.s_base, v, g, t) for g in members)
    w[sh.on] = v[full.on]
    where = np.searchsorted(sh.cells, full.cells)
    assert (sh.cells[where] == full.cells).all()  # the lean cells include the aggregate's
    w[sh.under[where]] = v[full.under]
    w[sh.over[where]] = v[full.over]
    w[sh.weekend] = v[full.weekend]
    w[sh.count] = v[full.count]
    return w


def _holds(model: SparseModel, w: np.ndarray) -> None:
    a, lo, hi, lb, ub, _ = model.matrix()
    act = a @ w
    tol = 1e-6 * (1 + np.abs(act))
    assert ((act >= lo - tol) & (act <= hi + tol)).all()
    assert ((w >= lb - 1e-6) & (w <= ub + 1e-6)).all()


@pytest.mark.parametrize("bands", [1, 6])
@pytest.mark.parametrize("kind", KINDS)
def test_every_aggregate_point_maps_into_the_lean_model_at_no_higher_cost(kind: str, bands: int) -> None:
    p = _plan(FIXTURES / kind / "scenario.toml").problem
    model, full = aggregate.build(p)
    lean, lay = lean_bound.build(p, bands_per_day=bands, block_hours=0)
    lp = lp_relaxation(model, 30.0)
    assert lp.solution is not None
    cost, lean_cost = model.matrix()[5], lean.matrix()[5]
    for v in (lp.solution, aggregate.full_vector(p, model, full, construct(p, None))):
        w = project(p, full, lay, np.asarray(v, dtype=float), lean.n_vars)
        _holds(lean, w)
        assert float(lean_cost @ w) <= float(cost @ v) + 1e-6 * max(1.0, abs(float(cost @ v)))


def in_blocks(fine: lean_bound.LeanLayout, blocks: lean_bound.LeanLayout, w: np.ndarray, n: int) -> np.ndarray:
    """The block form's vector (`n` columns) of the per-interval lean vector `w`: each family's
    columns at each block's last interval, the break intervals its breaks started in a block spend
    there, and the staffing slacks summed over the block."""
    b, sh = blocks.blocks, fine.shifts
    assert b is not None
    out = np.zeros(n)
    out[blocks.shifts.x] = w[sh.x]
    out[blocks.cells] = w[fine.cells]
    out[blocks.shifts.on] = w[sh.on]
    out[blocks.shifts.weekend] = w[sh.weekend]
    out[blocks.shifts.count] = w[sh.count]
    T = len(sh.on) // (len(b.under) // b.n)
    for f in range(len(sh.group_first)):
        cum = np.array([_cumulative(None, sh, sh.y_base, w, f, t) for t in range(-1, b.n * b.K)])
        opened = np.array([_cumulative(None, sh, sh.s_base, w, f, t) for t in range(b.n * b.K)])
        started = np.diff(cum)  # breaks started at each interval
        d = int(blocks.family_duration[f])
        r = np.arange(b.n * b.K) % b.K
        inside = started * np.minimum(d, b.K - r)
        ends = np.arange(b.n) * b.K + b.K - 1
        out[b.y[f * b.n : (f + 1) * b.n]] = cum[ends + 1]
        out[b.s[f * b.n : (f + 1) * b.n]] = opened[ends]
        out[b.a[f * b.n : (f + 1) * b.n]] = inside.reshape(b.n, b.K).sum(axis=1)
    cell_block = (sh.cells // T) * b.n + (sh.cells % T) // b.K
    np.add.at(out, b.under[cell_block], w[sh.under])
    np.add.at(out, b.over[cell_block], w[sh.over])
    return out


@pytest.mark.parametrize("hours", [1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_every_per_interval_lean_point_maps_into_the_block_form_at_no_higher_cost(kind: str, hours: int) -> None:
    p = _plan(FIXTURES / kind / "scenario.toml").problem
    model, full = aggregate.build(p)
    fine_model, fine = lean_bound.build(p, block_hours=0)
    block_model, blocks = lean_bound.build(p, block_hours=hours)
    lp = lp_relaxation(model, 30.0)
    assert lp.solution is not None
    cost = model.matrix()[5]
    for v in (lp.solution, aggregate.full_vector(p, model, full, construct(p, None))):
        w = project(p, full, fine, np.asarray(v, dtype=float), fine_model.n_vars)
        u = in_blocks(fine, blocks, w, block_model.n_vars)
        _holds(block_model, u)
        assert float(block_model.matrix()[5] @ u) <= float(cost @ v) + 1e-6 * max(1.0, abs(float(cost @ v)))


def _lp_values(plan: Plan) -> tuple[float, float]:
    """The aggregate's LP and the lean bound as the solve computes it (`solve_bound`), objective units."""
    full = lp_relaxation(aggregate.build(plan.problem)[0], 30.0)
    lean = lean_bound.solve_bound(lean_bound.build(plan.problem)[0], 30.0)
    assert full.value is not None and lean.value is not None
    return full.value / plan.objective_scale, lean.value / plan.objective_scale


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hours", [0, 1, 2])
def test_the_dual_bound_of_an_unfinished_interior_point_is_just_below_the_lp(kind: str, hours: int) -> None:
    model = lean_bound.build(_plan(FIXTURES / kind / "scenario.toml").problem, block_hours=hours)[0]
    exact = lp_relaxation(model, 30.0).value
    safe = lean_bound.solve_bound(model, 30.0).value
    assert exact is not None and safe is not None
    assert exact - 1e-4 * max(1.0, abs(exact)) <= safe <= exact + 1e-9 * max(1.0, abs(exact))
    assert dual_bound(model, np.zeros(model.n_rows)) <= safe  # any duals give a bound, these a good one


@pytest.mark.parametrize("kind", KINDS)
def test_the_lean_bound_lies_below_the_lp_and_above_zero(kind: str) -> None:
    full, lean = _lp_values(_plan(FIXTURES / kind / "scenario.toml"))
    assert 0.0 <= lean <= full + 1e-6 * max(1.0, full)


@pytest.mark.parametrize("seed", [3, 5, 8])
def test_the_lean_bound_of_generated_24x7_weeks_lies_below_the_lp(tmp_path: Path, seed: int) -> None:
    spec = gen.InstanceSpec(f"t-lean-{seed}", days=7, agents=14, operation="24x7", interval_min=30, seed=seed)
    full, lean = _lp_values(_plan(gen.generate(spec, tmp_path / "in").scenario_path))
    assert 0.0 <= lean <= full + 1e-6 * max(1.0, full)


def solve_without_the_lp(monkeypatch: pytest.MonkeyPatch) -> ScheduleResult:
    """The nonstop fixture solved in 6 s with the full LP's first forecast far too slow (so not
    started) and every later forecast as it is."""
    forecast = schedule_context.expected_lp_seconds
    calls: list[int] = []

    def slow_first(model: SparseModel) -> float:
        calls.append(1)
        return 1e9 if len(calls) == 1 else forecast(model)

    monkeypatch.setattr(schedule_context, "expected_lp_seconds", slow_first)
    return solve_schedule(load_inputs(FIXTURES / "nonstop" / "scenario.toml"), ScheduleOptions(time_limit_s=6))


def test_a_solve_without_the_lp_reports_the_lean_bound_below_its_checked_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full LP forecast far too slow (first forecast), the lean one as it is: the solve reports
    the lean relaxation as its bound, below the checked roster's objective."""
    result = solve_without_the_lp(monkeypatch)
    s = result.summary
    assert not result.report.violations
    assert s["stages"]["bound_kind"].startswith("lean relaxation (coverage per")
    assert s["best_bound"] is not None and 0.0 <= s["best_bound"] <= s["objective"] + 1e-6
    assert any("lean relaxation" in line for line in result.stage_log)
    plan = _plan(FIXTURES / "nonstop" / "scenario.toml")
    fine = lean_bound.solve_bound(lean_bound.build(plan.problem, block_hours=0)[0], 30.0).value
    assert "coverage per interval" in s["stages"]["bound_kind"]  # a small month: the finest form fits
    assert fine is not None and s["best_bound"] == pytest.approx(fine / plan.objective_scale, rel=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_under_the_service_objective_the_lean_bound_lies_below_the_segment_lp(tmp_path: Path, kind: str) -> None:
    """The service objective keeps coverage per interval (its value curves are per interval) and
    takes the curves as segments, as the solve's LP does."""
    from tests.test_lns import _service_plan

    p = _service_plan(tmp_path, kind).problem
    full = lp_relaxation(aggregate.build(p, service_segments=True)[0], 30.0).value
    model, lay = lean_bound.build(p, block_hours=2)
    lean = lean_bound.solve_bound(model, 30.0).value
    assert lay.blocks is None  # per interval whatever was asked
    assert full is not None and lean is not None
    assert 0.0 <= lean <= full + 1e-6 * max(1.0, abs(full))
