"""models.day_subproblem: a sub-problem prices its members' rosters exactly as the whole problem does
(up to a constant), holds the days it is told to hold, and the one-employee-at-a-time construction
keeps every rule; day_lns's large-problem path (construction, then sub-problem neighbourhoods) gives
a valid roster no worse than its start."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from models import day_lns, day_subproblem
from models.day_roster import OFF, RosterProblem, ShiftKind, SolveParams, evaluate, objective_of
from tests.test_day_lns import _problem as lns_problem
from tests.test_day_roster import worker


def _problem(days: int, staff: int, seed: int) -> RosterProblem:
    """test_day_lns's two-kind problem with random cover and weights, requests and assignment costs."""
    rng = np.random.default_rng(seed)
    rules = dict(max_consecutive=4, min_consecutive=2, min_minutes=480 * (days // 4))
    requests = tuple((int(rng.integers(staff)), int(rng.integers(days)), int(rng.integers(2)), 3) for _ in range(6))
    return dataclasses.replace(
        lns_problem(days, staff, rng.integers(0, 4, size=(days, 2)), **rules),
        under_weight=rng.integers(1, 50, size=(days, 2)),
        over_weight=rng.integers(0, 5, size=(days, 2)),
        on_requests=requests[:3],
        off_requests=requests[3:],
        assign_cost=rng.integers(0, 3, size=(staff, days, 2)),
    )


def _solver(seconds: float = 5.0, seed: int = 0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver


def _random_legal(problem: RosterProblem, seed: int) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(len(problem.employees))
    roster = day_subproblem.construct(problem, order, lambda s, a: _solver(s, seed + a), time.perf_counter() + 30)
    assert roster is not None
    return roster


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), members=st.sets(st.integers(0, 4), min_size=1, max_size=3))
def test_the_sub_objective_differs_from_the_whole_by_a_constant(seed, members):
    """For two legal rosters of the members, with the others held, the sub-problem's objectives
    differ exactly as the whole problem's do."""
    problem = _problem(10, 5, seed)
    base, other = _random_legal(problem, seed), _random_legal(problem, seed + 1)
    chosen = sorted(members)
    mixed = base.copy()
    mixed[chosen] = other[chosen]
    sub = day_subproblem.restrict(problem, base, chosen).rm.problem
    whole_change = objective_of(problem, mixed) - objective_of(problem, base)
    sub_change = objective_of(sub, other[chosen]) - objective_of(sub, base[chosen])
    assert whole_change == sub_change


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), first=st.integers(0, 9), width=st.integers(1, 5))
def test_held_days_keep_their_shifts_and_the_result_is_no_worse(seed, first, width):
    problem = _problem(14, 4, seed)
    base = _random_legal(problem, seed)
    free = np.zeros(14, dtype=bool)
    free[first : first + width] = True
    sub = day_subproblem.restrict(problem, base, [1, 2], free)
    status, rows = day_subproblem.solve_sub(sub, _solver())
    assert status == cp_model.OPTIMAL
    assert (rows[:, ~free] == base[[1, 2]][:, ~free]).all()
    merged = base.copy()
    merged[[1, 2]] = rows
    objective, violations = evaluate(problem, merged)
    assert violations == [] and objective <= objective_of(problem, base)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_a_pattern_model_works_exactly_its_days(seed):
    """`restrict(..., days_worked=...)`: the member works exactly the given days, keeps its rules,
    and its model has no variable on the days off."""
    problem = _problem(14, 4, seed)
    base = _random_legal(problem, seed)
    days = base[2] != OFF  # a pattern some legal roster works
    sub = day_subproblem.restrict(problem, base, [2], hint=False, days_worked=days[None, :])
    assert (sub.rm.x_index[0, ~days] < 0).all()
    status, rows = day_subproblem.solve_sub(sub, _solver())
    assert status == cp_model.OPTIMAL
    assert ((rows[0] != OFF) == days).all()
    merged = base.copy()
    merged[2] = rows[0]
    assert evaluate(problem, merged)[1] == []


def test_construction_keeps_every_rule_and_stops_at_its_deadline():
    problem = _problem(28, 8, 3)
    roster = _random_legal(problem, 3)
    assert evaluate(problem, roster)[1] == []
    assert (roster != OFF).sum(axis=1).min() >= 28 // 4  # each met their minimum minutes
    late = day_subproblem.construct(problem, range(8), lambda s, a: _solver(s), time.perf_counter() - 1)
    assert late is None


def test_the_large_path_improves_its_first_roster_and_keeps_every_rule():
    """day_lns with every problem counted as large: a first roster by construction, then sub-problem
    neighbourhoods on two threads; valid, never worse than its start, without a bound."""
    problem = _problem(28, 8, 4)
    lines: list[str] = []
    first: list[int] = []
    params = SolveParams(
        time_limit_s=4, workers=2, seed=0, log_callback=lines.append, progress_callback=lambda t, o, b: first.append(o)
    )
    result = day_lns.solve(problem, params, day_lns.LnsParams(sub_from_employee_days=1))
    objective, violations = evaluate(problem, result.assignment)
    assert violations == [] and objective == result.objective <= first[0]
    assert result.status == "feasible" and result.bound is None
    assert any(line.startswith("step") for line in lines)


@settings(max_examples=40, deadline=None)
@given(
    days=st.integers(3, 10),
    first_weekday=st.integers(0, 6),
    max_consecutive=st.integers(1, 4),
    min_consecutive=st.integers(0, 3),
    min_off=st.integers(0, 3),
    max_weekends=st.integers(0, 2),
    days_off=st.sets(st.integers(0, 9), max_size=3),
    history=st.lists(st.sampled_from([OFF, 0]), max_size=3),
    count=st.integers(0, 10),
)
def test_the_work_pattern_is_legal_and_found_whenever_one_exists(
    days, first_weekday, max_consecutive, min_consecutive, min_off, max_weekends, days_off, history, count
):
    """Against every worked/off sequence of a short horizon: the pattern works exactly `count` days,
    none of them a day off, and keeps the runs and weekends (`RunAutomaton.path`, the flow's own
    reading of the rules); one is found whenever some sequence qualifies."""
    import itertools

    from models.day_roster import RunAutomaton

    employee = worker(
        "a",
        max_consecutive=max_consecutive,
        min_consecutive=min_consecutive,
        min_consecutive_off=min_off,
        max_weekends=max_weekends,
        days_off=frozenset(d for d in days_off if d < days),
        history=tuple(history),
    )
    problem = RosterProblem(
        days=days,
        first_weekday=first_weekday,
        kinds=(ShiftKind("D", 480),),
        employees=(employee,),
        forbidden_successions=frozenset(),
        cover=np.ones((days, 1)),
        under_weight=np.ones((days, 1)),
        over_weight=np.zeros((days, 1)),
    )
    one, _ = day_subproblem.reduced(problem, np.full((1, days), OFF), [0])
    auto = RunAutomaton.of(problem, employee)

    def legal(worked: np.ndarray) -> bool:
        return not any(worked[d] for d in employee.days_off) and auto.path(worked) is not None

    exists = any(
        sum(seq) == count and legal(np.array(seq, dtype=bool)) for seq in itertools.product((False, True), repeat=days)
    )
    pattern = day_subproblem.work_pattern(one, np.random.default_rng(0).random(days), count)
    assert (pattern is not None) == exists
    if pattern is not None:
        assert pattern.sum() == count and legal(pattern)
