"""Large-neighbourhood search (`models.lns`) and the aggregate pieces it works on: the model vector of
a construction (`aggregate.full_vector`), its decoding back (`aggregate.decode`) and the day
neighbourhoods (`aggregate.day_neighbourhoods`).

The search must keep every row it was given (or not make a broken one worse), never raise the
objective, and on a neighbourhood of every column find the optimum a brute force finds.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from models import aggregate, lns
from models.construct import construct
from models.linear import lp_relaxation
from tests.test_planning import FIXTURES, scenario_copy
from wfm.planning import Plan, build_plan
from wfm.schedule import load_inputs
from wfm.schedule.service import service_cuts


def _feasible(a: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray, v: np.ndarray) -> bool:
    act = a @ v
    return bool(((act >= lo - 1e-9) & (act <= hi + 1e-9)).all())


@st.composite
def covering_programs(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """min c·x over x ∈ {0..2}^n with each row's Σ a·x ≥ demand and Σ x ≤ cap: small enough to enumerate."""
    n = draw(st.integers(2, 5))
    m = draw(st.integers(1, 4))
    a = np.array(draw(st.lists(st.lists(st.integers(0, 2), min_size=n, max_size=n), min_size=m, max_size=m)))
    demand = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    cost = np.array(draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)))
    cap = draw(st.integers(n, 2 * n))
    return a, demand, cost, np.int64(cap)


def _program(a: np.ndarray, demand: np.ndarray, cap: np.int64) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rows = sp.csr_matrix(np.vstack([a, np.ones(a.shape[1], dtype=np.int64)]))
    lo = np.concatenate([demand, [-np.inf]]).astype(float)
    hi = np.concatenate([np.full(len(demand), np.inf), [cap]]).astype(float)
    return rows, lo, hi


@settings(max_examples=25, deadline=None)
@given(covering_programs())
def test_one_neighbourhood_of_every_column_finds_the_brute_force_optimum(prog: tuple[np.ndarray, ...]) -> None:
    a, demand, cost, cap = prog
    n = a.shape[1]
    rows, lo, hi = _program(a, demand, cap)
    # start: everything at its upper bound, feasible whenever anything is (the cap aside)
    start = np.full(n, 2, dtype=np.int64)
    best = min(
        float(cost @ np.array(x))
        for x in itertools.product(range(3), repeat=n)
        if _feasible(rows, np.minimum(lo, rows @ start), np.maximum(hi, rows @ start), np.array(x))
    )
    out = lns.improve(
        rows,
        lo,
        hi,
        np.zeros(n),
        np.full(n, 2),
        cost,
        start,
        lambda v: [np.arange(n)],
        deadline=time.perf_counter() + 10,
        seconds_each=2.0,
    )
    assert _feasible(rows, np.minimum(lo, rows @ start), np.maximum(hi, rows @ start), out.vector)
    assert float(cost @ out.vector) == best


def test_neighbourhoods_side_by_side_split_a_shared_row() -> None:
    # four columns, two neighbourhoods {0, 1} and {2, 3}; a shared row Σ x ≥ 2 that the start meets
    # with 4: each may give up one unit of it, not two, so the two answers still meet it together
    a = sp.csr_matrix(np.array([[1, 1, 1, 1]]))
    lo, hi = np.array([2.0]), np.array([np.inf])
    cost = np.array([1, 1, 1, 1])
    out = lns.improve(
        a,
        lo,
        hi,
        np.zeros(4),
        np.ones(4),
        cost,
        np.ones(4, dtype=np.int64),
        lambda v: [np.array([0, 1]), np.array([2, 3])],
        deadline=time.perf_counter() + 10,
        workers=2,
        min_gain=1.0,
    )
    assert out.solved == 2
    assert out.vector.sum() == 2
    assert out.vector[:2].sum() == 1 and out.vector[2:].sum() == 1


def test_a_row_the_start_breaks_is_not_made_worse() -> None:
    # Σ x ≤ 1 broken by the start (3): the search may lower it but never raise it
    a = sp.csr_matrix(np.array([[1, 1, 1], [1, 0, 0]]))
    lo, hi = np.array([-np.inf, 1.0]), np.array([1.0, np.inf])
    cost = np.array([-1, -1, -1])  # more is cheaper: only the rows hold it back
    out = lns.improve(
        a,
        lo,
        hi,
        np.zeros(3),
        np.full(3, 5),
        cost,
        np.ones(3, dtype=np.int64),
        lambda v: [np.arange(3)],
        deadline=time.perf_counter() + 10,
    )
    assert out.vector.sum() == 3 and out.vector[0] >= 1


def test_max_passes_ends_the_search_though_passes_still_gain() -> None:
    # a chain x0 ≥ x1 ≥ … ≥ x4, one column per neighbourhood, first to last: a pass lowers only the
    # last column still above 0 (the ones before it wait on it), so every pass gains
    n = 5
    a = sp.csr_matrix(np.array([[1 if j == i else -1 if j == i + 1 else 0 for j in range(n)] for i in range(n - 1)]))
    lo, hi = np.zeros(n - 1), np.full(n - 1, np.inf)
    start = np.full(n, 3, dtype=np.int64)
    passes = []
    out = lns.improve(
        a,
        lo,
        hi,
        np.zeros(n),
        np.full(n, 3),
        np.ones(n, dtype=np.int64),
        start,
        lambda v: [np.array([j]) for j in range(n)],
        deadline=time.perf_counter() + 30,
        max_passes=2,
        min_gain=0.0,
        on_pass=lambda k, obj: passes.append(obj),
    )
    assert out.passes == 2 and len(passes) == 2
    assert passes[0] > passes[1] > 0  # both passes gained, neither reached the optimum (0)


@pytest.fixture(scope="module", params=["office", "nonstop"])
def fixture_aggregate(request: pytest.FixtureRequest) -> tuple:
    inputs = load_inputs(FIXTURES / request.param / "scenario.toml")
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    model, lay = aggregate.build(plan.problem)
    lp = lp_relaxation(model, 30.0)
    assert lp.solution is not None and lp.value is not None
    return plan, model, lay, lp


def test_decode_is_the_inverse_of_full_vector(fixture_aggregate: tuple) -> None:
    plan, model, lay, lp = fixture_aggregate
    p = plan.problem
    built = construct(p, lp.solution[lay.x])
    v = aggregate.full_vector(p, model, lay, built)
    back = aggregate.decode(p, lay, v)
    np.testing.assert_array_equal(back.shifts, built.shifts)
    np.testing.assert_array_equal(back.surplus, built.surplus)
    np.testing.assert_array_equal(aggregate.full_vector(p, model, lay, back), v)
    # every break decoded lies in its window
    g = p.brk_group[back.break_incidence]
    assert (
        (back.break_start >= p.brk_window_start[back.break_incidence])
        & (back.break_start <= p.brk_window_start[back.break_incidence] + p.group_width[g])
    ).all()


def test_day_search_keeps_the_aggregate_feasible_and_between_its_start_and_the_lp(fixture_aggregate: tuple) -> None:
    plan, model, lay, lp = fixture_aggregate
    p = plan.problem
    a, lo, hi, lb, ub, cost = model.matrix()
    start = aggregate.full_vector(p, model, lay, construct(p, lp.solution[lay.x]))
    order = aggregate.day_neighbourhoods(p, lay, cost, lp.solution)
    hoods = order(start)
    assert len(hoods) == len(np.unique(p.opt_day))
    out = lns.improve(
        a, lo, hi, lb, ub, cost, start, order, deadline=time.perf_counter() + 20, workers=2, deterministic=True
    )
    assert _feasible(a, lo, hi, out.vector)
    assert ((out.vector >= lb) & (out.vector <= ub)).all()
    assert lp.value - 1e-6 <= float(cost @ out.vector) <= float(cost @ start)
    # what it stands for: decoding and re-encoding changes nothing the objective sees
    assert float(cost @ aggregate.full_vector(p, model, lay, aggregate.decode(p, lay, out.vector))) <= float(
        cost @ out.vector
    )


def _service_plan(folder: Path, kind: str = "office") -> Plan:
    scenario = scenario_copy(folder, kind, scenario={'kind = "coverage"': 'kind = "service"'})
    inputs = load_inputs(scenario)
    plan0 = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    return build_plan(
        inputs.scenario,
        inputs.agents,
        inputs.unavailability,
        inputs.requirements,
        service_cuts=service_cuts(inputs, plan0),
    )


@pytest.mark.parametrize("kind", ["office", "nonstop"])
def test_service_segments_cost_what_the_cuts_cost_at_whole_agents(tmp_path: Path, kind: str) -> None:
    """With every shift, break and staffing column held at an integer solution, the segment form's
    LP fills each cell's segments to exactly the cut form's lost contacts."""
    p = _service_plan(tmp_path, kind).problem
    cuts, lay = aggregate.build(p)
    segments, seg_lay = aggregate.build(p, service_segments=True)
    np.testing.assert_array_equal(seg_lay.lost, lay.lost)
    np.testing.assert_array_equal(seg_lay.lost_cell, lay.lost_cell)
    for start in (None, lp_relaxation(cuts).solution[lay.x]):
        v = aggregate.full_vector(p, cuts, lay, construct(p, start))
        a, lo, hi, lb, ub, c = segments.matrix()
        held = np.zeros(segments.n_vars, dtype=bool)  # the segments and the constant column are free
        held[: cuts.n_vars] = True
        held[lay.lost] = False  # placeholders, fixed at 0 in the segment form
        lb, ub = lb.astype(float), np.minimum(ub, 10**12).astype(float)
        lb[held] = ub[held] = v[held[: cuts.n_vars]]
        eq = lo == hi
        res = linprog(
            c,
            A_ub=sp.vstack([a[~eq & np.isfinite(hi)], -a[~eq & np.isfinite(lo)]]),
            b_ub=np.concatenate([hi[~eq & np.isfinite(hi)], -lo[~eq & np.isfinite(lo)]]),
            A_eq=a[eq],
            b_eq=lo[eq],
            bounds=np.column_stack([lb, ub]),
            method="highs",
        )
        assert res.status == 0
        assert res.fun == pytest.approx(float(cuts.matrix()[5] @ v), abs=1e-6)


@pytest.mark.parametrize("kind", ["office", "nonstop"])
def test_service_segment_lp_is_a_tighter_bound_that_reads_back_in_the_cut_form(tmp_path: Path, kind: str) -> None:
    p = _service_plan(tmp_path, kind).problem
    cuts, lay = aggregate.build(p)
    by_cuts = lp_relaxation(cuts)
    by_segments = lp_relaxation(aggregate.build(p, service_segments=True)[0])
    assert by_cuts.value is not None and by_segments.value is not None and by_segments.solution is not None
    cost_of = cuts.matrix()[5]
    constructed = aggregate.full_vector(p, cuts, lay, construct(p, by_cuts.solution[lay.x]))
    assert by_cuts.value - 1e-6 <= by_segments.value <= float(cost_of @ constructed) + 1e-6
    v = aggregate.cut_form_vector(p, lay, cuts.n_vars, by_segments.solution)
    a, lo, hi, lb, ub, _ = cuts.matrix()
    act = a @ v
    assert ((act >= lo - 1e-6) & (act <= hi + 1e-6)).all()
    assert ((v >= lb - 1e-6) & (v <= ub + 1e-6)).all()
    # in the cut form each lost is at its least (the cuts' envelope), which the segments' interpolation bounds
    assert by_cuts.value - 1e-6 <= float(cost_of @ v) <= by_segments.value + 1e-6


def test_full_vector_is_feasible_under_the_service_objective(tmp_path: Path) -> None:
    plan = _service_plan(tmp_path)
    model, lay = aggregate.build(plan.problem)
    assert len(lay.lost)
    a, lo, hi, _, _, _ = model.matrix()
    v = aggregate.full_vector(plan.problem, model, lay, construct(plan.problem, None))
    assert _feasible(a, lo, hi, v)
    # each lost variable is at its least: lowering any one breaks a row
    for k in lay.lost[v[lay.lost] > 0][:20].tolist():
        w = v.copy()
        w[k] -= 1
        assert not _feasible(a, lo, hi, w)
