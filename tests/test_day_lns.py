"""models.day_lns: the neighbourhood search beside the bound search. Its roster keeps every rule and
its objective is the roster's own (`evaluate`), its bound lies below the optimum, a hint is never
made worse, and small instances are proven optimal (Curtois Instance1, brute force)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import curtois
from models import day_lns
from models.day_roster import OFF, RosterProblem, ShiftKind, SolveParams, evaluate
from tests.test_day_roster import worker

INSTANCES = Path(__file__).parent.parent / "benchmarks" / "instances" / "curtois"
EARLY, LATE = ShiftKind("E", 480), ShiftKind("L", 480)


def _problem(days: int, staff: int, cover: np.ndarray, **rules: int) -> RosterProblem:
    employees = tuple(worker(f"e{i}", kinds=2, **rules) for i in range(staff))
    return RosterProblem(
        days=days,
        first_weekday=0,
        kinds=(EARLY, LATE),
        employees=employees,
        forbidden_successions=frozenset({(1, 0)}),
        cover=cover,
        under_weight=np.full(cover.shape, 100),
        over_weight=np.full(cover.shape, 1),
    )


def _brute_force(problem: RosterProblem) -> int:
    """The optimum by enumerating every roster (tiny problems only)."""
    E, D = len(problem.employees), problem.days
    best = None
    for cells in itertools.product((OFF, 0, 1), repeat=E * D):
        objective, violations = evaluate(problem, np.array(cells).reshape(E, D))
        if not violations and (best is None or objective < best):
            best = objective
    assert best is not None
    return best


@pytest.mark.parametrize("workers", [1, 2])
def test_instance1_is_proven_at_its_published_optimum(workers):
    instance = curtois.read(INSTANCES / "Instance1.txt")
    result = day_lns.solve(curtois.to_problem(instance), SolveParams(time_limit_s=20, workers=workers, seed=1))
    assert result.status == "optimal" and result.objective == result.bound == 607
    check = curtois.validate(instance, curtois.to_roster(instance, result.assignment))
    assert check.violations == () and check.objective == 607


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), cover=st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_tiny_problems_reach_the_brute_force_optimum(seed, cover):
    problem = _problem(3, 2, np.array(cover).reshape(3, 2), max_consecutive=2, min_minutes=480)
    result = day_lns.solve(problem, SolveParams(time_limit_s=10, workers=2, seed=seed))
    objective, violations = evaluate(problem, result.assignment)
    assert violations == [] and objective == result.objective == _brute_force(problem)
    assert result.bound is not None and result.bound <= result.objective


def test_the_neighbourhoods_improve_a_hint_and_keep_every_rule():
    """A month of 12 employees, one worker, the bound search cut to 0.03 s so that the neighbourhoods
    do the work: the result is a valid roster, better than the hint it started from, its objective
    the roster's own, above its bound."""
    rng = np.random.default_rng(5)
    cover = rng.integers(2, 6, size=(28, 2))
    problem = _problem(28, 12, cover, max_consecutive=5, min_consecutive=2, min_minutes=480 * 12, max_weekends=2)
    hint = np.full((12, 28), OFF)
    hint[:, :] = np.where((np.arange(28) % 7) < 5, 0, OFF)  # early on weekdays: valid, poor cover
    hint_objective, hint_violations = evaluate(problem, hint)
    assert hint_violations == []
    lines: list[str] = []
    params = SolveParams(time_limit_s=3, workers=1, seed=0, hint=hint, log_callback=lines.append)
    result = day_lns.solve(problem, params, day_lns.LnsParams(first_share=0.01))
    assert lines and lines[0].startswith("step 1 employees")
    objective, violations = evaluate(problem, result.assignment)
    assert violations == [] and objective == result.objective < hint_objective
    assert result.bound is not None and result.bound <= result.objective
    assert result.wall_s < 3 + 2.0


def test_a_stalled_bound_search_gives_its_worker_to_the_neighbourhoods():
    """Two workers, the bound search's stall cut to 4 ms: unless it proves the month at once, it
    hands its worker to a second neighbourhood search. The roster keeps every rule, its objective
    is its own and the bound (what the bound search reached) lies below it."""
    rng = np.random.default_rng(5)
    cover = rng.integers(2, 6, size=(28, 2))
    problem = _problem(28, 12, cover, max_consecutive=5, min_consecutive=2, min_minutes=480 * 12, max_weekends=2)
    lines: list[str] = []
    params = SolveParams(time_limit_s=4, workers=2, seed=0, log_callback=lines.append)
    result = day_lns.solve(problem, params, day_lns.LnsParams(first_share=0.05, bound_stall_share=0.001, prove_gap=0))
    assert result.status == "optimal" or any(line.startswith("bound search stalled") for line in lines)
    objective, violations = evaluate(problem, result.assignment)
    assert violations == [] and objective == result.objective
    assert result.bound is not None and result.bound <= result.objective
    assert result.wall_s < 4 + 2.0


def test_an_infeasible_problem_is_reported_as_such():
    problem = _problem(7, 1, np.zeros((7, 2), dtype=int), min_minutes=480 * 8)  # 8 shifts in 7 days
    result = day_lns.solve(problem, SolveParams(time_limit_s=10, workers=2, seed=0))
    assert result.status == "infeasible" and result.assignment is None


def test_a_stop_request_ends_the_search_with_the_best_roster():
    rng = np.random.default_rng(2)
    problem = _problem(28, 20, rng.integers(3, 9, size=(28, 2)), max_consecutive=5, min_consecutive=2)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 5

    result = day_lns.solve(problem, SolveParams(time_limit_s=30, workers=2, seed=0, stop=stop))
    assert result.wall_s < 10
    if result.assignment is not None:
        assert evaluate(problem, result.assignment)[1] == []


def test_params_are_checked():
    with pytest.raises(ValueError, match="first_share"):
        day_lns.LnsParams(first_share=0)
    with pytest.raises(ValueError, match="min_cells"):
        day_lns.LnsParams(min_cells=50, start_cells=10)
    with pytest.raises(ValueError, match="bound_stall_share"):
        day_lns.LnsParams(bound_stall_share=0)
