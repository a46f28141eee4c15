"""Construct a good integer solution of the aggregate model fast, from its LP relaxation.

1. Round the LP's shift counts down: every upper limit (class-day caps, weekly maxima, template
   caps, budget) still holds.
2. Repair: for each class-week below its minimum paid minutes or shifts, add the shift that covers
   the most under-staffed intervals among those every cap still allows.
3. Place every break greedily where the queue is most over-staffed (`models.breaks`).
4. Fill: while some allowed shift lowers the objective (its interval gains minus its cost and the
   cheapest place for its breaks), add the best one and place its breaks (lazily: a shift's gain
   only falls as others are added, so only the top of a heap of stale gains is re-evaluated).
5. Re-place breaks by local search.
The result satisfies every constraint of the aggregate model by construction.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
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
        np.add.at(self.day, (p.opt_class, p.opt_day), x)
        np.add.at(self.paid, (p.opt_class, self.wk), x * p.opt_paid_min)
        np.add.at(self.count, (p.opt_class, self.wk), x)
        np.add.at(self.tpl, (p.opt_class, p.opt_template), x)
        self.budget = int((x * p.opt_budget_min).sum())
        # weekends: Σ over weekends of the larger day count ≤ the class's cap
        self.weekend_of = np.full(D, -1)
        for w, days in enumerate(p.weekend_days):
            self.weekend_of[list(days)] = w
        self.weekend_list = [list(days) for days in p.weekend_days]
        self.peak = np.zeros((C, len(self.weekend_list)), dtype=np.int64)
        for w, days in enumerate(self.weekend_list):
            self.peak[:, w] = self.day[:, days].max(axis=1)
        # pattern cuts: Σ coef·x ≤ rhs, by option column
        r, o, v, self.cut_rhs = p.pattern_rows if p.pattern_rows is not None else (np.zeros(0, dtype=np.int64),) * 4
        self.cut = sp.csc_matrix((np.asarray(v, dtype=float), (r, o)), shape=(len(self.cut_rhs), p.n_options))
        self.cut.sum_duplicates()
        self.cut_used = self.cut @ x
        # A row with coefficients of both signs (an equation's half: "as many 240s as 420s") would
        # block both options of a pair added one at a time, so it may be exceeded by one shift.
        rows = self.cut.tocsr()
        row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        mixed = np.zeros(len(self.cut_rhs), dtype=bool)
        mixed[row_of[rows.data < 0]] = True
        top = np.zeros(len(self.cut_rhs))
        np.maximum.at(top, row_of, rows.data)
        self.cut_slack = np.where(mixed, top, 0.0)

    def allowed(self, cand: np.ndarray) -> np.ndarray:
        """Which options of `cand` one more shift of fits every cap (vectorized)."""
        p, c, w, d = self.p, self.p.opt_class[cand], self.wk[cand], self.p.opt_day[cand]
        ok = self.day[c, d] < p.class_day_cap[c, d]
        ok &= self.paid[c, w] + p.opt_paid_min[cand] <= p.class_week_max_paid[c, w]
        ok &= self.count[c, w] < p.class_week_max_shifts[c, w]
        ok &= self.tpl[c, p.opt_template[cand]] < p.class_template_cap[c, p.opt_template[cand]]
        if p.budget_min is not None:
            ok &= self.budget + p.opt_budget_min[cand] <= p.budget_min
        if len(self.cut_rhs):
            room = np.maximum(self.cut_rhs - self.cut_used, 0) + self.cut_slack  # < 0 after rounding: cuts that help
            sub = self.cut[:, cand].tocoo()
            bad = (sub.data > 0) & (sub.data > room[sub.row])
            ok[sub.col[bad]] = False
        if len(self.weekend_list) and p.class_weekend_cap is not None:
            wkd = self.weekend_of[d]
            rises = (wkd >= 0) & (self.day[c, d] >= self.peak[c, np.maximum(wkd, 0)])
            ok &= ~rises | (self.peak.sum(axis=1)[c] < p.class_weekend_cap[c])
        return ok

    def allows(self, j: int) -> bool:
        """Whether one more shift of option `j` fits every cap (the scalar form of `allowed`)."""
        p, c, w, d = self.p, int(self.p.opt_class[j]), int(self.wk[j]), int(self.p.opt_day[j])
        if (self.day[c, d] >= p.class_day_cap[c, d] or self.count[c, w] >= p.class_week_max_shifts[c, w]
                or self.paid[c, w] + p.opt_paid_min[j] > p.class_week_max_paid[c, w]
                or self.tpl[c, p.opt_template[j]] >= p.class_template_cap[c, p.opt_template[j]]):
            return False
        if p.budget_min is not None and self.budget + p.opt_budget_min[j] > p.budget_min:
            return False
        if len(self.cut_rhs):
            lo, hi = self.cut.indptr[j], self.cut.indptr[j + 1]
            rows, coef = self.cut.indices[lo:hi], self.cut.data[lo:hi]
            room = np.maximum(self.cut_rhs[rows] - self.cut_used[rows], 0) + self.cut_slack[rows]
            if ((coef > 0) & (coef > room)).any():
                return False
        k = self.weekend_of[d]
        if k >= 0 and p.class_weekend_cap is not None and self.day[c, d] >= self.peak[c, k]:
            return bool(self.peak[c].sum() < p.class_weekend_cap[c])
        return True

    def add(self, j: int) -> None:
        """Count one more shift of option `j`."""
        p, c, w, d = self.p, self.p.opt_class[j], self.wk[j], self.p.opt_day[j]
        self.day[c, d] += 1
        self.paid[c, w] += p.opt_paid_min[j]
        self.count[c, w] += 1
        self.tpl[c, p.opt_template[j]] += 1
        self.budget += int(p.opt_budget_min[j])
        if self.weekend_of[d] >= 0:
            k = self.weekend_of[d]
            self.peak[c, k] = self.day[c, self.weekend_list[k]].max()
        if len(self.cut_rhs):
            lo, hi = self.cut.indptr[j], self.cut.indptr[j + 1]
            self.cut_used[self.cut.indices[lo:hi]] += self.cut.data[lo:hi]

    def below_minimum(self) -> np.ndarray:
        """[C, W] whether each class-week is short of its minimum paid minutes or shifts."""
        return (self.paid < self.p.class_week_min_paid) | (self.count < self.p.class_week_min_shifts)

    def cut_violated(self) -> np.ndarray:
        return np.flatnonzero(self.cut_used > self.cut_rhs + 1e-9)


def _gain_csum(p: AggregateProblem, surplus: np.ndarray, spare: int) -> np.ndarray:
    """Cumulative gain of one more agent on the phone per queue: under_weight where short, −over_weight else."""
    gain = np.where(surplus < 0, p.under_weight, -p.over_weight)
    gain = np.pad(gain, ((0, 0), (0, spare)))  # intervals past the horizon count nothing
    return np.concatenate([np.zeros((gain.shape[0], 1), dtype=np.int64), np.cumsum(gain, axis=1)], axis=1)


def construct(p: AggregateProblem, lp_shifts: np.ndarray | None, max_fill: int = 100_000) -> Construction:
    """Build a feasible aggregate solution from LP shift counts (or from nothing)."""
    J = p.n_options
    T = p.required.shape[1]
    x = np.zeros(J, dtype=np.int64) if lp_shifts is None else np.floor(lp_shifts + 1e-6).astype(np.int64)
    x = np.minimum(x, p.class_day_cap[p.opt_class, p.opt_day])
    use = _Usage(p, x)
    spare = int(p.opt_length.max(initial=0)) + 1
    surplus = surplus_of(p, x, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    per_option_break = p.option_break_intervals

    # cumulative gain of one more agent on the phone, kept current per queue as `surplus` changes,
    # so that an option's gain is two look-ups (it is asked for hundreds of thousands of times)
    csum = _gain_csum(p, surplus, spare)
    opt_end = p.opt_start + p.opt_length
    fixed = p.opt_cost + per_option_break * p.over_weight
    # the same as Python lists, for the scalar look-ups of the lazy greedy (a third of numpy's time)
    csum_rows = csum.tolist()
    queue_of, start_of, end_of, fixed_of = (a.tolist() for a in (p.opt_queue, p.opt_start, opt_end, fixed))

    def refresh(q: int) -> None:
        csum[q] = _gain_csum(p, surplus[q : q + 1], spare)[0]
        csum_rows[q] = csum[q].tolist()

    def shift_gain(cand: np.ndarray) -> np.ndarray:
        q = p.opt_queue[cand]
        return csum[q, opt_end[cand]] - csum[q, p.opt_start[cand]] - p.opt_cost[cand]

    # each option's class-week, and the class-weeks' paid minutes and shifts so far, as lists too
    W = p.class_week_min_paid.shape[1]
    week_of = (p.opt_class * W + use.wk).tolist()
    paid_of = p.opt_paid_min.tolist()
    paid_now, count_now = use.paid.ravel().tolist(), use.count.ravel().tolist()

    def add(j: int) -> None:
        x[j] += 1
        use.add(j)
        paid_now[week_of[j]] += paid_of[j]
        count_now[week_of[j]] += 1
        s, e = p.opt_start[j], min(opt_end[j], T)
        surplus[p.opt_queue[j], s:e] += 1
        refresh(p.opt_queue[j])

    def gain_now(j: int) -> int:
        row = csum_rows[queue_of[j]]
        return row[end_of[j]] - row[start_of[j]] - fixed_of[j]

    # 2. weekly minimums: lazily, the best coverage gain among the options of the class-weeks still
    #    short that keep their minimum reachable within the class-week's shift cap; then, for what
    #    is left, the longest allowed shifts
    everything = np.arange(J)

    def repair_score(j: int) -> int | None:
        cw = week_of[j]
        if paid_now[cw] >= min_paid[cw] and count_now[cw] >= min_shifts[cw]:
            return None  # the class-week has its minimum
        if min_paid[cw] - paid_now[cw] - paid_of[j] > (max_shifts[cw] - count_now[cw] - 1) * longest[cw]:
            return None  # the minimum would be out of reach within the class-week's shift cap
        return gain_now(j)

    longest_cw = np.zeros(p.class_week_min_paid.shape, dtype=np.int64)
    np.maximum.at(longest_cw, (p.opt_class, use.wk), p.opt_paid_min)
    min_paid, min_shifts, max_shifts, longest = (a.ravel().tolist() for a in (
        p.class_week_min_paid, p.class_week_min_shifts, p.class_week_max_shifts, longest_cw))
    # the least flexible classes (fewest queues) first, so the flexible ones cover what is left
    class_queue = np.unique(np.stack([p.opt_class, p.opt_queue]), axis=1)
    n_queues = np.bincount(class_queue[0], minlength=p.class_day_cap.shape[0])
    for k in np.unique(n_queues):
        cand = everything[use.below_minimum()[p.opt_class, use.wk] & (n_queues[p.opt_class] == k)]
        cand = cand[use.allowed(cand)]
        _lazy_greedy(cand, shift_gain(cand).tolist(), repair_score, add, valid=use.allows)
    for c, w in np.argwhere(use.below_minimum()):
        cand = np.flatnonzero((p.opt_class == c) & (use.wk == w))
        while use.paid[c, w] < p.class_week_min_paid[c, w] or use.count[c, w] < p.class_week_min_shifts[c, w]:
            ok = cand[use.allowed(cand)]
            if len(ok) == 0:
                break
            add(int(ok[np.argmax(shift_gain(ok) + 1000 * p.opt_paid_min[ok])]))

    # 2b. pattern cuts broken by the rounding (rows with negative coefficients are lower bounds)
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
    csum[:] = _gain_csum(p, surplus, spare)
    csum_rows[:] = csum.tolist()

    # 4. fill while a shift lowers the objective (its breaks placed at their cheapest): lazy greedy,
    #    as a shift's gain only falls while others are added (breaks aside, which a final full
    #    pass catches)
    brk_of = _incidences_by_option(p)
    new_inc, new_starts = [], []

    def fill_score(j: int) -> int | None:
        v = gain_now(j)
        return v if v > 0 else None

    def take(j: int) -> None:
        add(j)
        mine = brk_of[j]
        new_inc.append(mine)
        new_starts.append(_place(p, surplus, mine))
        refresh(p.opt_queue[j])  # its breaks took some of its intervals back

    while len(new_inc) < max_fill:
        ok = everything[use.allowed(everything)]
        g = shift_gain(ok) - per_option_break[ok] * p.over_weight
        ok, g = ok[g > 0], g[g > 0]
        if len(ok) == 0 or not _lazy_greedy(ok, g.tolist(), fill_score, take, max_fill - len(new_inc),
                                             valid=use.allows):
            break
    if new_inc:
        inc = np.concatenate([inc, *new_inc])
        starts = np.concatenate([starts, *new_starts])

    # 5. local search on breaks
    if len(inc):
        g = p.brk_group[inc]
        improve_breaks(surplus, starts, p.group_queue[g], p.brk_window_start[inc], p.group_width[g],
                       p.group_duration[g], p.under_weight, p.over_weight)
    return Construction(x, inc, starts, surplus)


def _lazy_greedy(
    cand: np.ndarray, scores: list[int], score: Callable[[int], int | None], take: Callable[[int], None],
    max_take: int = 1 << 62, valid: Callable[[int], bool] | None = None,
) -> int:
    """Take options best score first, re-scoring only the top of a heap of stale scores; valid while
    a score never rises as options are taken. `score` is None for an option no longer wanted;
    `valid` (checked only for an option about to be taken, as it costs more) drops one that may no
    longer be taken; a taken option goes back on the heap. Returns how many were taken.

    Scores are integers (model units): each heap entry is one integer, −score · n + option, which
    orders as (−score, option) does and pops about twice as fast as that tuple."""
    n = int(cand.max(initial=0)) + 1
    heap = [-v * n + j for v, j in zip(scores, cand.tolist(), strict=True)]
    heapq.heapify(heap)
    taken = 0
    while heap and taken < max_take:
        j = heapq.heappop(heap) % n
        v = score(j)
        if v is None:
            continue
        if heap and v < -(heap[0] // n):  # below the best stale score left
            heapq.heappush(heap, -v * n + j)
            continue
        if valid is not None and not valid(j):
            continue
        take(j)
        taken += 1
        v = score(j)
        if v is not None:
            heapq.heappush(heap, -v * n + j)
    return taken


def _place(p: AggregateProblem, surplus: np.ndarray, inc: np.ndarray) -> np.ndarray:
    g = p.brk_group[inc]
    return place_breaks(surplus, p.group_queue[g], p.brk_window_start[inc], p.group_width[g],
                        p.group_duration[g], p.under_weight, p.over_weight)


def _incidences_by_option(p: AggregateProblem) -> list[np.ndarray]:
    order = np.argsort(p.brk_option, kind="stable")
    bounds = np.searchsorted(p.brk_option[order], np.arange(p.n_options + 1))
    return [order[bounds[j] : bounds[j + 1]] for j in range(p.n_options)]


def surplus_of(
    problem: AggregateProblem, shifts: np.ndarray, break_incidence: np.ndarray, break_start: np.ndarray
) -> np.ndarray:
    """[Q, T] agents on the phone minus agents required: shifts started and not ended, less the breaks
    in progress (`break_incidence` indexes the problem's break incidences, one per break taken)."""
    p = problem
    Q, T = p.required.shape
    spare = int(p.opt_length.max(initial=0)) + 1
    cover = np.zeros((Q, T + spare + 1), dtype=np.int64)
    np.add.at(cover, (p.opt_queue, p.opt_start), shifts)
    np.add.at(cover, (p.opt_queue, p.opt_start + p.opt_length), -shifts)
    g = p.brk_group[break_incidence]
    np.add.at(cover, (p.group_queue[g], break_start), -1)
    np.add.at(cover, (p.group_queue[g], break_start + p.group_duration[g]), 1)
    return np.cumsum(cover, axis=1)[:, :T] - p.required
