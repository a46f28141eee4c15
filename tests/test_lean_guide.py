"""The lean guide (`models.lean_guide`): its weeks split the problem without losing or sharing an
option, its split of the shift groups keeps each group's total, its shifts round into an aggregate
that keeps the aggregate's rows, and a solve without the LP names a roster from it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import generate as gen
from models import lean_guide
from models.construct import construct
from models.problem import AggregateProblem
from tests.test_lean_bound import _plan, solve_without_the_lp


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> AggregateProblem:
    spec = gen.InstanceSpec("t-guide", days=14, agents=16, operation="24x7", interval_min=30, seed=4)
    return _plan(gen.generate(spec, tmp_path_factory.mktemp("guide") / "in").scenario_path).problem


def test_the_weeks_hold_every_option_once_and_split_the_budget(fortnight: AggregateProblem) -> None:
    p = fortnight
    weeks = lean_guide.build_weeks(p)
    assert len(weeks) == sum(1 for days in p.week_days if days)
    every = np.sort(np.concatenate([w.options for w in weeks]))
    np.testing.assert_array_equal(every, np.arange(p.n_options))
    for w, days in zip(weeks, [d for d in p.week_days if d], strict=True):
        assert set(p.opt_day[w.options].tolist()) <= set(days)
        assert (w.problem.group_width == 0).all()  # pinned breaks
        T, D = p.required.shape[1], p.class_day_cap.shape[1]
        outside = np.ones(T, dtype=bool)
        outside[min(days) * T // D : (max(days) + 1) * T // D] = False
        assert (w.problem.required[:, outside] == 0).all()
    assert p.budget_min is not None
    assert sum(w.problem.budget_min or 0 for w in weeks) <= p.budget_min


def test_a_pinned_break_starts_in_the_middle_of_its_window(fortnight: AggregateProblem) -> None:
    p, q = fortnight, lean_guide.pinned(fortnight)
    np.testing.assert_array_equal(q.brk_window_start, p.brk_window_start + p.group_width[p.brk_group] // 2)
    assert (q.group_width == 0).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), zero_share=st.floats(0.0, 1.0))
def test_the_split_gives_no_cell_more_than_its_shifts(
    fortnight: AggregateProblem, seed: int, zero_share: float
) -> None:
    """Whatever the lean solution, each class cell's options together take exactly its v_u where any
    of them has a group with shifts (none above it anywhere), none goes below 0, and options of a
    group with no shifts get none."""
    week = lean_guide.build_weeks(fortnight)[0]
    rng = np.random.default_rng(seed)
    solution = rng.random(week.model.n_vars) * 3
    lay = week.layout
    for cols in (lay.cells, lay.shifts.x):
        solution[cols[rng.random(len(cols)) < zero_share]] = 0.0
    x = lean_guide.split_groups(week.problem, lay, solution)
    g, u = lay.group_of_option, lay.cell_of_option
    y, v = solution[lay.shifts.x], solution[lay.cells]
    assert (x >= 0).all()
    assert (x[y[g] == 0] == 0).all()
    per_cell = np.bincount(u, weights=x, minlength=len(v))
    assert (per_cell <= v + 1e-9).all()
    reachable = np.bincount(u, weights=(y[g] > 0).astype(float), minlength=len(v)) > 0
    np.testing.assert_allclose(per_cell[reachable], v[reachable], rtol=1e-9, atol=1e-9)


def test_the_guide_rounds_into_an_aggregate_within_availability_and_budget(fortnight: AggregateProblem) -> None:
    """The construction's promises hold from the guide's shifts: whole shifts, no class-day above its
    agents, the budget kept (the pattern cuts it may exceed by one shift, as from the LP)."""
    p = fortnight
    shifts = lean_guide.guide_shifts(p.n_options, lean_guide.build_weeks(p), 60.0)
    assert shifts is not None and (shifts >= 0).all() and shifts.sum() > 0
    x = construct(p, shifts).shifts
    assert x.dtype.kind == "i" and (x >= 0).all() and x.sum() > 0
    C, D = p.class_day_cap.shape
    per_class_day = np.bincount(p.opt_class * D + p.opt_day, weights=x, minlength=C * D).reshape(C, D)
    assert (per_class_day <= p.class_day_cap).all()
    assert p.budget_min is not None and int(p.opt_budget_min @ x) <= p.budget_min


def test_a_solve_without_the_lp_names_a_roster_from_the_lean_guide(monkeypatch: pytest.MonkeyPatch) -> None:
    result = solve_without_the_lp(monkeypatch)
    assert not result.report.violations
    assert any("aggregate solution constructed from the lean guide" in line for line in result.stage_log)
    assert any("roster from the lean guide's aggregate" in line for line in result.stage_log)
    assert result.summary["stages"]["guide_seconds"] is not None
