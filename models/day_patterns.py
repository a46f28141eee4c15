"""Fast day-level rosters: each employee's best week by dynamic programming (no CP-SAT).

`best_week` finds one employee's best row of a `day_roster.RosterProblem` — a kind or a day off on
each day — given a value for every (day, kind), exactly under the rules that shape a single week:
total minutes within [lo, hi], at most so many shifts, the longest working run (history included),
forbidden successions (the history's last day included), the run reaching the last day, days off and
disallowed kinds. States are (minutes worked, shifts, current run, last kind); each dimension is kept
only when its rule can bind.

`construct_days` builds a whole roster employee by employee, the least available first, each taking
its best week against the cover still open; what the employees left must still be able to work
(their minimum and maximum minutes) narrows each one's range of minutes. `improve_days` then
re-optimizes one employee at a time against everyone else (a best response, which never makes the
objective worse) until a pass changes nothing. Rows are accepted only if `day_roster`'s own checker
passes them, so rules the dynamic program does not model (minimum runs, weekends) still hold.
"""

from __future__ import annotations

import numpy as np

from models import day_roster

NEG = -1e18


def best_week(
    value: np.ndarray,
    allowed: np.ndarray,
    minutes: np.ndarray,
    lo: int,
    hi: int,
    max_shifts: int,
    max_run: int,
    run0: int = 0,
    last0: int = day_roster.OFF,
    forbidden: np.ndarray | None = None,
    max_final_run: int | None = None,
) -> np.ndarray | None:
    """The row (kind per day, -1 off) of greatest Σ value[d, row[d]] within the rules, or None.

    `value` and `allowed` are [D, K]; `minutes` [K] paid minutes of each kind; `lo`, `hi` the total
    minutes allowed; `max_run` the longest working run, of which `run0` days were worked just before
    day 0, the last of them of kind `last0`; `forbidden[a, b]` ([K + 1, K], row K = after a day off)
    bars kind b the day after kind a; `max_final_run` caps the run that reaches the last day.
    """
    D, K = value.shape
    g = int(np.gcd.reduce(minutes)) if K else 1
    step = minutes // max(g, 1)
    M = max(hi, 0) // max(g, 1) + 1
    S = min(max_shifts, D) + 1
    final_run = D + run0 if max_final_run is None else max_final_run
    # the run only matters if it can reach a limit: it is at most the history's run plus the shifts
    # worked (a 5-day week after a day off never breaks a 6-day limit: measured, this dimension was
    # most of the dynamic program's work)
    longest = run0 + S - 1
    R = min(max_run, longest) + 1 if min(max_run, final_run) < longest else 1
    L = K + 1 if forbidden is not None and forbidden.any() else 1
    if run0 > max_run:
        return None
    V = np.full((M, S, R, L), NEG)
    V[0, 0, run0 if R > 1 else 0, (last0 if last0 >= 0 else K) if L > 1 else 0] = 0.0
    r_src, r_dst = (slice(0, R - 1), slice(1, R)) if R > 1 else (slice(0, 1), slice(0, 1))
    usable = np.flatnonzero(step < M) if S > 1 else np.zeros(0, dtype=np.int64)
    kinds_of_day = [usable[allowed[d, usable]].tolist() for d in range(D)]
    history = [V]
    for d in range(D):
        if L > 1:  # each kind lands in its own last-kind slot: no two actions compete for a state
            new = np.full_like(V, NEG)
            new[:, :, 0, K] = V.max(axis=(2, 3))
            for k in kinds_of_day[d]:
                dm = int(step[k])
                best = np.where(forbidden[:, k], NEG, V).max(axis=3)  # type: ignore[index]
                new[dm:, 1:, r_dst, k] = best[: M - dm, : S - 1, r_src] + value[d, k]
        else:  # a day off, then each kind in turn, keeps the better value (the walk back redoes the choice)
            new = np.full_like(V, NEG)
            new[:, :, 0, 0] = V[..., 0].max(axis=2)
            best = V[..., 0]
            for k in kinds_of_day[d]:
                dm = int(step[k])
                cell = new[dm:, 1:, r_dst, 0]
                np.maximum(cell, best[: M - dm, : S - 1, r_src] + value[d, k], out=cell)
        V = new
        history.append(V)
    totals = np.arange(M) * g
    runs_ok = np.arange(R) <= final_run if R > 1 else np.ones(1, dtype=bool)
    final = np.where(((totals >= lo) & (totals <= hi))[:, None, None, None] & runs_ok[:, None], V, NEG)
    state = np.unravel_index(int(final.argmax()), final.shape)
    if final[state] <= NEG / 2:
        return None
    row = np.full(D, day_roster.OFF, dtype=np.int64)
    for d in range(D - 1, -1, -1):  # walk back: recompute where each state came from
        m, s, r, lk = (int(v) for v in state)
        before = history[d]
        k = (
            _action(before, float(history[d + 1][m, s, r, 0]), kinds_of_day[d], step, value[d], m, s, r, R > 1)
            if L == 1
            else (day_roster.OFF if lk == K else lk)
        )
        row[d] = k
        if k == day_roster.OFF:
            rl = np.unravel_index(int(before[m, s].argmax()), before.shape[2:])
            state = (m, s, *(int(v) for v in rl))
        else:
            pm, ps, pr = m - int(step[k]), s - 1, (r - 1 if R > 1 else 0)
            cells = before[pm, ps, pr]
            if L > 1:
                cells = np.where(forbidden[:, k], NEG, cells)  # type: ignore[index]
            state = (pm, ps, pr, int(cells.argmax()))
    return row


def _action(
    before: np.ndarray,
    target: float,
    kinds: list[int],
    step: np.ndarray,
    value: np.ndarray,
    m: int,
    s: int,
    r: int,
    runs: bool,
) -> int:
    """The action that reached state (m, s, r) with value `target` from the day's states `before`
    (without last-kind slots): a day off first, then the kinds in order, as the forward pass kept the
    first of equal values (the same float sums, so equality is exact)."""
    if (not runs or r == 0) and float(before[m, s, :, 0].max()) == target:
        return day_roster.OFF
    for k in kinds:
        pm = m - int(step[k])
        if (
            pm >= 0
            and s >= 1
            and (not runs or r >= 1)
            and float(before[pm, s - 1, r - 1 if runs else 0, 0]) + float(value[k]) == target
        ):
            return k
    raise AssertionError("no action reaches a reachable state")


class _Week:
    """What `best_week` needs of each employee, and the running cover."""

    def __init__(self, problem: day_roster.RosterProblem) -> None:
        self.problem = problem
        E, D, K = len(problem.employees), problem.days, len(problem.kinds)
        self.minutes = np.array([k.minutes for k in problem.kinds], dtype=np.int64)
        emps = problem.employees
        self.lo = np.array([max([e.min_minutes] + [w.min_minutes for w in e.windows]) for e in emps], dtype=np.int64)
        self.hi = np.array([min([e.max_minutes] + [w.max_minutes for w in e.windows]) for e in emps], dtype=np.int64)
        self.max_shifts = np.array([min([D] + [w.max_shifts for w in e.windows]) for e in emps], dtype=np.int64)
        allowed = np.ones((E, D, K), dtype=bool) if problem.allowed is None else problem.allowed.copy()
        allowed &= (np.array([e.max_shifts for e in emps], dtype=np.int64).reshape(E, K) > 0)[:, None, :]
        weekend = (problem.first_weekday + np.arange(D)) % 7 >= day_roster.SATURDAY
        for i, e in enumerate(emps):
            allowed[i, [d for d in e.days_off if d < D]] = False
            if e.max_weekends <= 0:
                allowed[i, weekend] = False
        self.allowed = allowed
        # rules the dynamic program does not model; only rows of these employees need the checker
        n_weekends = len(problem.weekends())
        self.needs_check = np.array(
            [
                e.min_consecutive > 1
                or e.min_consecutive_off > 1
                or min(e.max_shifts, default=D) < D
                or 0 < e.max_weekends < n_weekends
                or any((w.first_day, w.last_day) != (0, D - 1) for w in e.windows)
                for e in emps
            ]
        )
        self.forbidden: np.ndarray | None = None
        if problem.forbidden_successions:
            self.forbidden = np.zeros((K + 1, K), dtype=bool)
            for a, b in problem.forbidden_successions:
                self.forbidden[a, b] = True
        self.extra = -(problem.assign_cost if problem.assign_cost is not None else np.zeros((E, D, K)))
        self.extra = self.extra.astype(float)
        for e, d, k, w in problem.on_requests:
            self.extra[e, d, k] += w
        for e, d, k, w in problem.off_requests:
            self.extra[e, d, k] -= w
        self.counts = np.zeros((D, K), dtype=np.int64)

    def value(self, e: int, pressure: np.ndarray | None = None) -> np.ndarray:
        """What each (day, kind) is worth to employee `e` against the cover the others leave."""
        p = self.problem
        short = self.counts < p.cover
        gain = p.under_weight * (1.0 if pressure is None else 1.0 + pressure[:, None])
        return np.where(short, gain, -p.over_weight) + self.extra[e]

    def best(self, e: int, value: np.ndarray, lo: int, hi: int) -> np.ndarray | None:
        emp = self.problem.employees[e]
        run0 = 0
        for k in reversed(emp.history):
            if k == day_roster.OFF:
                break
            run0 += 1
        last0 = emp.history[-1] if emp.history else day_roster.OFF
        return best_week(
            value,
            self.allowed[e],
            self.minutes,
            lo,
            hi,
            int(self.max_shifts[e]),
            emp.max_consecutive,
            run0,
            last0,
            self.forbidden,
            emp.max_final_run,
        )

    def legal(self, e: int, row: np.ndarray) -> bool:
        return not self.needs_check[e] or not day_roster.employee_violations(self.problem, e, row)

    def count(self, row: np.ndarray, sign: int) -> None:
        works = row >= 0
        np.add.at(self.counts, (np.flatnonzero(works), row[works]), sign)


def construct_days(problem: day_roster.RosterProblem) -> np.ndarray:
    """A roster built employee by employee, each taking its best week against the open cover."""
    wk = _Week(problem)
    E, D = len(problem.employees), problem.days
    out = np.full((E, D), day_roster.OFF, dtype=np.int64)
    can = wk.allowed.any(axis=2)
    most = np.minimum(wk.hi, np.minimum(can.sum(axis=1), wk.max_shifts) * wk.minutes.max(initial=0))
    rest = np.ones(E, dtype=bool)
    for e in np.lexsort((-wk.lo, can.sum(axis=1))).tolist():  # the least available first
        rest[e] = False
        open_cover = np.maximum(problem.cover - wk.counts, 0)
        left = int((open_cover * wk.minutes).sum())
        # leave the others enough to reach their minimums and no more than they can work
        lo = max(int(wk.lo[e]), left - int(most[rest].sum()))
        hi = min(int(wk.hi[e]), left - int(wk.lo[rest].sum()))
        pressure = open_cover.sum(axis=1) / np.maximum(1, can[rest].sum(axis=0) + 1)
        value = wk.value(e, pressure)
        row = wk.best(e, value, lo, hi) if lo <= hi else None
        if row is None or not wk.legal(e, row):
            row = wk.best(e, value, int(wk.lo[e]), int(wk.hi[e]))
        if row is not None and wk.legal(e, row):
            out[e] = row
            wk.count(row, +1)
    return out


def improve_days(problem: day_roster.RosterProblem, start: np.ndarray, passes: int = 3) -> np.ndarray:
    """Best responses: each employee in turn takes its best week against all the others' rows, if
    that is strictly better and legal; stops after `passes` passes or a pass without a change."""
    wk = _Week(problem)
    out = np.array(start, dtype=np.int64, copy=True)
    for e in range(len(out)):
        wk.count(out[e], +1)
    for _ in range(passes):
        changed = 0
        for e in range(len(out)):
            wk.count(out[e], -1)
            value = wk.value(e)
            row = wk.best(e, value, int(wk.lo[e]), int(wk.hi[e]))
            now_legal = wk.legal(e, out[e])
            if row is not None and wk.legal(e, row):
                gain = _row_value(value, row) - _row_value(value, out[e])
                if gain > 1e-9 or not now_legal:
                    out[e] = row
                    changed += 1
            wk.count(out[e], +1)
        if not changed:
            break
    return out


def _row_value(value: np.ndarray, row: np.ndarray) -> float:
    works = row >= 0
    return float(value[np.flatnonzero(works), row[works]].sum())
