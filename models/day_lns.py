"""Large-neighbourhood search over the day-roster model (`models.day_roster`) beside a bound search:
one core proves, the other improves, inside one time limit.

Method
------
1. **Opening** (`first_share` of the limit): CP-SAT's own portfolio on the plain model (no
   run-state flow) with all workers — `max_lp` beside feasibility jump and CP-SAT's LNS, which find
   a first roster within a second where one worker, at any LP level, found none on Curtois
   Instance11–12 in 10 s. If it has none, one worker goes on looking beside the bound search.
2. **Two searches at once** (with 2 or more workers), for the rest of the limit. The *bound search*
   solves the whole model of `day_roster.build_model` (with the run-state flow where
   `run_states_pay` and below `run_states_max_nodes`) on `workers - 1` workers, LP-heavy (`max_lp`,
   or its settings on a single worker). Its bound holds for the whole problem whatever the other
   search does; a proven optimum ends the run. Once its bound has not risen for
   `bound_stall_share` of the limit while the best roster is more than `prove_gap` above it, its
   workers search neighbourhoods too (that bound will not prove the roster inside the limit; the
   neighbourhoods gain more from the core). The *neighbourhood search* runs in the calling thread
   on the plain model. Each roster either search finds is offered to a shared incumbent; the run
   ends when the incumbent meets the bound.
3. **Neighbourhoods.** Each step frees a set F of (employee, day) cells and fixes every other cell's
   x[e,d,k] to the incumbent (by narrowing the variable's domain in a copy of the model, so the
   rules' constraints and the objective stay exactly the whole model's; CP-SAT's presolve removes
   what the fixing decides). The copy is hinted with the incumbent's full solution, so its first
   solution is the incumbent and anything it finds is at least as good. Three shapes, in turn:
   *employees* (a few employees over the whole horizon: moves that need a whole run or the
   weekends of one employee), *days* (every employee over a window of consecutive days: swaps of
   the cover between employees), *block* (employees × a window of 7–14 days). Employees are drawn
   among those who can work a common kind, so the freed ones can exchange shifts. Each sub-solve
   has one worker with the LP at `linearization_level` 2: without it, neighbourhoods of four
   employees over a month ran out their 3 s unproven (Curtois Instance10) and the search stalled.
4. **Adaptive size, per shape.** Each shape's number of free cells starts at `start_cells` and grows
   by `grow` after a neighbourhood proven optimal within its time, and shrinks by the same factor
   after one that was not, within [`min_cells`, E·D].

5. **Long horizons** (`sub_from_employee_days`, 5,000 employee-days: Curtois Instance20–24, half a
   year to a year): no whole model is built. A first roster comes one employee at a time
   (`day_subproblem.construct`: a day-pattern DP fixes the worked days, CP-SAT picks the kinds),
   where CP-SAT's portfolio on the whole model found none in 60 s; then every worker runs
   neighbourhoods of the *employees* (at most `SUB_LONGEST_DAYS` days) and *block* shapes, each
   its own small model (`day_subproblem.restrict`), half of them over days drawn by their cover
   penalty. Results are merged row by row into the shared roster (`_Shared.offer_rows`). There is
   no bound on this path.

With one worker the two searches take turns: the bound search for `first_share` of the limit
(longer until a roster exists), then neighbourhoods. The result's objective is the roster's own
(`day_roster.objective_of`), its bound the bound search's. The wall clock decides how the two
searches interleave, so a run is repeatable only in distribution: benchmarks report the median of
seeds. Measured on the Curtois & Qu family in benchmarks/RESULTS.md (`python -m benchmarks curtois`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from models import day_subproblem
from models.day_roster import (
    LP_HEAVY_SUBSOLVERS,
    ROOT_LP_ITERATIONS,
    RosterModel,
    RosterProblem,
    RosterResult,
    SolveParams,
    assignment_of,
    build_model,
    objective_of,
    run_states_nodes,
    run_states_pay,
    safe_params,
)

SHAPES = ("employees", "days", "block")


@dataclass(frozen=True)
class LnsParams:
    """Settings of the search (times in seconds, sizes in free (employee, day) cells).

    `run_states_max_nodes` caps the run-state flow of the bound search lower than `day_roster`'s own
    cap, because here its LP has one core: on Curtois Instance7–8 (17–25 thousand nodes) the flow's
    bound came within 1% of the optimum, on Instance10–11 (30–39 thousand) its root LP did not finish
    in 60 s, where the plain model's came within 0.3% in 15 s."""

    first_share: float = 0.25
    bound_stall_share: float = 1 / 6
    prove_gap: float = 0.02
    neighbourhood_s: float = 3.0
    start_cells: int = 120
    min_cells: int = 20
    grow: float = 1.15
    run_states_max_nodes: int = 25_000
    sub_from_employee_days: int = 5_000

    def __post_init__(self) -> None:
        if not 0 < self.first_share <= 1 or self.neighbourhood_s <= 0 or self.grow <= 1:
            raise ValueError("first_share must be in (0, 1], neighbourhood_s > 0 and grow > 1")
        if not 0 < self.bound_stall_share <= 1 or self.prove_gap < 0:
            raise ValueError("bound_stall_share must be in (0, 1] and prove_gap ≥ 0")
        if self.min_cells < 1 or self.start_cells < self.min_cells:
            raise ValueError("need 1 ≤ min_cells ≤ start_cells")


@dataclass
class _Incumbent:
    assignment: np.ndarray  # (E, D) kind index or OFF
    objective: int
    values: np.ndarray | None = None  # every variable of `model`'s CP-SAT model, once known
    model: RosterModel | None = None  # the model `values` belong to


class _Shared:
    """What the two searches tell each other: the best roster, the best bound, and when to stop."""

    def __init__(self, start: float, report: Callable[[float, int, int], None] | None) -> None:
        self.lock = threading.Lock()
        self.start = start
        self.report = report
        self.best: _Incumbent | None = None
        self.bound: int | None = None
        self.bound_raised_at = start  # perf_counter seconds when the bound last rose
        self.first_s: float | None = None
        self.infeasible = False
        self.done = threading.Event()

    def offer(
        self, assignment: np.ndarray, objective: int, values: np.ndarray | None = None, model: RosterModel | None = None
    ) -> bool:
        """Keep the roster if it is the best so far (with `values`, the solution of `model`); True if kept."""
        with self.lock:
            if self.best is not None and objective >= self.best.objective:
                return False
            self.best = _Incumbent(assignment.copy(), objective, values, model)
            elapsed = time.perf_counter() - self.start
            if self.first_s is None:
                self.first_s = elapsed
            met = self.bound is not None and objective <= self.bound
        if self.report is not None:
            self.report(elapsed, objective, -1 if self.bound is None else self.bound)
        if met:
            self.done.set()
        return True

    def offer_rows(self, problem: RosterProblem, members: np.ndarray, rows: np.ndarray) -> bool:
        """Put `rows` (|members|, D) into the best roster; keep the result if better. The rows may
        come from an older roster: every hard rule is one employee's, so any mix of whole rows
        of legal rosters is legal, and only its objective needs computing again."""
        with self.lock:
            if self.best is None:
                return False
            candidate = self.best.assignment.copy()
        candidate[members] = rows
        return self.offer(candidate, objective_of(problem, candidate))

    def raise_bound(self, bound: float) -> None:
        with self.lock:
            value = math.ceil(bound - 1e-6)
            if self.bound is None or value > self.bound:
                self.bound, self.bound_raised_at = value, time.perf_counter()
            if self.best is not None and self.best.objective <= self.bound:
                self.done.set()

    def met(self) -> bool:
        return self.done.is_set()

    def gap(self) -> float:
        """(best − bound) / best; infinite while either is missing."""
        with self.lock:
            if self.best is None or self.bound is None:
                return math.inf
            return (self.best.objective - self.bound) / max(abs(self.best.objective), 1)


class _Rosters(cp_model.CpSolverSolutionCallback):
    """Offers each solution's roster to the shared incumbent; can stop at the first."""

    def __init__(self, rm: RosterModel, shared: _Shared, first_only: bool = False) -> None:
        super().__init__()
        self.rm, self.shared, self.first_only = rm, shared, first_only

    def on_solution_callback(self) -> None:
        assignment = assignment_of(self.rm, np.array([self.value(v) for v in self.rm.x], dtype=np.int64))
        self.shared.offer(assignment, objective_of(self.rm.problem, assignment))
        if self.first_only:
            self.stop_search()


def _lp_solver(seconds: float, workers: int, seed: int, lazy: bool = False) -> cp_model.CpSolver:
    """CP-SAT with the full LP: `max_lp` first among several workers, its settings on one (with the
    LP's cuts added lazily if `lazy`)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, seconds)
    p.num_workers = workers
    p.random_seed = seed
    p.root_lp_iterations = ROOT_LP_ITERATIONS
    if workers == 1:  # CP-SAT's `max_lp` settings, which one worker cannot take as a subsolver
        p.linearization_level = 2
        p.add_lp_constraints_lazily = lazy
    else:
        p.subsolvers.extend(LP_HEAVY_SUBSOLVERS[:workers])
    return solver


def _bound_search(
    rm: RosterModel,
    shared: _Shared,
    seconds: float,
    workers: int,
    seed: int,
    stall: tuple[float, float] | None = None,
) -> None:
    """The whole model until `seconds` pass, the shared roster meets its bound, it is proven, or (with
    `stall` = (seconds, gap)) the bound has not risen for that many seconds of this search while the
    best roster is more than that gap above it."""
    solver = _lp_solver(seconds, workers, seed)
    solver.best_bound_callback = shared.raise_bound
    started = time.perf_counter()
    stall_s, prove_gap = stall or (math.inf, 0.0)

    def stalled() -> bool:
        return time.perf_counter() - max(started, shared.bound_raised_at) > stall_s and shared.gap() > prove_gap

    status = _run(solver, rm.model, shared, _Rosters(rm, shared), stalled)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        shared.raise_bound(solver.best_objective_bound)
    _settle(shared, status)


def _run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    shared: _Shared,
    rosters: _Rosters | None = None,
    give_up: Callable[[], bool] | None = None,
) -> int:
    """`solver.solve(model)`, stopped early once the searches are done (bound met, or a stop asked) or
    `give_up` says so."""
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.05):
            if shared.met() or (give_up is not None and give_up()):
                solver.stop_search()
                return

    threading.Thread(target=watch, daemon=True).start()
    try:
        return solver.solve(model, rosters)
    finally:
        finished.set()


def _settle(shared: _Shared, status: int) -> None:
    """A proven optimum or infeasibility ends both searches."""
    if status == cp_model.INFEASIBLE:
        shared.infeasible = True
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        shared.done.set()


def _fixed_copy(rm: RosterModel, incumbent: _Incumbent, free: np.ndarray) -> cp_model.CpModel:
    """A copy of the model with every x outside `free` fixed to the incumbent, hinted with it (whole
    when its full solution in this model is known, else by its x)."""
    sub = rm.model.clone()
    proto = sub.proto
    fixed = ~free[rm.x_coords[:, 0], rm.x_coords[:, 1]]
    chosen = incumbent.assignment[rm.x_coords[:, 0], rm.x_coords[:, 1]] == rm.x_coords[:, 2]
    for p in np.flatnonzero(fixed).tolist():
        domain = proto.variables[rm.x[p].index].domain  # a boolean's [0, 1]
        domain[0] = domain[1] = int(chosen[p])
    proto.clear_solution_hint()
    if incumbent.values is not None and incumbent.model is rm:
        proto.solution_hint.vars.extend(range(len(incumbent.values)))
        proto.solution_hint.values.extend(incumbent.values.tolist())
    else:
        proto.solution_hint.vars.extend(v.index for v in rm.x)
        proto.solution_hint.values.extend(chosen.astype(np.int64).tolist())
    return sub


def _neighbourhood(
    can: np.ndarray,
    days: int,
    rng: np.random.Generator,
    shape: str,
    cells: int,
    longest: int | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """A boolean (E, D) mask of free cells of about `cells` cells, of the given shape, over at most
    `longest` days for shape *employees* (default: the whole horizon); `can` (E, K) tells the kinds
    each employee can work. A window's first day is drawn uniformly, or in proportion to the sum of
    `weight` (D,) over the window's days."""
    E, D = can.shape[0], days
    free = np.zeros((E, D), dtype=bool)
    if shape == "days":
        width = int(np.clip(round(cells / E), 1, D))
        first = _first_day(rng, D, width, weight)
        free[:, first : first + width] = True
        return free
    width = min(D, longest or D) if shape == "employees" else int(np.clip(rng.integers(7, 15), 1, D))
    count = int(np.clip(round(cells / width), 2, E))
    kind = int(rng.choice(np.flatnonzero(can.any(axis=0)))) if can.any() else 0
    pool = np.flatnonzero(can[:, kind])
    others = np.setdiff1d(np.arange(E), pool)
    order = np.concatenate((rng.permutation(pool), rng.permutation(others)))
    first = _first_day(rng, D, width, weight)
    free[order[:count], first : first + width] = True
    return free


def _first_day(rng: np.random.Generator, days: int, width: int, weight: np.ndarray | None) -> int:
    if weight is None or days == width:
        return int(rng.integers(0, days - width + 1))
    sums = np.convolve(weight, np.ones(width), mode="valid") + 1e-9
    return int(rng.choice(days - width + 1, p=sums / sums.sum()))


def _day_penalties(problem: RosterProblem, assignment: np.ndarray) -> np.ndarray:
    """(D,) each day's cover penalty in `assignment` (missing and surplus employees, weighted)."""
    counts = day_subproblem.staffed(problem, assignment)
    under = problem.under_weight * np.maximum(problem.cover - counts, 0)
    return (under + problem.over_weight * np.maximum(counts - problem.cover, 0)).sum(axis=1).astype(float)


def _opening(rm: RosterModel, shared: _Shared, until: float, seed: int, workers: int, first_only: bool) -> None:
    """The plain model until `until` (or, if `first_only`, its first roster or another search's).
    With 2 workers CP-SAT runs feasibility jump and its own LNS beside `max_lp`: they found the first
    roster of Curtois Instance9–12 within a second where one worker, at any LP level, found none in
    10 s, and a better start for the neighbourhoods than the first roster alone."""
    while not shared.met() and not (first_only and shared.best is not None):
        left = until - time.perf_counter()
        if left < 0.05:
            return
        solver = _lp_solver(left if not first_only else min(2.0, left), workers, seed)
        status = _run(solver, rm.model, shared, _Rosters(rm, shared, first_only=first_only))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) or (status == cp_model.UNKNOWN and not first_only):
            shared.raise_bound(solver.best_objective_bound)
        _settle(shared, status)
        if not first_only:
            return
        seed += 1


def _improve(
    shared: _Shared,
    lns: LnsParams,
    shapes: tuple[str, ...],
    size: tuple[int, int],
    deadline: float,
    seed: int,
    log: Callable,
    attempt: Callable[[str, int, np.random.Generator, int, float], tuple[int, cp_model.CpSolver]],
) -> None:
    """Improve the shared roster one neighbourhood at a time until the deadline or the bound:
    shapes in turn, `attempt(shape, cells, rng, step, seconds)` solving one and offering what it
    finds, each shape's size adapting (module docstring, 4) within [`min_cells`, E·D] of `size`."""
    E, D = size
    rng = np.random.default_rng(seed)
    cells = {shape: float(min(lns.start_cells, E * D)) for shape in shapes}
    step = 0
    while not shared.met() and shared.best is not None:
        left = deadline - time.perf_counter()
        if left < 0.2:
            return
        shape = shapes[step % len(shapes)]
        status, solver = attempt(shape, int(cells[shape]), rng, step, min(lns.neighbourhood_s, left))
        step += 1
        proven = status == cp_model.OPTIMAL
        log(f"step {step} {shape} {int(cells[shape])} cells: {solver.status_name(status)} {solver.wall_time:.2f}s")
        cells[shape] = float(np.clip(cells[shape] * (lns.grow if proven else 1 / lns.grow), lns.min_cells, E * D))


def _search(rm: RosterModel, shared: _Shared, lns: LnsParams, deadline: float, seed: int, log: Callable) -> None:
    """Neighbourhoods as copies of the whole model with the other cells fixed (`_fixed_copy`)."""
    D = rm.problem.days
    can = (rm.x_index >= 0).any(axis=1)
    x_indices = np.array([v.index for v in rm.x], dtype=np.int64)

    def attempt(shape: str, cells: int, rng: np.random.Generator, step: int, seconds: float) -> tuple:
        incumbent = shared.best
        sub = _fixed_copy(rm, incumbent, _neighbourhood(can, D, rng, shape, cells))
        solver = _lp_solver(seconds, 1, seed + step, lazy=True)
        status = solver.solve(sub)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.asarray(solver.response_proto.solution, dtype=np.int64)
            assignment = assignment_of(rm, values[x_indices])
            shared.offer(assignment, objective_of(rm.problem, assignment), values, rm)
        return status, solver

    _improve(shared, lns, SHAPES, (len(rm.problem.employees), D), deadline, seed, log, attempt)


SUB_SHAPES = ("employees", "block")
SUB_LONGEST_DAYS = 28
"""Days of a sub-problem's *employees* neighbourhood: on Curtois Instance22 (364 days) two employees
over the whole year ran out their 3 s unproven, and the search stalled at the fewest cells."""


def _kinds_possible(problem: RosterProblem) -> np.ndarray:
    """(E, K): the kinds each employee may work on some day."""
    can = np.array([emp.max_shifts for emp in problem.employees], dtype=np.int64) > 0
    return can if problem.allowed is None else can & problem.allowed.any(axis=1)


def _sub_solver(seconds: float, seed: int) -> cp_model.CpSolver:
    return _lp_solver(seconds, 1, seed, lazy=True)


def _first_solver(seconds: float, seed: int, attempt: int) -> cp_model.CpSolver:
    """One employee's first roster (`day_subproblem.employee_roster`): with its days fixed, CP-SAT's
    default LP level found the kinds in 0.2–1.1 s on Curtois Instance24, where the LP at level 2 took
    2.6–5 s; with the days only hinted, level 2."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, seconds)
    p.num_workers = 1
    p.random_seed = seed + attempt
    p.stop_after_first_solution = True
    if attempt % 2:
        p.linearization_level = 2
    return solver


def _sub_search(
    problem: RosterProblem, shared: _Shared, lns: LnsParams, deadline: float, seed: int, log: Callable
) -> None:
    """`_search` for large problems: each neighbourhood is its own small model
    (`day_subproblem.restrict`: the freed employees, the others' shifts as reduced cover), not a copy
    of the whole model with most of it fixed, whose fixing and presolve cost more than the search on
    Curtois Instance20–24 (35 thousand to 1 million assignment variables)."""
    D = problem.days
    can = _kinds_possible(problem)

    def attempt(shape: str, cells: int, rng: np.random.Generator, step: int, seconds: float) -> tuple:
        incumbent = shared.best.assignment
        weight = _day_penalties(problem, incumbent) if step // 2 % 2 == 0 else None  # half aimed
        free = _neighbourhood(can, D, rng, shape, cells, SUB_LONGEST_DAYS, weight)
        days = free.any(axis=0)
        members = np.flatnonzero(free.any(axis=1))
        sub = day_subproblem.restrict(problem, incumbent, members, None if days.all() else days)
        solver = _sub_solver(seconds, seed + step)
        status, rows = day_subproblem.solve_sub(sub, solver)
        if rows is not None:
            shared.offer_rows(problem, sub.members, rows)
        return status, solver

    _improve(shared, lns, SUB_SHAPES, (len(problem.employees), D), deadline, seed, log, attempt)


def _solve_large(problem: RosterProblem, params: SolveParams, lns: LnsParams, shared: _Shared, deadline: float) -> None:
    """A first roster built one employee at a time (`day_subproblem.construct`, first solutions),
    then sub-problem neighbourhoods on every worker, each thread with its own seed. No whole model
    is built, so there is no bound."""
    log = params.log_callback or (lambda _line: None)
    if shared.best is None:
        order = np.random.default_rng(params.seed).permutation(len(problem.employees))
        first = day_subproblem.construct(
            problem,
            order,
            lambda left, attempt: _first_solver(left, params.seed, attempt),
            deadline,
            shared.met,
            params.workers,
        )
        if first is not None:
            shared.offer(first, objective_of(problem, first))
    threads = [
        threading.Thread(
            target=_sub_search, args=(problem, shared, lns, deadline, params.seed + 1000 * w, log), daemon=True
        )
        for w in range(1, params.workers)
    ]
    for thread in threads:
        thread.start()
    _sub_search(problem, shared, lns, deadline, params.seed, log)
    shared.done.set()
    for thread in threads:
        thread.join()


def solve(problem: RosterProblem, params: SolveParams, lns: LnsParams = LnsParams()) -> RosterResult:
    """The bound search and the neighbourhood search within `params.time_limit_s` (seconds of wall
    clock from the call, building included). `params.hint`, if any, is offered as the first roster."""
    start = time.perf_counter()
    params = safe_params(problem, params)
    deadline = start + params.time_limit_s
    shared = _Shared(start, params.progress_callback)
    if params.hint is not None:
        shared.offer(np.asarray(params.hint), objective_of(problem, np.asarray(params.hint)))
    stop = params.stop
    if stop is not None:
        threading.Thread(target=_watch_stop, args=(stop, shared, deadline), daemon=True).start()
    if len(problem.employees) * problem.days >= lns.sub_from_employee_days:
        _solve_large(problem, params, lns, shared, deadline)
        return _result(shared, start, 0.0)
    run_states = params.run_states
    if run_states is None:
        run_states = run_states_pay(problem) and run_states_nodes(problem) <= lns.run_states_max_nodes
    plain = build_model(problem, run_states=False)
    whole = build_model(problem, run_states=True) if run_states else plain
    build_s = time.perf_counter() - start
    log = params.log_callback or (lambda _line: None)
    if params.workers >= 2:
        _opening(plain, shared, start + lns.first_share * params.time_limit_s, params.seed, params.workers, False)
        bounder = threading.Thread(
            target=_bound_then_search,
            args=(whole, plain, shared, lns, deadline, params, log),
            daemon=True,
        )
        bounder.start()
        _opening(plain, shared, deadline, params.seed, 1, True)
        _search(plain, shared, lns, deadline, params.seed, log)
        shared.done.set()
        bounder.join()
    else:
        share_end = start + lns.first_share * params.time_limit_s
        _bound_search(whole, shared, share_end - time.perf_counter(), 1, params.seed)
        _opening(plain, shared, deadline, params.seed, 1, True)
        _search(plain, shared, lns, deadline, params.seed, log)
    return _result(shared, start, build_s)


def _bound_then_search(
    whole: RosterModel,
    plain: RosterModel,
    shared: _Shared,
    lns: LnsParams,
    deadline: float,
    params: SolveParams,
    log: Callable,
) -> None:
    """The bound search on `workers - 1` workers while a proof looks within reach; once its bound has
    not risen for `bound_stall_share` of the limit while the best roster is more than `prove_gap`
    above it, those workers search neighbourhoods too, each with its own seed. On Curtois
    Instance12 the bound search raised the bound from 9 to 106 (optimum 4,040) in 45 s; on
    Instance5–6 it proves the optimum in 30 s, in steps up to 10 s apart, with the roster within
    0.5% of its bound (docs/schedule.md, "When the bound search gives up its core")."""
    stall = (lns.bound_stall_share * params.time_limit_s, lns.prove_gap)
    _bound_search(whole, shared, deadline - time.perf_counter(), params.workers - 1, params.seed, stall)
    if shared.met() or deadline - time.perf_counter() < 2 * lns.neighbourhood_s:
        return
    log(f"bound search stalled at {shared.bound}: its workers search neighbourhoods")
    seeds = [params.seed + 1000 * w for w in range(1, params.workers)]
    threads = [
        threading.Thread(target=_search, args=(plain, shared, lns, deadline, seed, log), daemon=True)
        for seed in seeds[1:]
    ]
    for thread in threads:
        thread.start()
    _search(plain, shared, lns, deadline, seeds[0], log)
    for thread in threads:
        thread.join()


def _watch_stop(stop: Callable[[], bool], shared: _Shared, deadline: float) -> None:
    while not shared.done.wait(0.1) and time.perf_counter() < deadline:
        if stop():
            shared.done.set()
            return


def _result(shared: _Shared, start: float, build_s: float) -> RosterResult:
    wall_s = time.perf_counter() - start
    best, bound = shared.best, shared.bound
    if best is None:
        status = "infeasible" if shared.infeasible else "unknown"
        return RosterResult(status, None, bound, None, wall_s, None, build_s)
    status = "optimal" if bound is not None and best.objective <= bound else "feasible"
    return RosterResult(status, best.objective, bound, best.assignment, wall_s, shared.first_s, build_s)
