"""Day-level rostering: assign each named employee at most one shift kind per day (CP-SAT).

Used twice: to solve the Curtois & Qu employee-scheduling benchmark (`benchmarks/curtois.py`), and as
the agent-assignment stage of wfm's scheduler (kinds such as "early 8h", cover = shift counts per day
and kind decided by the aggregate stage).

Formulation
-----------
Sets: employees e ∈ E, days d ∈ 0..D-1 (day 0 has weekday `first_weekday`, 0 = Monday), kinds k ∈ K;
history days -H..-1 before day 0 (fixed, per employee); weekends w = (Saturday, Sunday) pairs that
meet the horizon.

Parameters: minutes m_k; per employee the cap c_ek of kind k, total minutes [lo_e, hi_e], longest
working run M_e, shortest working run m_e, shortest day-off run o_e, at most W_e weekends, days off,
windows (day range, minutes range, shift cap); forbidden successions F ⊆ K × K; cover r_dk with
penalties u_dk per missing and v_dk per surplus employee; on/off requests with weights; extra
assignment costs a_edk.

Variables (only those that can be non-zero are built):
- x[e,d,k] ∈ {0,1}: e works kind k on day d; none where c_ek = 0, on days off, or where the last
  history day forbids k on day 0.
- y[e,d] ∈ {0,1}: e works on day d (= x itself when only one kind is possible that day).
- we[e,w] ∈ {0,1}: e works weekend w; linked both ways (y_sat ≤ we, y_sun ≤ we, we ≤ y_sat + y_sun).
  The implications y ≤ we are what make the LP relaxation strong (SCHEDULING_NOTES: without them
  the LP bound of Curtois Instance3 falls from 1000 to 0).
- under[d,k], over[d,k] ∈ ℕ: missing and surplus employees against the cover.

Objective (minimize): Σ u_dk·under + v_dk·over + Σ on-request weights not granted
+ Σ off-request weights violated + Σ a_edk·x.

Constraints (hard): Σ_k x[e,d,k] = y[e,d] ≤ 1; Σ_d x[e,d,k] ≤ c_ek; lo_e ≤ Σ m_k x ≤ hi_e; per window
minutes and shift cap; x[e,d,a] + Σ_{b:(a,b)∈F} x[e,d+1,b] ≤ 1; every M_e+1 consecutive days hold a day
off (history days count); runs of work shorter than m_e and runs of days off shorter than o_e are
forbidden by clauses y[s-1] ∨ ¬y[s] ∨ y[s+L] (resp. negated), L < m_e, when the run lies strictly
inside the known days (see `Employee`); Σ_w we[e,w] ≤ W_e.

Run-state flow (optional, `build_model(run_states=True)`): per employee a layered graph whose nodes
state[e,d,q,c] are (run state q, weekends worked so far c) on day d, one unit of flow through it, and
Σ_{q working} state = y. It encodes the run and weekend rules exactly, so it replaces the clause
families and weekend literals for that employee; its LP is the convex hull of the employee's legal
day patterns, which lifts the root bound of Curtois Instance4 from 1261 to 1715 (optimum 1716).

Run semantics at the edges (as in benchmarks/curtois/README.md): the maximum applies to every run; a
minimum applies only to a run whose day before is known (day 0 without history is not) and whose day
after is a horizon day, so a run touching the last day is exempt, a run touching day 0 is exempt only
when `history` is empty, and runs continuing from history are measured including the history days.
A run that lies wholly in history is the past's business and is never checked.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

OFF = -1
"""Assignment value of a day off."""

SATURDAY = 5

Lit = cp_model.IntVar | bool
"""A literal or a known constant (days off, history days)."""


# ---------------------------------------------------------------------------------------------------
# Problem and result types
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftKind:
    """A kind of shift worked on one day; `minutes` is its paid length."""

    name: str
    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError(f"shift kind {self.name!r}: minutes must be ≥ 0, got {self.minutes}")


@dataclass(frozen=True)
class Window:
    """An extra limit over days first_day..last_day (inclusive), e.g. one calendar week."""

    first_day: int
    last_day: int
    min_minutes: int
    max_minutes: int
    max_shifts: int

    def __post_init__(self) -> None:
        if not 0 <= self.first_day <= self.last_day:
            raise ValueError(f"window days {self.first_day}..{self.last_day}: need 0 ≤ first ≤ last")
        if not 0 <= self.min_minutes <= self.max_minutes:
            raise ValueError(f"window minutes [{self.min_minutes}, {self.max_minutes}] are not a range")
        if self.max_shifts < 0:
            raise ValueError(f"window max_shifts must be ≥ 0, got {self.max_shifts}")


@dataclass(frozen=True)
class Employee:
    """One employee's contract over the horizon.

    `max_shifts[k]` caps kind k (0: cannot work it); minutes are totals over the horizon;
    `max_consecutive` / `min_consecutive` bound runs of working days and `min_consecutive_off`
    runs of days off (0 or 1 = no minimum); `max_weekends` counts Saturday/Sunday pairs with either
    day worked. `history` lists the kind worked on each day before day 0, oldest first (-1 = off).
    `max_final_run` (None: no limit beyond `max_consecutive`) caps the run of working days that
    reaches the last day, history included, so that the days the next period needs can follow it.
    `fixed_work` days are worked by a shift decided outside the model (a locked shift): no kind is
    assigned there (list them in `days_off` too), but the runs and weekends count them as worked.
    """

    name: str
    max_shifts: tuple[int, ...]
    min_minutes: int
    max_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_consecutive_off: int
    max_weekends: int
    days_off: frozenset[int] = frozenset()
    windows: tuple[Window, ...] = ()
    history: tuple[int, ...] = ()
    max_final_run: int | None = None
    fixed_work: frozenset[int] = frozenset()  # days worked outside the model (locked): no kind, but worked

    def __post_init__(self) -> None:
        where = f"employee {self.name!r}"
        if any(c < 0 for c in self.max_shifts):
            raise ValueError(f"{where}: max_shifts must be ≥ 0")
        if not 0 <= self.min_minutes <= self.max_minutes:
            raise ValueError(f"{where}: minutes [{self.min_minutes}, {self.max_minutes}] are not a range")
        if (
            min(
                self.max_consecutive,
                self.min_consecutive,
                self.min_consecutive_off,
                self.max_weekends,
                0 if self.max_final_run is None else self.max_final_run,
            )
            < 0
        ):
            raise ValueError(f"{where}: run and weekend limits must be ≥ 0")
        if any(d < 0 for d in self.days_off):
            raise ValueError(f"{where}: days_off must be ≥ 0")
        if any(k < OFF for k in self.history):
            raise ValueError(f"{where}: history values are kind indices or -1")


def _frozen_int_array(value: object, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.array(value, dtype=np.int64)
    if array.shape != shape:
        raise ValueError(f"{name} has shape {array.shape}, expected {shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class RosterProblem:
    """A rostering instance; arrays are copied to read-only int64 arrays on construction."""

    days: int
    first_weekday: int
    kinds: tuple[ShiftKind, ...]
    employees: tuple[Employee, ...]
    forbidden_successions: frozenset[tuple[int, int]]
    cover: np.ndarray
    under_weight: np.ndarray
    over_weight: np.ndarray
    on_requests: tuple[tuple[int, int, int, int], ...] = ()
    off_requests: tuple[tuple[int, int, int, int], ...] = ()
    assign_cost: np.ndarray | None = None
    allowed: np.ndarray | None = None  # bool (employees, days, kinds): False forbids that assignment

    def __post_init__(self) -> None:
        D, K, E = self.days, len(self.kinds), len(self.employees)
        if D < 1 or K < 1:
            raise ValueError(f"need at least one day and one kind, got {D} days and {K} kinds")
        if not 0 <= self.first_weekday <= 6:
            raise ValueError(f"first_weekday must be in 0..6 (0 = Monday), got {self.first_weekday}")
        for name in ("cover", "under_weight", "over_weight"):
            array = _frozen_int_array(getattr(self, name), (D, K), name)
            if (array < 0).any():
                raise ValueError(f"{name} must be ≥ 0")
            object.__setattr__(self, name, array)
        if self.assign_cost is not None:
            cost = _frozen_int_array(self.assign_cost, (E, D, K), "assign_cost")
            if (cost < 0).any():
                raise ValueError("assign_cost must be ≥ 0")
            object.__setattr__(self, "assign_cost", cost)
        if self.allowed is not None:
            allowed = np.array(self.allowed, dtype=bool)
            if allowed.shape != (E, D, K):
                raise ValueError(f"allowed has shape {allowed.shape}, expected {(E, D, K)}")
            allowed.setflags(write=False)
            object.__setattr__(self, "allowed", allowed)
        for a, b in self.forbidden_successions:
            if not (0 <= a < K and 0 <= b < K):
                raise ValueError(f"forbidden succession ({a}, {b}) names a kind outside 0..{K - 1}")
        for emp in self.employees:
            if len(emp.max_shifts) != K:
                raise ValueError(f"employee {emp.name!r}: max_shifts needs {K} values, one per kind")
            if any(k >= K for k in emp.history):
                raise ValueError(f"employee {emp.name!r}: history names a kind outside 0..{K - 1}")
            if any(w.last_day >= D for w in emp.windows):
                raise ValueError(f"employee {emp.name!r}: a window ends after day {D - 1}")
        for label, requests in (("on", self.on_requests), ("off", self.off_requests)):
            for e, d, k, weight in requests:
                if not (0 <= e < E and 0 <= d < D and 0 <= k < K and weight >= 0):
                    raise ValueError(f"{label} request {(e, d, k, weight)} is out of range")

    @property
    def history_days(self) -> int:
        """Length of the longest employee history (days before day 0)."""
        return max((len(emp.history) for emp in self.employees), default=0)

    def weekends(self) -> list[tuple[int, ...]]:
        """The horizon days of each weekend meeting the horizon (a partial one at an edge has one day)."""
        saturday0 = (SATURDAY - self.first_weekday) % 7 - 7  # may be day -1 (Sunday is day 0)
        weekends = []
        for sat in range(saturday0, self.days, 7):
            days = tuple(d for d in (sat, sat + 1) if 0 <= d < self.days)
            if days:
                weekends.append(days)
        return weekends


@dataclass(frozen=True, eq=False)
class SolveParams:
    """CP-SAT settings (times in seconds).

    `lp_heavy` makes the full workers CP-SAT's LP-heavy ones (`LP_HEAVY_SUBSOLVERS`; with 2 workers
    `max_lp` beside feasibility jump and LNS); False keeps CP-SAT's default portfolio, whose bounds
    are much weaker (SCHEDULING_NOTES.md). `run_states` adds the run-state flow (`_add_run_states`):
    True, False, or None = `run_states_pay(problem)`. `hint` is a full roster (employees × days,
    kind index or -1) handed to CP-SAT as its first solution (see `safe_params`). `stop` is asked every
    `STOP_POLL_S` while CP-SAT runs; once True, the search ends with the best roster so far.
    """

    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    deterministic_time: float | None = None
    hint: np.ndarray | None = None
    lp_heavy: bool = True
    log_callback: Callable[[str], None] | None = None
    progress_callback: Callable[[float, int, int], None] | None = None
    run_states: bool | None = None
    stop: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0 or self.workers < 1:
            raise ValueError("time_limit_s must be > 0 and workers ≥ 1")


@dataclass(frozen=True, eq=False)
class RosterResult:
    """Outcome of `solve`; `assignment[e, d]` is a kind index or -1 (off)."""

    status: str
    objective: int | None
    bound: int | None
    assignment: np.ndarray | None
    wall_s: float
    first_feasible_s: float | None
    build_s: float = 0.0


# ---------------------------------------------------------------------------------------------------
# Model building
# ---------------------------------------------------------------------------------------------------


@dataclass
class RosterModel:
    """A built CP-SAT model and its variables, keyed by (employee, day, kind) indices."""

    problem: RosterProblem
    model: cp_model.CpModel
    x: list[cp_model.IntVar]
    x_index: np.ndarray  # (E, D, K) position in `x`, -1 where no variable exists
    x_coords: np.ndarray  # (len(x), 3) the (e, d, k) of each x, sorted by e, then d, then k
    works: list[list[Lit]]  # works[e][d]: y[e,d] literal or False
    y: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # y built apart from x
    weekend: dict[tuple[int, int], Lit] = field(default_factory=dict)
    under: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    over: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    objective_offset: int = 0
    automata: dict[int, RunAutomaton] = field(default_factory=dict)  # run-state flow (optional)
    states: dict[int, dict[tuple[int, int, int], cp_model.IntVar]] = field(default_factory=dict)  # [e][d,q,c]
    moves: dict[int, dict[tuple[int, int, int, int], cp_model.IntVar]] = field(default_factory=dict)  # [e][d,q,c,j]

    def day(self, e: int, t: int) -> Lit:
        """Whether employee e works on day t; t < 0 reads history (unknown history days are off)."""
        if t >= 0:
            return self.works[e][t]
        history = self.problem.employees[e].history
        return -t <= len(history) and history[t] != OFF


class _Objective:
    """Collects penalty terms from the rule families; assembled once into the model."""

    def __init__(self) -> None:
        self.vars: list[cp_model.IntVar] = []
        self.coeffs: list[int] = []
        self.offset = 0

    def add(self, variables: Sequence[cp_model.IntVar], coeffs: Sequence[int]) -> None:
        self.vars.extend(variables)
        self.coeffs.extend(int(c) for c in coeffs)


def _negate(lit: Lit) -> Lit:
    return (not lit) if isinstance(lit, bool) else ~lit


def _add_clause(model: cp_model.CpModel, lits: Sequence[Lit]) -> None:
    """Add the clause over literals and constants: skip it if a constant is true."""
    if any(lit is True for lit in lits):
        return
    model.add_bool_or([lit for lit in lits if lit is not False])  # empty clause = infeasible


def allowed_mask(problem: RosterProblem) -> np.ndarray:
    """(E, D, K) mask of assignments that no hard rule excludes on its own."""
    E, D, K = len(problem.employees), problem.days, len(problem.kinds)
    caps = np.array([emp.max_shifts for emp in problem.employees], dtype=np.int64).reshape(E, K)
    allowed = np.broadcast_to(caps[:, None, :] > 0, (E, D, K)).copy()
    if problem.allowed is not None:
        allowed &= problem.allowed
    for e, emp in enumerate(problem.employees):
        off = [d for d in emp.days_off if d < D]
        allowed[e, off, :] = False
        if emp.history and emp.history[-1] != OFF:
            banned = [b for a, b in problem.forbidden_successions if a == emp.history[-1]]
            allowed[e, 0, banned] = False
    return allowed


def _add_assignment_vars(problem: RosterProblem, model: cp_model.CpModel) -> RosterModel:
    """x[e,d,k] for allowed triples, y[e,d] = Σ_k x[e,d,k] (one shift per day)."""
    allowed = allowed_mask(problem)
    E, D, _ = allowed.shape
    coords = np.argwhere(allowed)
    x = [model.new_bool_var(f"x[{e},{d},{k}]") for e, d, k in coords.tolist()]
    x_index = np.full(allowed.shape, -1, dtype=np.int64)
    x_index[allowed] = np.arange(len(x))
    works: list[list[Lit]] = [[False] * D for _ in range(E)]
    rm = RosterModel(problem=problem, model=model, x=x, x_index=x_index, x_coords=coords, works=works)
    # positions of (e, d) groups: coords are in C order, so each (e, d) is a contiguous slice
    ed = coords[:, 0] * D + coords[:, 1]
    starts = np.searchsorted(ed, np.arange(E * D))
    ends = np.searchsorted(ed, np.arange(E * D), side="right")
    for flat in np.flatnonzero(ends > starts).tolist():
        e, d = divmod(flat, D)
        lo, hi = int(starts[flat]), int(ends[flat])
        if hi - lo == 1:
            works[e][d] = x[lo]
        else:
            y = model.new_bool_var(f"y[{e},{d}]")
            model.add_exactly_one([*x[lo:hi], ~y])
            works[e][d] = rm.y[e, d] = y
    for e, emp in enumerate(problem.employees):
        for d in emp.fixed_work:
            if d < D:
                works[e][d] = True
    return rm


def _x_of(rm: RosterModel, e: int, d: int | slice, k: int | slice) -> list[cp_model.IntVar]:
    positions = np.atleast_1d(rm.x_index[e, d, k]).ravel()
    return [rm.x[p] for p in positions[positions >= 0].tolist()]


def _add_kind_caps(rm: RosterModel) -> None:
    """Σ_d x[e,d,k] ≤ max_shifts[e][k], only where the cap can bind."""
    model, problem = rm.model, rm.problem
    possible = (rm.x_index >= 0).sum(axis=1)  # (E, K)
    for e, emp in enumerate(problem.employees):
        for k, cap in enumerate(emp.max_shifts):
            if 0 < cap < possible[e, k]:
                model.add(sum(_x_of(rm, e, slice(None), k)) <= cap).with_name(f"max_shifts[{e},{k}]")


def _add_minutes(rm: RosterModel) -> None:
    """Total minutes over the horizon and per window, and the shift cap per window."""
    model, problem = rm.model, rm.problem
    minutes = np.array([kind.minutes for kind in problem.kinds], dtype=np.int64)[rm.x_coords[:, 2]]
    days = rm.x_coords[:, 1]
    bounds = np.searchsorted(rm.x_coords[:, 0], np.arange(len(problem.employees) + 1))
    for e, emp in enumerate(problem.employees):
        lo_e, hi_e = int(bounds[e]), int(bounds[e + 1])
        spans = [(0, problem.days - 1, emp.min_minutes, emp.max_minutes, None, f"minutes[{e}]")]
        spans += [
            (w.first_day, w.last_day, w.min_minutes, w.max_minutes, w.max_shifts, f"window[{e},{i}]")
            for i, w in enumerate(emp.windows)
        ]
        for first, last, lo, hi, max_shifts, name in spans:
            inside = np.flatnonzero((days[lo_e:hi_e] >= first) & (days[lo_e:hi_e] <= last)) + lo_e
            coeffs = minutes[inside]
            if lo > 0 or hi < int(coeffs.sum()):  # the sum cannot exceed the sum of its coefficients
                expr = cp_model.LinearExpr.weighted_sum([rm.x[p] for p in inside.tolist()], coeffs.tolist())
                model.add_linear_constraint(expr, lo, hi).with_name(name)
            if max_shifts is not None:
                worked = [y for y in rm.works[e][first : last + 1] if y is not False]
                if max_shifts < len(worked):
                    model.add(sum(worked) <= max_shifts).with_name(f"{name}.shifts")


def _add_successions(rm: RosterModel) -> None:
    """x[e,d,a] + Σ_{b:(a,b)∈F} x[e,d+1,b] ≤ 1 (a clique: at most one shift on day d+1)."""
    model, problem = rm.model, rm.problem
    followers: dict[int, list[int]] = {}
    for a, b in sorted(problem.forbidden_successions):
        followers.setdefault(a, []).append(b)
    for a, bs in followers.items():
        today = rm.x_index[:, :-1, a]
        tomorrow = rm.x_index[:, 1:, bs]  # (E, D-1, |bs|)
        live = (today >= 0) & (tomorrow >= 0).any(axis=2)
        for e, d in np.argwhere(live).tolist():
            following = [rm.x[p] for p in tomorrow[e, d][tomorrow[e, d] >= 0].tolist()]
            model.add_at_most_one([rm.x[today[e, d]], *following])


def _without_flow(rm: RosterModel) -> Iterator[tuple[int, Employee]]:
    """Employees whose run and weekend rules are not already enforced by the run-state flow.

    The flow implies those rules exactly, and keeping the clause families beside it makes CP-SAT's
    LP larger and measurably slower (Curtois Instance6: the root bound took 2–3 times longer).
    """
    return ((e, emp) for e, emp in enumerate(rm.problem.employees) if e not in rm.automata)


def _add_max_consecutive(rm: RosterModel) -> None:
    """Every max_consecutive + 1 consecutive days (history included) hold at least one day off."""
    for e, emp in _without_flow(rm):
        span = emp.max_consecutive + 1
        for start in range(max(-len(emp.history), 1 - span), rm.problem.days - span + 1):
            _add_day_off_within(rm, e, start, span, f"max_consecutive[{e},{start}]")


def _add_final_runs(rm: RosterModel) -> None:
    """The last max_final_run + 1 days (history included) hold at least one day off."""
    for e, emp in enumerate(rm.problem.employees):
        if emp.max_final_run is not None:
            span = emp.max_final_run + 1
            _add_day_off_within(rm, e, rm.problem.days - span, span, f"max_final_run[{e}]")


def _add_day_off_within(rm: RosterModel, e: int, start: int, span: int, name: str) -> None:
    """Employee e has a day off among days start..start + span - 1 (history days are constants)."""
    window = [rm.day(e, t) for t in range(start, start + span)]
    if any(lit is False for lit in window):
        return
    variables = [lit for lit in window if lit is not True]
    limit = len(variables) - 1
    if limit < 0:
        _add_clause(rm.model, [])  # history alone already breaks the rule
    else:
        rm.model.add(sum(variables) <= limit).with_name(name)


def _add_min_runs(rm: RosterModel) -> None:
    """Forbid runs of work (days off) shorter than min_consecutive (min_consecutive_off).

    A run starting on day s that is over by day s + L (L < minimum) is excluded by the clause
    y[s-1] ∨ ¬y[s] ∨ y[s+L] (its negation for days off): it dominates the full pattern clause and is
    stronger in the LP. Middle days still in history stay in the clause (they are constants), so a
    clause never speaks about a run that ended inside the history.
    """
    for e, emp in _without_flow(rm):
        _add_min_run(rm, e, emp.min_consecutive, True)
        _add_min_run(rm, e, emp.min_consecutive_off, False)


def _add_min_run(rm: RosterModel, e: int, minimum: int, working: bool) -> None:
    """The clauses of `_add_min_runs` for one employee and one kind of run."""
    D, H = rm.problem.days, len(rm.problem.employees[e].history)

    def on(t: int) -> Lit:
        lit = rm.day(e, t)
        return lit if working else _negate(lit)

    for s in range(-H + 1 if H else 1, D - 1):
        for length in range(1, minimum):
            after = s + length
            if after > D - 1:
                break
            if after >= 0:
                middle = [_negate(on(t)) for t in range(s + 1, min(after, 0))]
                _add_clause(rm.model, [on(s - 1), _negate(on(s)), *middle, on(after)])


@dataclass(frozen=True)
class RunAutomaton:
    """An employee's run state and weekends worked so far, and the allowed day-to-day moves.

    Run states: W1..WM (day ℓ of a working run), X1..X(m-1) (day ℓ of a working run that touches the
    first known day, so free of the minimum), O1..Oo (Oo = "at least o days off") and OX (days off
    since the first known day). Every state may end the horizon. The weekend count c is kept only
    when max_weekends can bind (`cap` is None otherwise); a state (q, c) with c > cap is never built.
    """

    working: tuple[bool, ...]
    moves: tuple[tuple[int, ...], ...]  # moves[q]: run states allowed the day after q
    initial: tuple[int, ...]  # run states allowed on day 0
    weekday: tuple[int, ...]  # weekday of each horizon day
    cap: int | None

    @staticmethod
    def of(problem: RosterProblem, emp: Employee) -> RunAutomaton:
        M, m, o = emp.max_consecutive, max(emp.min_consecutive, 1), max(emp.min_consecutive_off, 1)
        names = [("W", n) for n in range(1, M + 1)] + [("X", n) for n in range(1, min(m - 1, M) + 1)]
        names += [("O", n) for n in range(1, o + 1)] + [("OX", 0)]
        index = {name: i for i, name in enumerate(names)}
        moves: list[list[int]] = [[] for _ in names]
        for (tag, n), i in index.items():
            if tag in ("W", "X") and n < M:
                moves[i].append(index["X" if tag == "X" and n + 1 < m else "W", n + 1])
            if (tag == "W" and n >= m) or tag == "X":
                moves[i].append(index["O", 1])
            if tag == "O":
                moves[i].append(index["O", min(n + 1, o)])
            if tag == "OX":
                moves[i].append(i)
            if (tag == "O" and n >= o) or tag == "OX":
                moves[i].append(index["W", 1])
        if not emp.history:
            initial = [index["X", 1] if m > 1 else index["W", 1], index["OX", 0]]
        else:  # day 0 continues or ends the history's last run of n days (exempt if it starts history)
            first, last, worked = _runs(np.array(emp.history) != OFF)[-1]
            n, exempt = last - first + 1, first == 0
            if worked:
                initial = [index["X" if exempt and n + 1 < m else "W", n + 1]] if n < M else []
                initial += [index["O", 1]] if exempt or n >= m else []
            else:
                initial = [index["OX", 0] if exempt else index["O", min(n + 1, o)]]
                initial += [index["W", 1]] if exempt or n >= o else []
        weekday = tuple(((problem.first_weekday + np.arange(problem.days)) % 7).tolist())
        cap = emp.max_weekends if emp.max_weekends < len(problem.weekends()) else None
        return RunAutomaton(
            working=tuple(tag in ("W", "X") for tag, _ in names),
            moves=tuple(tuple(targets) for targets in moves),
            initial=tuple(initial),
            weekday=weekday,
            cap=cap,
        )

    def gain(self, d: int, before: int | None, q: int) -> int:
        """Weekends that start being worked when state q is entered on day d from state `before`."""
        if self.cap is None or not self.working[q]:
            return 0
        saturday = self.weekday[d] == SATURDAY
        sunday_alone = self.weekday[d] == SATURDAY + 1 and (before is None or not self.working[before])
        return int(saturday or sunday_alone)

    def path(self, worked: np.ndarray) -> list[tuple[int, int]] | None:
        """The (state, weekend count) of each day of a work/off sequence; None if it breaks a rule."""
        q = next((i for i in self.initial if self.working[i] == worked[0]), None)
        if q is None:
            return None
        path = [(q, self.gain(0, None, q))]
        for d in range(1, len(worked)):
            before, c = path[-1]
            q = next((j for j in self.moves[before] if self.working[j] == worked[d]), None)
            if q is None:
                return None
            path.append((q, c + self.gain(d, before, q)))
        if self.cap is not None and path[-1][1] > self.cap:
            return None
        return path


def _add_run_states(rm: RosterModel) -> None:
    """Flow formulation of the run and weekend rules, one layered graph per employee.

    Node state[e,d,q,c] says that on day d employee e is in run state q with c weekends worked so far
    (see `RunAutomaton`); one unit of flow crosses the days along allowed moves, and
    Σ_{q working} state[e,d,q,c] = y[e,d]. Its LP relaxation is the convex hull of the day patterns
    that obey these rules, so the LP no longer mixes fractional runs with half-worked weekends: on
    Curtois Instance4 the root LP rises from 1261 to 1715 (optimum 1716). It replaces the clause
    families for the employees it covers (`_without_flow`).
    """
    model, problem = rm.model, rm.problem
    for e, emp in enumerate(problem.employees):
        if emp.max_consecutive == 0:
            continue
        auto = rm.automata[e] = RunAutomaton.of(problem, emp)
        states: dict[tuple[int, int, int], cp_model.IntVar] = rm.states.setdefault(e, {})
        moves: dict[tuple[int, int, int, int], cp_model.IntVar] = rm.moves.setdefault(e, {})
        frontier = {(q, auto.gain(0, None, q)) for q in auto.initial}
        layers: list[list[tuple[int, int]]] = []
        for d in range(problem.days):
            can_work = rm.works[e][d] is not False
            layer = sorted(
                (q, c) for q, c in frontier if (can_work or not auto.working[q]) and (auto.cap is None or c <= auto.cap)
            )
            layers.append(layer)
            for q, c in layer:
                states[d, q, c] = model.new_bool_var(f"state[{e},{d},{q},{c}]")
            nodes = [states[d, q, c] for q, c in layer]
            model.add_exactly_one(nodes)
            if can_work:
                on = [v for (q, _), v in zip(layer, nodes, strict=True) if auto.working[q]]
                model.add(sum(on) == rm.works[e][d])
            frontier = (
                {(j, c + auto.gain(d + 1, q, j)) for q, c in layer for j in auto.moves[q]}
                if d + 1 < problem.days
                else set()
            )
        for d in range(problem.days - 1):
            into: dict[tuple[int, int], list[cp_model.IntVar]] = {node: [] for node in layers[d + 1]}
            for q, c in layers[d]:
                out = []
                for j in auto.moves[q]:
                    target = (j, c + auto.gain(d + 1, q, j))
                    if target in into:
                        arc = moves[d, q, c, j] = model.new_bool_var(f"move[{e},{d},{q},{c},{j}]")
                        out.append(arc)
                        into[target].append(arc)
                model.add(sum(out) == states[d, q, c])
            for (q, c), arcs in into.items():
                model.add(sum(arcs) == states[d + 1, q, c])


def _add_weekends(rm: RosterModel) -> None:
    """we[e,w] ⇔ (Saturday worked ∨ Sunday worked), Σ_w we[e,w] ≤ max_weekends."""
    model, problem = rm.model, rm.problem
    weekends = problem.weekends()
    for e, emp in _without_flow(rm):
        worked: list[Lit] = []
        for w, days in enumerate(weekends):
            lits = [rm.works[e][d] for d in days if rm.works[e][d] is not False]
            if not lits:
                continue
            if len(lits) == 1:
                worked.append(lits[0])
                continue
            we = model.new_bool_var(f"weekend[{e},{w}]")
            for lit in lits:
                model.add_implication(lit, we)
            model.add_bool_or([~we, *lits])
            rm.weekend[e, w] = we
            worked.append(we)
        if emp.max_weekends < len(worked):
            model.add(sum(worked) <= emp.max_weekends).with_name(f"max_weekends[{e}]")


def _cover_terms(rm: RosterModel, objective: _Objective) -> None:
    """under_w·max(0, cover − count) + over_w·max(0, count − cover) per (d, k), count = Σ_e x[e,d,k].

    Linear where only one side can be positive: with n employees able to work (d, k) and
    cover ≥ n there is never a surplus, so the term is under_w·(cover − count); with cover = 0 it
    is over_w·count. Elsewhere under[d,k] ≥ cover − count and over[d,k] ≥ count − cover are
    variables. A sub-problem of a few employees (`day_subproblem`) is almost all linear terms: one
    employee of Curtois Instance24 (364 days × 32 kinds) built its 11,648 cover terms in 0.2 s of
    its 0.36 s build with a variable each."""
    problem = rm.problem
    n = (rm.x_index >= 0).sum(axis=0)  # (D, K) employees able to work (d, k)
    cover = np.asarray(problem.cover, dtype=np.int64)
    under_w = np.asarray(problem.under_weight, dtype=np.int64)
    over_w = np.asarray(problem.over_weight, dtype=np.int64)
    under_on = (under_w > 0) & (cover > 0)
    over_on = (over_w > 0) & (n > cover)
    only_under = under_on & (cover >= n)
    only_over = over_on & (cover == 0)
    objective.offset += int((under_w * cover)[only_under].sum())
    slope = np.where(only_under, -under_w, 0) + np.where(only_over, over_w, 0)  # (D, K) per employee
    per_x = slope[rm.x_coords[:, 1], rm.x_coords[:, 2]]  # x_coords is (0, 3) when there is no x
    linear = np.flatnonzero(per_x)
    objective.add([rm.x[p] for p in linear.tolist()], per_x[linear].tolist())
    model = rm.model
    for d, k in np.argwhere((under_on & ~only_under) | (over_on & ~only_over)).tolist():
        staff = _x_of(rm, slice(None), d, k)
        count = cp_model.LinearExpr.sum(staff)
        c = int(cover[d, k])
        if under_on[d, k]:
            under = model.new_int_var(max(0, c - len(staff)), c, f"under[{d},{k}]")
            model.add(count + under >= c)
            rm.under[d, k] = under
            objective.add([under], [int(under_w[d, k])])
        if over_on[d, k]:
            over = model.new_int_var(0, len(staff) - c, f"over[{d},{k}]")
            model.add(count - over <= c)
            rm.over[d, k] = over
            objective.add([over], [int(over_w[d, k])])


def _request_terms(rm: RosterModel, objective: _Objective) -> None:
    """On request: weight·(1 − x); off request: weight·x; impossible assignments are constants."""
    for e, d, k, weight in rm.problem.on_requests:
        objective.offset += weight
        if (p := rm.x_index[e, d, k]) >= 0:
            objective.add([rm.x[p]], [-weight])
    for e, d, k, weight in rm.problem.off_requests:
        if (p := rm.x_index[e, d, k]) >= 0:
            objective.add([rm.x[p]], [weight])


def _assign_cost_terms(rm: RosterModel, objective: _Objective) -> None:
    """Σ a[e,d,k]·x[e,d,k] over the non-zero costs."""
    if rm.problem.assign_cost is None:
        return
    mask = (rm.x_index >= 0) & (rm.problem.assign_cost > 0)
    objective.add([rm.x[p] for p in rm.x_index[mask].tolist()], rm.problem.assign_cost[mask].tolist())


def build_model(problem: RosterProblem, *, run_states: bool = False) -> RosterModel:
    """Build the CP-SAT model of `problem` (see the module docstring for the formulation)."""
    rm = _add_assignment_vars(problem, cp_model.CpModel())
    if run_states:
        _add_run_states(rm)
    _add_kind_caps(rm)
    _add_minutes(rm)
    _add_successions(rm)
    _add_max_consecutive(rm)
    _add_final_runs(rm)
    _add_min_runs(rm)
    _add_weekends(rm)
    objective = _Objective()
    _cover_terms(rm, objective)
    _request_terms(rm, objective)
    _assign_cost_terms(rm, objective)
    rm.objective_offset = objective.offset
    rm.model.minimize(cp_model.LinearExpr.weighted_sum(objective.vars, objective.coeffs) + objective.offset)
    return rm


# ---------------------------------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------------------------------

ROOT_LP_ITERATIONS = 20_000
STOP_POLL_S = 0.1  # seconds between two looks at `SolveParams.stop` while CP-SAT runs

LP_HEAVY_SUBSOLVERS = ("max_lp", "objective_lb_search", "core", "default_lp", "quick_restart")
"""Full-problem workers used when `lp_heavy`, in priority order. CP-SAT gives full workers only part
of the threads (one of two; the other runs feasibility jump and LNS, which find the first rosters),
so with 2 workers only `max_lp` runs: the worker that keeps the full LP, the source of the bound.
Three seeds on Curtois Instance5/6 solved 5 of 6 runs to optimum in 60 s this way against 3 of 6
with `objective_lb_search` as a second full worker (which leaves no thread to first solutions)."""


def _interleaved(params: SolveParams) -> bool:
    """Deterministic runs with several workers interleave them: same answer for the same seed."""
    return params.deterministic_time is not None and params.workers > 1


def safe_params(problem: RosterProblem, params: SolveParams) -> SolveParams:
    """`params`, or one worker when an interleaved search would get a hint that breaks a rule.

    OR-Tools 9.15 aborts the whole process there (`Check failed: heuristics.fixed_search !=
    nullptr`): a week of a 1,000-agent 24x7 month whose class could keep no roster did so,
    reproducibly, and solved as 'infeasible' in 0.7 s unhinted, not interleaved or with one worker.
    One worker keeps both the hint and a deterministic answer."""
    if params.hint is not None and _interleaved(params) and evaluate(problem, params.hint)[1]:
        return dataclasses.replace(params, workers=1)
    return params


def _solver_parameters(params: SolveParams) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = params.time_limit_s
    p.num_workers = params.workers
    p.random_seed = params.seed
    if params.deterministic_time is not None:
        p.max_deterministic_time = params.deterministic_time
        p.interleave_search = _interleaved(params)
    if params.lp_heavy:
        p.subsolvers.extend(LP_HEAVY_SUBSOLVERS[: params.workers])
        # the run-state flow's root LP needs more simplex iterations than the default 2,000 per
        # call; with them its root bound came 3 times sooner on Curtois Instance5 (4.6 s vs 15.5 s)
        p.root_lp_iterations = ROOT_LP_ITERATIONS
    if params.log_callback is not None:
        p.log_search_progress = True
        p.log_to_stdout = False
        solver.log_callback = params.log_callback
    return solver


def _add_hint(rm: RosterModel, hint: np.ndarray) -> None:
    """Hint every variable from a full assignment (kinds it cannot work are ignored)."""
    problem = rm.problem
    E, D, K = rm.x_index.shape
    hint = np.asarray(hint)
    if hint.shape != (E, D):
        raise ValueError(f"hint has shape {hint.shape}, expected {(E, D)}")
    chosen = hint[:, :, None] == np.arange(K)
    mask = rm.x_index >= 0
    for p, value in zip(rm.x_index[mask].tolist(), chosen[mask].tolist(), strict=True):
        rm.model.add_hint(rm.x[p], value)
    worked = chosen & mask
    works = worked.any(axis=2)
    for (e, d), y in rm.y.items():
        rm.model.add_hint(y, bool(works[e, d]))
    weekends = problem.weekends()
    for (e, w), we in rm.weekend.items():
        rm.model.add_hint(we, bool(works[e, list(weekends[w])].any()))
    for e, auto in rm.automata.items():
        path = auto.path(works[e])
        if path is None:
            continue  # the hint breaks a run rule: leave this employee's states to the solver
        for (d, q, c), var in rm.states[e].items():
            rm.model.add_hint(var, path[d] == (q, c))
        for (d, q, c, j), var in rm.moves[e].items():
            rm.model.add_hint(var, path[d] == (q, c) and path[d + 1][0] == j)
    counts = worked.sum(axis=0)  # (D, K)
    for (d, k), var in rm.under.items():
        rm.model.add_hint(var, max(0, int(problem.cover[d, k] - counts[d, k])))
    for (d, k), var in rm.over.items():
        rm.model.add_hint(var, max(0, int(counts[d, k] - problem.cover[d, k])))


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records when the first solution arrives and reports each new one."""

    def __init__(self, start: float, report: Callable[[float, int, int], None] | None) -> None:
        super().__init__()
        self.start = start
        self.report = report
        self.first_s: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.start
        if self.first_s is None:
            self.first_s = elapsed
        if self.report is not None:
            self.report(elapsed, round(self.objective_value), math.ceil(self.best_objective_bound - 1e-6))


_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
    cp_model.MODEL_INVALID: "invalid",
}


RUN_STATES_AUTO_MAX_NODES = 100_000
"""`run_states=None` adds the run-state flow only below this estimated node count."""


def run_states_pay(problem: RosterProblem) -> bool:
    """Whether the run-state flow is worth building: some employee may work some weekends but not all.

    The flow's measured gain comes from runs and weekend limits together (Curtois Instance5 root LP:
    712 plain, 904 with runs alone, 1138 with both, optimum 1143); without a binding weekend limit it
    mostly costs LP time. Large instances stay plain (`RUN_STATES_AUTO_MAX_NODES`).
    """
    weekends = len(problem.weekends())
    binding = any(0 < emp.max_weekends < weekends for emp in problem.employees)
    return binding and run_states_nodes(problem) <= RUN_STATES_AUTO_MAX_NODES


def run_states_nodes(problem: RosterProblem) -> int:
    """Upper estimate of the run-state flow's nodes (days × run states × weekend counts)."""
    weekends = len(problem.weekends())
    total = 0
    for emp in problem.employees:
        states = emp.max_consecutive + max(emp.min_consecutive - 1, 0) + max(emp.min_consecutive_off, 1) + 1
        counts = emp.max_weekends + 1 if emp.max_weekends < weekends else 1
        total += problem.days * states * counts
    return total


def assignment_of(rm: RosterModel, x_values: np.ndarray) -> np.ndarray:
    """The (employees, days) roster, kind index or `OFF`, of the values of `rm.x` in their order."""
    chosen = np.zeros(rm.x_index.shape, dtype=bool)
    chosen[rm.x_index >= 0] = np.asarray(x_values) == 1
    return np.where(chosen.any(axis=2), chosen.argmax(axis=2), OFF)


def solve(problem: RosterProblem, params: SolveParams) -> RosterResult:
    """Build and solve `problem`; times in seconds of wall clock from the call, building included."""
    start = time.perf_counter()
    params = safe_params(problem, params)
    run_states = params.run_states if params.run_states is not None else run_states_pay(problem)
    rm = build_model(problem, run_states=run_states)
    if params.hint is not None:
        _add_hint(rm, params.hint)
    build_s = time.perf_counter() - start
    solver = _solver_parameters(params)
    progress = _Progress(start, params.progress_callback)
    solved = threading.Event()
    if params.stop is not None:
        stop = params.stop

        def watch() -> None:
            while not solved.wait(STOP_POLL_S):
                if stop():
                    solver.stop_search()
                    return

        threading.Thread(target=watch, daemon=True).start()
    try:
        status = _STATUS[solver.solve(rm.model, progress)]
    finally:
        solved.set()
    wall_s = time.perf_counter() - start
    if status not in ("optimal", "feasible"):
        bound = math.ceil(solver.best_objective_bound - 1e-6) if status == "unknown" else None
        return RosterResult(status, None, bound, None, wall_s, None, build_s)
    values = np.asarray(solver.response_proto.solution, dtype=np.int64)
    assignment = assignment_of(rm, values[[v.index for v in rm.x]])
    # A non-optimal CP-SAT solution may carry slack in under/over (they are only bounded below), so
    # its objective can exceed the roster's own; report the roster's, which is never larger.
    objective = objective_of(problem, assignment)
    if objective > round(solver.objective_value):
        raise AssertionError(f"roster objective {objective} exceeds CP-SAT's {solver.objective_value}")
    return RosterResult(
        status=status,
        objective=objective,
        bound=math.ceil(solver.best_objective_bound - 1e-6),
        assignment=assignment,
        wall_s=wall_s,
        first_feasible_s=progress.first_s,
        build_s=build_s,
    )


# ---------------------------------------------------------------------------------------------------
# Independent evaluation (the specification; shares no code with the CP-SAT model)
# ---------------------------------------------------------------------------------------------------


def _runs(sequence: np.ndarray) -> list[tuple[int, int, bool]]:
    """Maximal runs (first index, last index, value) of a boolean sequence."""
    if len(sequence) == 0:
        return []
    cuts = np.flatnonzero(sequence[1:] != sequence[:-1]) + 1
    firsts = np.concatenate(([0], cuts))
    lasts = np.concatenate((cuts - 1, [len(sequence) - 1]))
    return [(int(f), int(la), bool(sequence[f])) for f, la in zip(firsts, lasts, strict=True)]


def employee_violations(problem: RosterProblem, e: int, row: np.ndarray) -> list[str]:
    """Every hard rule of one employee, one message per violation."""
    emp, D = problem.employees[e], problem.days
    who = f"employee {emp.name!r}"
    minutes = np.array([kind.minutes for kind in problem.kinds], dtype=np.int64)
    worked = row >= 0
    paid = np.where(worked, minutes[np.maximum(row, 0)], 0)
    out = []
    out += [f"{who}: works on day {d}, a day off" for d in sorted(emp.days_off) if d < D and worked[d]]
    if problem.allowed is not None:
        barred = [d for d in np.flatnonzero(worked).tolist() if not problem.allowed[e, d, row[d]]]
        out += [f"{who}: kind {problem.kinds[row[d]].name!r} on day {d} is not allowed" for d in barred]
    counts = np.bincount(row[worked], minlength=len(problem.kinds))
    for k, (n, cap) in enumerate(zip(counts.tolist(), emp.max_shifts, strict=True)):
        if n > cap:
            out.append(f"{who}: {n} shifts of kind {problem.kinds[k].name!r}, at most {cap}")
    total = int(paid.sum())
    if not emp.min_minutes <= total <= emp.max_minutes:
        out.append(f"{who}: {total} minutes, allowed [{emp.min_minutes}, {emp.max_minutes}]")
    for i, w in enumerate(emp.windows):
        span = slice(w.first_day, w.last_day + 1)
        total, shifts = int(paid[span].sum()), int(worked[span].sum())
        if not w.min_minutes <= total <= w.max_minutes:
            out.append(f"{who}: window {i} has {total} minutes, allowed [{w.min_minutes}, {w.max_minutes}]")
        if shifts > w.max_shifts:
            out.append(f"{who}: window {i} has {shifts} shifts, at most {w.max_shifts}")
    sequence = np.concatenate((np.array(emp.history, dtype=np.int64), row))
    H = len(emp.history)
    for t in range(len(sequence) - 1):
        pair = (int(sequence[t]), int(sequence[t + 1]))
        if t + 1 >= H and pair in problem.forbidden_successions:
            out.append(f"{who}: kind {pair[1]} on day {t + 1 - H} follows kind {pair[0]}, forbidden")
    for first, last, working in _runs(sequence >= 0):
        length, last_day = last - first + 1, last - H
        if last_day < -1:
            continue  # wholly in history and closed inside it
        if working and length > emp.max_consecutive and last_day >= 0:
            limit = emp.max_consecutive
            out.append(f"{who}: works {length} days in a row to day {last_day}, at most {limit}")
        if working and last_day == D - 1 and emp.max_final_run is not None and length > emp.max_final_run:
            out.append(f"{who}: works {length} days in a row to the last day, at most {emp.max_final_run}")
        minimum = emp.min_consecutive if working else emp.min_consecutive_off
        inside = first > 0 and last_day < D - 1
        if inside and length < minimum:
            what = "working days" if working else "days off"
            out.append(f"{who}: {length} {what} in a row to day {last_day}, at least {minimum}")
    weekends = sum(bool(worked[list(days)].any()) for days in problem.weekends())
    if weekends > emp.max_weekends:
        out.append(f"{who}: works {weekends} weekends, at most {emp.max_weekends}")
    return out


def _checked_assignment(problem: RosterProblem, assignment: np.ndarray) -> np.ndarray:
    E, D, K = len(problem.employees), problem.days, len(problem.kinds)
    a = np.asarray(assignment, dtype=np.int64)
    if a.shape != (E, D):
        raise ValueError(f"assignment has shape {a.shape}, expected {(E, D)}")
    if ((a < OFF) | (a >= K)).any():
        raise ValueError(f"assignment values must be kind indices 0..{K - 1} or -1")
    return a


def objective_of(problem: RosterProblem, assignment: np.ndarray) -> int:
    """The objective of `assignment` (E, D; kind index or -1), whether or not it breaks a hard rule."""
    a = _checked_assignment(problem, assignment)
    e_idx, d_idx = np.nonzero(a >= 0)
    kinds = a[e_idx, d_idx]
    counts = np.zeros(problem.cover.shape, dtype=np.int64)
    np.add.at(counts, (d_idx, kinds), 1)
    objective = int((problem.under_weight * np.maximum(problem.cover - counts, 0)).sum())
    objective += int((problem.over_weight * np.maximum(counts - problem.cover, 0)).sum())
    objective += sum(w for e, d, k, w in problem.on_requests if a[e, d] != k)
    objective += sum(w for e, d, k, w in problem.off_requests if a[e, d] == k)
    if problem.assign_cost is not None:
        objective += int(problem.assign_cost[e_idx, d_idx, kinds].sum())
    return objective


def evaluate(problem: RosterProblem, assignment: np.ndarray) -> tuple[int, list[str]]:
    """Objective of `assignment` (E, D; kind index or -1) and the hard rules it breaks.

    Recomputes everything from the problem data with numpy, sharing no code with the CP-SAT model,
    so that it can check `solve`.
    """
    a = _checked_assignment(problem, assignment)
    violations = [msg for e in range(len(problem.employees)) for msg in employee_violations(problem, e, a[e])]
    return objective_of(problem, a), violations
