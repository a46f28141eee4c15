"""Sub-rosters of the day-roster problem (`models.day_roster`): a few employees re-rostered while
everyone else keeps their shifts, and a first roster built one employee at a time from them.

Why it is exact
---------------
Every hard rule of the day-roster problem is one employee's (caps, minutes, windows, successions,
runs, weekends, days off); employees meet only in the objective's cover terms. So with the employees
outside a set S held at their shifts, S's best roster is the best roster of the problem restricted
to S with the cover reduced by what the others already staff:

    r'[d,k] = max(0, r[d,k] − others[d,k])

Where others[d,k] ≥ r[d,k], each of S's employees on (d, k) adds one surplus employee, as it does
in the whole problem; where others[d,k] < r[d,k], the missing and surplus counts are the whole
problem's. The clipping shifts the objective by a constant (v·(others − r) where others > r), so the
sub-problem's optimum is the whole problem's optimum over S's shifts.

A day window: days of S outside `free_days` are held too, by allowing only the held kind there (no
variable on a held day off) and fixing that variable to 1, so S's runs, weekends and totals are
still checked over the whole horizon.

Construction (`construct`): employees one at a time in a given order, each given the roster that
minimises the objective against those placed before (the later ones count as off). Each one alone
is a small model — Curtois Instance24's employee is 364 days × 32 kinds, its whole model 1.04 M
assignment variables — and a roster in which each employee keeps their own rules keeps every rule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from models.day_roster import OFF, RosterModel, RosterProblem, RunAutomaton, allowed_mask, assignment_of, build_model


@dataclass
class SubRoster:
    """A built sub-problem: its model and the whole problem's employee indices."""

    rm: RosterModel
    members: np.ndarray  # (|S|,) employee indices in the whole problem


def staffed(problem: RosterProblem, assignment: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """(D, K) employees of `rows` (default: all) on each day and kind in `assignment` (E, D)."""
    counts = np.zeros(problem.cover.shape, dtype=np.int64)
    part = assignment if rows is None else assignment[rows]
    e_idx, d_idx = np.nonzero(part >= 0)
    np.add.at(counts, (d_idx, part[e_idx, d_idx]), 1)
    return counts


def reduced(
    problem: RosterProblem,
    assignment: np.ndarray,
    members: Sequence[int],
    free_days: np.ndarray | None = None,
    days_worked: np.ndarray | None = None,
) -> tuple[RosterProblem, np.ndarray]:
    """The problem over employees `members` (returned sorted, as the sub-problem's rows) with
    everyone else at `assignment` (E, D; kind or OFF): their cover reduced, no model built. With
    `free_days` (bool, D) the members may work only their own kind on the other days; with
    `days_worked` (bool, |S| × D) only on those days (`restrict` then fixes what must be worked)."""
    members = np.asarray(sorted(set(int(e) for e in members)), dtype=np.int64)
    E, D, K = len(problem.employees), problem.days, len(problem.kinds)
    others = np.setdiff1d(np.arange(E), members)
    cover = np.maximum(problem.cover - staffed(problem, assignment, others), 0)
    position = np.full(E, -1, dtype=np.int64)
    position[members] = np.arange(len(members))
    allowed = np.ones((len(members), D, K), dtype=bool) if problem.allowed is None else problem.allowed[members].copy()
    if free_days is not None:
        rows = assignment[members]
        allowed &= np.asarray(free_days, dtype=bool)[None, :, None] | (rows[:, :, None] == np.arange(K))
    if days_worked is not None:
        allowed &= np.asarray(days_worked, dtype=bool)[:, :, None]
    sub = RosterProblem(
        days=D,
        first_weekday=problem.first_weekday,
        kinds=problem.kinds,
        employees=tuple(problem.employees[e] for e in members.tolist()),
        forbidden_successions=problem.forbidden_successions,
        cover=cover,
        under_weight=problem.under_weight,
        over_weight=problem.over_weight,
        on_requests=_requests(problem.on_requests, position),
        off_requests=_requests(problem.off_requests, position),
        assign_cost=None if problem.assign_cost is None else problem.assign_cost[members],
        allowed=allowed,
    )
    return sub, members


def restrict(
    problem: RosterProblem,
    assignment: np.ndarray,
    members: Sequence[int],
    free_days: np.ndarray | None = None,
    hint: bool = True,
    run_states: bool = False,
    days_worked: np.ndarray | None = None,
) -> SubRoster:
    """The model of `reduced(problem, assignment, members, free_days, days_worked)`: with `free_days`
    the members' other days held at `assignment`, with `days_worked` each member working exactly
    those days (no variable on the others); hinted with `assignment` if `hint`."""
    sub, members = reduced(problem, assignment, members, free_days, days_worked)
    held = np.zeros((len(members), problem.days), dtype=bool)
    if free_days is not None:
        held[:] = ~np.asarray(free_days, dtype=bool)
    rm = build_model(sub, run_states=run_states)
    proto = rm.model.proto
    rows = assignment[members]
    worked = held & (rows >= 0)
    for s, d in np.argwhere(worked).tolist():
        p = rm.x_index[s, d, rows[s, d]]
        if p < 0:
            raise ValueError(f"employee {members[s]} cannot keep kind {rows[s, d]} on day {d}")
        domain = proto.variables[rm.x[p].index].domain
        domain[0] = domain[1] = 1
    if days_worked is not None:
        for s, d in np.argwhere(days_worked).tolist():
            work = rm.works[s][d]
            if work is False:
                raise ValueError(f"employee {members[s]} cannot work day {d}")
            if work is not True:
                domain = proto.variables[work.index].domain
                domain[0] = domain[1] = 1
    if hint:
        chosen = rows[rm.x_coords[:, 0], rm.x_coords[:, 1]] == rm.x_coords[:, 2]
        proto.solution_hint.vars.extend(v.index for v in rm.x)
        proto.solution_hint.values.extend(chosen.astype(np.int64).tolist())
    return SubRoster(rm, members)


def _requests(requests: tuple[tuple[int, int, int, int], ...], position: np.ndarray) -> tuple:
    return tuple((int(position[e]), d, k, w) for e, d, k, w in requests if position[e] >= 0)


def solve_sub(
    sub: SubRoster, solver: cp_model.CpSolver, model: cp_model.CpModel | None = None
) -> tuple[int, np.ndarray | None]:
    """Solve a sub-problem (or `model`, a copy of its model with more fixed) with `solver`;
    (CP-SAT status, its members' (|S|, D) shifts or None)."""
    status = solver.solve(sub.rm.model if model is None else model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None
    values = np.asarray(solver.response_proto.solution, dtype=np.int64)
    return status, assignment_of(sub.rm, values[[v.index for v in sub.rm.x]])


def construct(
    problem: RosterProblem,
    order: Sequence[int],
    solver_for: Callable[[float, int], cp_model.CpSolver],
    deadline: float,
    stop: Callable[[], bool] = lambda: False,
    threads: int = 1,
    attempt_s: float = 2.0,
) -> np.ndarray | None:
    """A roster built one employee at a time in `order` (see the module docstring), on `threads`
    threads at once (each employee then sees the ones finished before it starts), each employee by
    `employee_roster`. None when an employee has no roster by the `deadline` (`time.perf_counter()`)
    or `stop()` turns True."""
    assignment = np.full((len(problem.employees), problem.days), OFF, dtype=np.int64)
    queue = iter(list(order))
    lock = threading.Lock()
    failed = threading.Event()

    def work() -> None:
        while not failed.is_set():
            with lock:
                e = next(queue, None)
                placed = assignment.copy()
            if e is None:
                return
            rows = employee_roster(problem, placed, e, solver_for, deadline, stop, attempt_s)
            if rows is None:
                failed.set()
                return
            with lock:
                assignment[e] = rows

    helpers = [threading.Thread(target=work, daemon=True) for _ in range(threads - 1)]
    for helper in helpers:
        helper.start()
    work()
    for helper in helpers:
        helper.join()
    return None if failed.is_set() else assignment


def employee_roster(
    problem: RosterProblem,
    assignment: np.ndarray,
    e: int,
    solver_for: Callable[[float, int], cp_model.CpSolver],
    deadline: float,
    stop: Callable[[], bool] = lambda: False,
    attempt_s: float = 2.0,
) -> np.ndarray | None:
    """Employee e's roster (D,) against the others at `assignment`, or None by the `deadline`.

    Attempts alternate until one has a roster, each at most `attempt_s` seconds, doubled every
    second attempt: even attempts fix the days worked to a `work_pattern` (the employee's run and
    weekend rules kept by construction, its worked days where the reduced cover is short) and let
    CP-SAT choose the kinds, in a model with no variable on the days off; odd ones hint the pattern
    in the employee's whole model. A first roster alone was heavy-tailed: on Curtois Instance22 one
    employee (232 of 364 days in runs of 2–5, at most 26 weekends) got none in 300 s of 2-s
    attempts; with a fixed pattern each took 0.2–1.1 s. The pattern comes from the reduced problem
    and only the pattern's model is built, since the build holds the interpreter while CP-SAT does
    not: on Instance24 one employee's whole model took 0.09 s to build, the pattern's 0.04 s."""
    one, _ = reduced(problem, assignment, [e])
    need = np.where(one.cover > 0, one.under_weight, 0)
    kinds = np.array(problem.employees[e].max_shifts) > 0
    value = need[:, kinds].max(axis=1, initial=0).astype(float)
    value /= max(value.max(), 1.0)
    lo, hi = work_days(problem, e), most_work_days(problem, e)
    rng = np.random.default_rng(e)
    whole: SubRoster | None = None
    attempt = 0
    while (left := deadline - time.perf_counter()) > 0 and not stop():
        count = None if lo is None or hi is None else (lo + hi) // 2 if attempt == 0 else int(rng.integers(lo, hi + 1))
        pattern = None if count is None else work_pattern(one, value + rng.random(problem.days) / 2, count)
        if pattern is not None and attempt % 2 == 0:
            sub = restrict(problem, assignment, [e], hint=False, days_worked=pattern[None, :])
            model = sub.rm.model
        else:
            whole = whole or restrict(problem, assignment, [e], hint=False)
            sub, model = whole, whole.rm.model.clone()
            for d, work in enumerate(sub.rm.works[0]) if pattern is not None else ():
                if not isinstance(work, bool):
                    model.add_hint(work, bool(pattern[d]))
        solver = solver_for(min(attempt_s * 2 ** (attempt // 2), left), attempt)
        _, rows = solve_sub(sub, solver, model)
        if rows is not None:
            return rows[0]
        attempt += 1
    return None


def work_pattern(problem: RosterProblem, value: np.ndarray, count: int) -> np.ndarray | None:
    """A worked/off pattern (bool, D) for the one employee of `problem` with exactly `count` worked
    days that keeps the employee's run, weekend and day-off rules (`RunAutomaton`), maximising the
    `value` (D,) of its worked days; None when there is none.

    Dynamic programming over (run state q, weekends worked c, days worked n), day by day. The kind
    caps, minutes, windows and successions are not in it: the pattern is a hint for the employee's
    CP-SAT model, which keeps every rule. It is what gives CP-SAT a roster where it found none:
    an employee of Curtois Instance22 must work 232 of 364 days in runs of 2–5 with two days off
    between and at most 26 weekends, and one worker found no roster for it in 300 s of attempts."""
    emp = problem.employees[0]
    if emp.max_consecutive == 0:  # never works
        return np.zeros(problem.days, dtype=bool) if count == 0 else None
    auto = RunAutomaton.of(problem, emp)
    Q, C, N, D = len(auto.working), (auto.cap + 1 if auto.cap is not None else 1), count + 1, problem.days
    works = _day_states(problem)
    working = np.array(auto.working)
    best = np.full((Q, C, N), -np.inf)
    for q in auto.initial:
        c, n = auto.gain(0, None, q), int(working[q])
        if c < C and n < N and _may(works[0], working[q]):
            best[q, c, n] = value[0] * n
    back = np.zeros((D, Q, C, N), dtype=np.int8)
    for d in range(1, D):
        new = np.full((Q, C, N), -np.inf)
        for q in range(Q):
            if not np.isfinite(best[q]).any():
                continue
            for j in auto.moves[q]:
                if not _may(works[d], working[j]):
                    continue
                g, w = auto.gain(d, q, j), int(working[j])
                if g >= C:
                    continue
                moved = np.full((C, N), -np.inf)
                moved[g:, w:] = best[q, : C - g, : N - w] + value[d] * w
                better = moved > new[j]
                new[j][better] = moved[better]
                back[d, j][better] = q
        best = new
    if not np.isfinite(best[:, :, count]).any():
        return None
    q, c = np.unravel_index(np.argmax(best[:, :, count]), (Q, C))
    pattern = np.zeros(D, dtype=bool)
    n = count
    for d in range(D - 1, -1, -1):
        pattern[d] = working[q]
        if d == 0:
            break
        before = int(back[d, q, c, n])
        c, n, q = c - auto.gain(d, before, q), n - int(working[q]), before
    return pattern


def _day_states(problem: RosterProblem) -> list[bool | None]:
    """Per day, for the one employee of `problem`: False (no kind allowed), True (worked outside the
    model, `Employee.fixed_work`) or None (free) — the constants of the model's `works[0]`."""
    can = allowed_mask(problem)[0].any(axis=1)
    fixed = problem.employees[0].fixed_work
    return [True if d in fixed else None if can[d] else False for d in range(problem.days)]


def _may(work: bool | None, working: bool) -> bool:
    """Whether a day in state `work` (False: off, True: worked, None: free) may be (not) worked."""
    return work is None or work == bool(working)


def most_work_days(problem: RosterProblem, e: int) -> int | None:
    """The most worked days whose shortest shifts stay within employee e's maximum minutes and whose
    longest (kind caps allowing) reach its minimum; None if no count does."""
    counts = _work_day_counts(problem, e)
    return max(counts) if counts else None


def work_days(problem: RosterProblem, e: int) -> int | None:
    """The fewest worked days whose longest shifts (kind caps allowing) reach employee e's minimum
    minutes, if that many of its shortest shifts stay within its maximum; None if no count does."""
    counts = _work_day_counts(problem, e)
    return min(counts) if counts else None


def _work_day_counts(problem: RosterProblem, e: int) -> list[int]:
    """Counts of worked days that employee e's minutes and kind caps allow (successions aside)."""
    emp = problem.employees[e]
    minutes = np.repeat(
        [k.minutes for k in problem.kinds], [min(c, problem.days) for c in emp.max_shifts]
    )  # one entry per shift the caps allow
    longest, shortest = np.cumsum(np.sort(minutes)[::-1]), np.cumsum(np.sort(minutes))
    return [
        n
        for n in range(0, min(len(minutes), problem.days) + 1)
        if (longest[n - 1] if n else 0) >= emp.min_minutes and (shortest[n - 1] if n else 0) <= emp.max_minutes
    ]
