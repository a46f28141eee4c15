"""The dynamic-programming day rosters (`models.day_patterns`) against brute force and the checker."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models import day_roster
from models.day_patterns import best_week, construct_days, improve_days
from models.day_roster import Employee, RosterProblem, ShiftKind, Window


@st.composite
def weeks(draw: st.DrawFn) -> dict:
    """One employee's week: values, allowed kinds, minutes and the rules `best_week` models."""
    D = draw(st.integers(1, 5))
    K = draw(st.integers(1, 3))
    minutes = np.array(draw(st.lists(st.sampled_from([120, 240, 360, 480]), min_size=K, max_size=K)))
    value = np.array(draw(st.lists(st.integers(-5, 9), min_size=D * K, max_size=D * K)), dtype=float).reshape(D, K)
    allowed = np.array(draw(st.lists(st.booleans(), min_size=D * K, max_size=D * K))).reshape(D, K)
    lo = draw(st.integers(0, 1200))
    hi = lo + draw(st.integers(0, 900))
    forbidden = np.array(draw(st.lists(st.booleans(), min_size=(K + 1) * K, max_size=(K + 1) * K))).reshape(K + 1, K)
    forbidden[K] = False  # after a day off anything may follow
    max_run = draw(st.integers(1, 5))
    return {
        "value": value,
        "allowed": allowed,
        "minutes": minutes,
        "lo": lo,
        "hi": hi,
        "max_shifts": draw(st.integers(0, D)),
        "max_run": max_run,
        "run0": draw(st.integers(0, max_run)),
        "last0": draw(st.integers(-1, K - 1)),
        "forbidden": forbidden,
        "max_final_run": draw(st.none() | st.integers(0, 6)),
    }


def _legal(w: dict, row: tuple[int, ...]) -> bool:
    worked = [k for k in row if k >= 0]
    total = sum(int(w["minutes"][k]) for k in worked)
    if not w["lo"] <= total <= w["hi"] or len(worked) > w["max_shifts"]:
        return False
    if any(k >= 0 and not w["allowed"][d, k] for d, k in enumerate(row)):
        return False
    run, last = w["run0"], w["last0"] if w["run0"] > 0 else -1
    for k in row:
        if k >= 0 and w["forbidden"][last if last >= 0 else len(w["minutes"]), k]:
            return False
        run = run + 1 if k >= 0 else 0
        if run > w["max_run"]:
            return False
        last = k
    return w["max_final_run"] is None or run <= w["max_final_run"]


@given(weeks())
@settings(max_examples=300, deadline=None)
def test_best_week_finds_the_brute_force_optimum(w: dict) -> None:
    D, K = w["value"].shape
    legal = [row for row in itertools.product(range(-1, K), repeat=D) if _legal(w, row)]
    got = best_week(
        w["value"],
        w["allowed"],
        w["minutes"],
        w["lo"],
        w["hi"],
        w["max_shifts"],
        w["max_run"],
        w["run0"],
        w["last0"] if w["run0"] > 0 else -1,
        w["forbidden"],
        w["max_final_run"],
    )
    if not legal:
        assert got is None
        return
    assert got is not None
    assert _legal(w, tuple(got.tolist())), got.tolist()
    score = lambda row: sum(w["value"][d, k] for d, k in enumerate(row) if k >= 0)  # noqa: E731
    assert score(got.tolist()) == max(score(row) for row in legal)


@st.composite
def day_problems(draw: st.DrawFn) -> RosterProblem:
    """A small class-week: employees with their own minutes, history and days off; any cover."""
    D, K = 7, draw(st.integers(1, 3))
    kinds = tuple(
        ShiftKind(f"k{k}", m)
        for k, m in enumerate(draw(st.lists(st.sampled_from([240, 360, 420, 480]), min_size=K, max_size=K)))
    )
    employees = []
    for e in range(draw(st.integers(1, 6))):
        lo = draw(st.integers(0, 1800))
        hi = lo + draw(st.integers(0, 900))
        shifts = draw(st.integers(1, 6))
        employees.append(
            Employee(
                f"e{e}",
                max_shifts=(D,) * K,
                min_minutes=lo,
                max_minutes=hi,
                max_consecutive=draw(st.integers(3, 6)),
                min_consecutive=1,
                min_consecutive_off=1,
                max_weekends=draw(st.integers(0, 1)),
                days_off=frozenset(draw(st.sets(st.integers(0, D - 1), max_size=2))),
                windows=(Window(0, D - 1, lo, hi, shifts),),
                history=tuple(draw(st.lists(st.integers(-1, K - 1), max_size=3))),
                max_final_run=draw(st.none() | st.integers(0, 4)),
            )
        )
    cover = np.array(draw(st.lists(st.integers(0, 3), min_size=D * K, max_size=D * K))).reshape(D, K)
    forbidden = frozenset((a, b) for a in range(K) for b in range(K) if draw(st.booleans()) and a > b)
    ones = np.ones((D, K), dtype=np.int64)
    return RosterProblem(
        days=D,
        first_weekday=0,
        kinds=kinds,
        employees=tuple(employees),
        forbidden_successions=forbidden,
        cover=cover,
        under_weight=10 * ones,
        over_weight=ones,
    )


@given(day_problems())
@settings(max_examples=150, deadline=None)
def test_construct_and_improve_keep_every_rule_and_improve_only_downhill(problem: RosterProblem) -> None:
    start = construct_days(problem)
    before, broken = day_roster.evaluate(problem, start)
    for e in np.flatnonzero((start >= 0).any(axis=1)).tolist():  # every week it hands out is legal
        assert not day_roster.employee_violations(problem, e, start[e])
    better = improve_days(problem, start)
    after, broken_after = day_roster.evaluate(problem, better)
    assert len(broken_after) <= len(broken)
    if not broken:
        assert not broken_after and after <= before


def test_improve_days_fills_a_cover_two_employees_can_meet_exactly() -> None:
    """Cover that two 2-day employees meet exactly (one early, one late kind each day), from an
    empty start: best responses reach objective 0."""
    kinds = (ShiftKind("early", 480), ShiftKind("late", 480))
    emp = [
        Employee(
            f"e{i}",
            max_shifts=(2, 2),
            min_minutes=960,
            max_minutes=960,
            max_consecutive=6,
            min_consecutive=1,
            min_consecutive_off=1,
            max_weekends=1,
            windows=(Window(0, 1, 960, 960, 2),),
        )
        for i in range(2)
    ]
    problem = RosterProblem(
        days=2,
        first_weekday=0,
        kinds=kinds,
        employees=tuple(emp),
        forbidden_successions=frozenset({(1, 0)}),
        cover=np.ones((2, 2), dtype=np.int64),
        under_weight=np.full((2, 2), 10),
        over_weight=np.ones((2, 2), dtype=np.int64),
    )
    out = improve_days(problem, np.full((2, 2), -1))
    assert day_roster.evaluate(problem, out) == (0, [])
