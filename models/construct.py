"""Construct a good integer solution of the aggregate model fast, from its LP relaxation.

1. Round the LP's shift counts down: every upper limit (class-day caps, weekly maxima, template
   caps, budget) still holds.
2. Repair: for each class-week below its minimum paid minutes or shifts, add the shift that covers
   the most under-staffed intervals among those every cap still allows.
3. Place every break greedily where the queue is most over-staffed (`models.breaks`).
4. Fill: while some allowed shift lowers the objective (its interval gains minus its cost and the
   cheapest place for its breaks), add the best one and place its breaks.
5. Re-place breaks by local search.
The result satisfies every constraint of the aggregate model by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from models.breaks import improve_breaks, place_breaks

if TYPE_CHECKING:
    from models.aggregate import AggregateProblem


@dataclass(frozen=True)
class Construction:
    shifts: np.ndarray  # [J] shift counts
    break_incidence: np.ndarray  # [U] index into the problem's break incidences, one per break taken
    break_start: np.ndarray  # [U] start interval of each break
    surplus: np.ndarray  # [Q, T] on-phone minus required


class _Usage:
    """Running sums of every capped quantity, to test which options may still be added."""

    def __init__(self, p: AggregateProblem, x: np.ndarray) -> None:
        self.p = p
        C, D = p.class_day_cap.shape
        week_of_day = np.full(D, -1)
        for w, days in enumerate(p.week_days):
            week_of_day[list(days)] = w
        self.wk = week_of_day[p.opt_day]
        self.day = np.zeros((C, D), dtype=np.int64)
        self.paid = np.zeros(p.class_week_min_paid.shape, dtype=np.int64)
        self.count = np.zeros(p.class_week_min_paid.shape, dtype=np.int64)
        self.tpl = np.zeros(p.class_template_cap.shape, dtype=np.int64)
        self.budget = 0
        np.add.at(self.day, (p.opt_class, p.opt_day), x)
        np.add.at(self.paid, (p.opt_class, self.wk), x * p.opt_paid_min)
        np.add.at(self.count, (p.opt_class, self.wk), x)
        np.add.at(self.tpl, (p.opt_class, p.opt_template), x)
        self.budget = int((x * p.opt_budget_min).sum())
        # weekends: shifts per class, weekend and day; Σ_w max over its days ≤ the class's cap
        self.weekend_of = np.full(D, -1)
        for w, days in enumerate(p.weekend_days):
            self.weekend_of[list(days)] = w
        self.wk_day = np.zeros((C, D), dtype=np.int64)
        np.add.at(self.wk_day, (p.opt_class, p.opt_day), x)
        # pattern cuts: Σ coef·x ≤ rhs, as a sparse [R, J] matrix
        r, o, v, self.cut_rhs = p.pattern_rows if p.pattern_rows is not None else (np.zeros(0, dtype=np.int64),) * 4
        self.cut = sp.csr_matrix((v, (r, o)), shape=(len(self.cut_rhs), p.n_options))
        self.cut_used = self.cut @ x

    def allowed(self, cand: np.ndarray) -> np.ndarray:
        p, c, w = self.p, self.p.opt_class[cand], self.wk[cand]
        ok = self.day[c, p.opt_day[cand]] < p.class_day_cap[c, p.opt_day[cand]]
        ok &= self.paid[c, w] + p.opt_paid_min[cand] <= p.class_week_max_paid[c, w]
        ok &= self.count[c, w] < p.class_week_max_shifts[c, w]
        ok &= self.tpl[c, p.opt_template[cand]] < p.class_template_cap[c, p.opt_template[cand]]
        if p.budget_min is not None:
            ok &= self.budget + p.opt_budget_min[cand] <= p.budget_min
        if len(self.cut_rhs):
            room = self.cut_rhs - self.cut_used  # may be < 0 right after rounding: then only cuts that help
            col = self.cut[:, cand].toarray()
            ok &= ((col <= np.maximum(room, 0)[:, None]) | (col <= 0)).all(axis=0)
        if p.class_weekend_cap is not None and p.weekend_days:
            used = self._weekend_use()
            d = p.opt_day[cand]
            on_weekend = self.weekend_of[d] >= 0
            rises = on_weekend & (self.wk_day[c, d] >= self._weekend_peak()[c, np.maximum(self.weekend_of[d], 0)])
            ok &= ~rises | (used[c] < p.class_weekend_cap[c])
        return ok

    def _weekend_peak(self) -> np.ndarray:
        """[C, weekends] the larger day count of each weekend."""
        return np.stack([self.wk_day[:, list(days)].max(axis=1) for days in self.p.weekend_days], axis=1)

    def _weekend_use(self) -> np.ndarray:
        return self._weekend_peak().sum(axis=1)

    def add(self, j: int) -> None:
        p, c, w = self.p, self.p.opt_class[j], self.wk[j]
        self.day[c, p.opt_day[j]] += 1
        self.paid[c, w] += p.opt_paid_min[j]
        self.count[c, w] += 1
        self.tpl[c, p.opt_template[j]] += 1
        self.budget += int(p.opt_budget_min[j])
        self.wk_day[c, p.opt_day[j]] += 1
        if len(self.cut_rhs):
            self.cut_used += self.cut[:, j].toarray().ravel()

    def cut_violated(self) -> np.ndarray:
        return np.flatnonzero(self.cut_used > self.cut_rhs)


def _gain_csum(p: AggregateProblem, surplus: np.ndarray, spare: int) -> np.ndarray:
    """Cumulative gain of one more agent on the phone per queue: under_weight where short, −over_weight else."""
    gain = np.where(surplus < 0, p.under_weight, -p.over_weight)
    gain = np.pad(gain, ((0, 0), (0, spare)))  # intervals past the horizon count nothing
    return np.concatenate([np.zeros((gain.shape[0], 1), dtype=np.int64), np.cumsum(gain, axis=1)], axis=1)


def construct(p: AggregateProblem, lp_shifts: np.ndarray | None, max_fill: int = 100_000) -> Construction:
    """Build a feasible aggregate solution from LP shift counts (or from nothing)."""
    J = p.n_options
    Q, T = p.required.shape
    x = np.zeros(J, dtype=np.int64) if lp_shifts is None else np.floor(lp_shifts + 1e-6).astype(np.int64)
    x = np.minimum(x, p.class_day_cap[p.opt_class, p.opt_day])
    use = _Usage(p, x)
    spare = int(p.opt_length.max(initial=0)) + 1
    cover = np.zeros((Q, T + spare + 1), dtype=np.int64)
    np.add.at(cover, (p.opt_queue, p.opt_start), x)
    np.add.at(cover, (p.opt_queue, p.opt_start + p.opt_length), -x)
    surplus = np.cumsum(cover, axis=1)[:, :T] - p.required

    def shift_gain(cand: np.ndarray) -> np.ndarray:
        csum = _gain_csum(p, surplus, spare)
        q, s, e = p.opt_queue[cand], p.opt_start[cand], p.opt_start[cand] + p.opt_length[cand]
        return csum[q, e] - csum[q, s] - p.opt_cost[cand]

    def add(j: int) -> None:
        nonlocal x
        x[j] += 1
        use.add(j)
        s, e = p.opt_start[j], min(p.opt_start[j] + p.opt_length[j], T)
        surplus[p.opt_queue[j], s:e] += 1

    # 2. weekly minimums
    for c in range(p.class_day_cap.shape[0]):
        for w in range(len(p.week_days)):
            cand = np.flatnonzero((p.opt_class == c) & (use.wk == w))
            while use.paid[c, w] < p.class_week_min_paid[c, w] or use.count[c, w] < p.class_week_min_shifts[c, w]:
                ok = cand[use.allowed(cand)]
                if len(ok) == 0:
                    break
                add(int(ok[np.argmax(shift_gain(ok) * 1000 + p.opt_paid_min[ok])]))

    # 2b. pattern cuts broken by the rounding (rows with negative coefficients are lower bounds)
    everything = np.arange(J)
    for _ in range(10_000):
        bad = use.cut_violated()
        if len(bad) == 0:
            break
        helps = np.asarray(use.cut[bad].min(axis=0).todense()).ravel() < 0
        ok = everything[helps & use.allowed(everything)] if helps.any() else everything[:0]
        if len(ok) == 0:
            break
        add(int(ok[np.argmax(shift_gain(ok))]))

    # 3. breaks of the shifts so far
    inc = np.repeat(np.arange(len(p.brk_option)), x[p.brk_option])
    starts = _place(p, surplus, inc)

    # 4. fill while a shift lowers the objective (its breaks placed at their cheapest)
    per_option_break = np.zeros(J, dtype=np.int64)
    np.add.at(per_option_break, p.brk_option, p.group_duration[p.brk_group])
    new_inc, new_starts = [], []
    brk_of = _incidences_by_option(p)
    for _ in range(max_fill):
        ok = everything[use.allowed(everything)]
        if len(ok) == 0:
            break
        g = shift_gain(ok) - per_option_break[ok] * p.over_weight
        best = int(np.argmax(g))
        if g[best] <= 0:
            break
        j = int(ok[best])
        add(j)
        mine = brk_of[j]
        new_inc.append(mine)
        new_starts.append(_place(p, surplus, mine))
    if new_inc:
        inc = np.concatenate([inc, *new_inc])
        starts = np.concatenate([starts, *new_starts])

    # 5. local search on breaks
    if len(inc):
        g = p.brk_group[inc]
        improve_breaks(surplus, starts, p.group_queue[g], p.brk_window_start[inc], p.group_width[g],
                       p.group_duration[g], p.under_weight, p.over_weight)
    return Construction(x, inc, starts, surplus)


def _place(p: AggregateProblem, surplus: np.ndarray, inc: np.ndarray) -> np.ndarray:
    g = p.brk_group[inc]
    return place_breaks(surplus, p.group_queue[g], p.brk_window_start[inc], p.group_width[g],
                        p.group_duration[g], p.under_weight, p.over_weight)


def _incidences_by_option(p: AggregateProblem) -> list[np.ndarray]:
    order = np.argsort(p.brk_option, kind="stable")
    bounds = np.searchsorted(p.brk_option[order], np.arange(p.n_options + 1))
    return [order[bounds[j] : bounds[j + 1]] for j in range(p.n_options)]
