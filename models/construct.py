"""Construct a good integer solution of the aggregate model fast, from its LP relaxation.

1. Round the LP's shift counts down, by groups of options of one shape (class, day, template, length
   and queue) in order of start: each option gets the whole shifts the group's running sum
   completes there, so a group keeps the floor of its total, not the sum of its options' floors
   (a shift spread over neighbouring starts is kept, at the start where it completes). Every upper
   limit (class-day caps, weekly maxima, template caps, budget, cuts by paid length) still holds,
   as options of a group weigh alike in all of them.
2. Repair: for each class-week below its minimum paid minutes or shifts, add the shift that covers
   the most under-staffed intervals among those every cap still allows.
3. Place every break greedily where the queue is most over-staffed (`models.breaks`).
4. Fill: while some allowed shift lowers the objective (its interval gains minus its cost and the
   cheapest place for its breaks), add the best one and place its breaks (lazily: a shift's gain
   only falls as others are added, so only the top of a heap of stale gains is re-evaluated).
   Without an LP, steps 2 and 4 may charge a price per budget minute (see `construct`).
5. Re-place breaks by local search.
The result satisfies every constraint of the aggregate model by construction.
"""

from __future__ import annotations

import array
import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from models.breaks import improve_breaks, place_breaks

if TYPE_CHECKING:
    from models.problem import AggregateProblem


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
        if p.option_rows is not None:  # the week rules' rows are cuts of the same form
            r2, o2, v2, rhs2 = p.option_rows
            r, o, v = np.concatenate([r, r2 + len(self.cut_rhs)]), np.concatenate([o, o2]), np.concatenate([v, v2])
            self.cut_rhs = np.concatenate([self.cut_rhs, rhs2])
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
        self._scalar_state()

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
        """Whether one more shift of option `j` fits every cap: the scalar form of `allowed`, on the
        Python lists of `_scalar_state` (asked hundreds of thousands of times by the lazy greedy)."""
        cd, cw, ct = self._cd[j], self.week_of[j], self._ct[j]
        if (
            self._day[cd] >= self._day_cap[cd]
            or self.count_now[cw] >= self._max_shifts[cw]
            or self.paid_now[cw] + self.paid_of[j] > self._max_paid[cw]
            or self._tpl[ct] >= self._tpl_cap[ct]
        ):
            return False
        if self._budget_cap is not None and self.budget + self._budget_of[j] > self._budget_cap:
            return False
        for i in range(self._cut_ptr[j], self._cut_ptr[j + 1]):
            coef = self._cut_coef[i]
            if coef > 0:
                r = self._cut_row[i]
                if coef > max(self._cut_rhs[r] - self._cut_used[r], 0) + self._cut_slack[r]:
                    return False
        k = self._weekend_of[j]
        if k >= 0 and self._class_weekend_cap is not None and self._day[cd] >= self._peak[cd // self._n_days][k]:
            c = cd // self._n_days
            return sum(self._peak[c]) < self._class_weekend_cap[c]
        return True

    def _scalar_state(self) -> None:
        """Flat Python lists of the counts, caps and per-option indices that `allows` reads."""
        p = self.p
        D = p.class_day_cap.shape[1]
        W, K = p.class_week_min_paid.shape[1], p.class_template_cap.shape[1]
        self._n_days = D
        self._cd = (p.opt_class * D + p.opt_day).tolist()
        self.week_of = (p.opt_class * W + self.wk).tolist()
        self._ct = (p.opt_class * K + p.opt_template).tolist()
        self.paid_of, self._budget_of = p.opt_paid_min.tolist(), p.opt_budget_min.tolist()
        self._day, self.count_now = self.day.ravel().tolist(), self.count.ravel().tolist()
        self.paid_now, self._tpl = self.paid.ravel().tolist(), self.tpl.ravel().tolist()
        self._day_cap, self._tpl_cap = p.class_day_cap.ravel().tolist(), p.class_template_cap.ravel().tolist()
        self._max_paid = p.class_week_max_paid.ravel().tolist()
        self._max_shifts = p.class_week_max_shifts.ravel().tolist()
        self._budget_cap = p.budget_min
        # one entry per (option, cut row): millions on a 24x7 month, so typed arrays, not lists (a
        # list held 150 MB more there, for no measurable speed)
        self._cut_ptr = self.cut.indptr.tolist()
        self._cut_row = array.array("q", self.cut.indices.astype(np.int64).tobytes())
        self._cut_coef = array.array("d", self.cut.data.astype(np.float64).tobytes())
        self._cut_rhs = np.asarray(self.cut_rhs, dtype=float).tolist()
        self._cut_used, self._cut_slack = self.cut_used.tolist(), self.cut_slack.tolist()
        self._weekend_of = self.weekend_of[p.opt_day].tolist()
        self._peak = self.peak.tolist()
        self._class_weekend_cap = None if p.class_weekend_cap is None else p.class_weekend_cap.tolist()

    def add(self, j: int) -> None:
        """Count one more shift of option `j` (in the arrays and in `_scalar_state`'s lists)."""
        p, c, w, d = self.p, self.p.opt_class[j], self.wk[j], self.p.opt_day[j]
        self.day[c, d] += 1
        self.paid[c, w] += p.opt_paid_min[j]
        self.count[c, w] += 1
        self.tpl[c, p.opt_template[j]] += 1
        self.budget += int(p.opt_budget_min[j])
        cd, cw = self._cd[j], self.week_of[j]
        self._day[cd] += 1
        self.paid_now[cw] += self.paid_of[j]
        self.count_now[cw] += 1
        self._tpl[self._ct[j]] += 1
        if self.weekend_of[d] >= 0:
            k = self.weekend_of[d]
            self.peak[c, k] = self.day[c, self.weekend_list[k]].max()
            self._peak[c][k] = int(self.peak[c, k])
        if len(self.cut_rhs):
            lo, hi = self.cut.indptr[j], self.cut.indptr[j + 1]
            self.cut_used[self.cut.indices[lo:hi]] += self.cut.data[lo:hi]
            for i in range(lo, hi):
                self._cut_used[self._cut_row[i]] += self._cut_coef[i]

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


GAIN_BLOCK = 96  # intervals per block of `_GainBlocks` (any size is exact; a day of 15-minute intervals)


class _GainBlocks:
    """`_gain_csum` cut into blocks, as Python lists, kept current as the surplus changes.

    Block b holds the prefix sums over intervals [b·B, b·B + B + spare), so every option starting
    in it reads its gain there with two list look-ups; a change of the surplus on [s, e) redoes only
    the few blocks that overlap it (on a month, about 3 of 30 per queue instead of the whole row)."""

    def __init__(self, p: AggregateProblem, surplus: np.ndarray, spare: int) -> None:
        self.p, self.surplus, self.spare = p, surplus, spare
        Q, T = surplus.shape
        self.n_blocks = -(-T // GAIN_BLOCK)
        block = p.opt_start // GAIN_BLOCK
        self.row_of = (p.opt_queue * self.n_blocks + block).tolist()
        self.lo_of = (p.opt_start - block * GAIN_BLOCK).tolist()
        self.hi_of = (p.opt_start + p.opt_length - block * GAIN_BLOCK).tolist()
        self.rows: list[list[int]] = [[] for _ in range(Q * self.n_blocks)]
        self.refresh_all()

    def refresh_all(self) -> None:
        """Recompute every block (after many changes at once)."""
        for q in range(self.surplus.shape[0]):
            self.refresh(q, 0, self.surplus.shape[1])

    def refresh(self, q: int, start: int, end: int) -> None:
        """Recompute the blocks of queue `q` that overlap intervals [start, end)."""
        B, T = GAIN_BLOCK, self.surplus.shape[1]
        first = max(0, (start - self.spare - B) // B + 1)
        last = min(self.n_blocks - 1, (end - 1) // B)
        for b in range(first, last + 1):
            lo, hi = b * B, b * B + B + self.spare
            gain = np.where(self.surplus[q, lo : min(hi, T)] < 0, self.p.under_weight, -self.p.over_weight)
            csum = np.zeros(hi - lo + 1, dtype=np.int64)
            np.cumsum(gain, out=csum[1 : len(gain) + 1])
            csum[len(gain) + 1 :] = csum[len(gain)]  # intervals past the horizon count nothing
            self.rows[q * self.n_blocks + b] = csum.tolist()

    def gain(self, j: int) -> int:
        """Gain of one more agent on the phone over option `j`'s intervals (model units)."""
        row = self.rows[self.row_of[j]]
        return row[self.hi_of[j]] - row[self.lo_of[j]]


def construct(
    p: AggregateProblem, lp_shifts: np.ndarray | None, max_fill: int = 100_000, budget_price: float = 0.0
) -> Construction:
    """Build a feasible aggregate solution from LP shift counts (or from nothing).

    `budget_price` (objective units per minute counted against the budget) is charged on every
    shift the greedy steps weigh, so that under a binding budget a shift that over-staffs much of
    its span loses to one that spends the same minutes where agents are short; a last fill without
    it spends what budget is left while a shift still gains."""
    x = np.zeros(p.n_options, dtype=np.int64) if lp_shifts is None else _round_down_by_shape(p, lp_shifts)
    x = np.minimum(x, p.class_day_cap[p.opt_class, p.opt_day])
    greedy = _Greedy(p, x, budget_price)
    greedy.reach_weekly_minimums()  # 2.
    greedy.repair_cuts()  # 2b.
    # 3. breaks of the shifts so far
    inc = np.repeat(np.arange(len(p.brk_option)), x[p.brk_option])
    starts = _place(p, greedy.surplus, inc)
    greedy.blocks.refresh_all()
    new_inc, new_starts = greedy.fill(max_fill)  # 4.
    if new_inc:
        inc = np.concatenate([inc, *new_inc])
        starts = np.concatenate([starts, *new_starts])
    # 5. local search on breaks
    surplus = greedy.surplus
    if len(inc):
        g = p.brk_group[inc]
        improve_breaks(
            surplus,
            starts,
            p.group_queue[g],
            p.brk_window_start[inc],
            p.group_width[g],
            p.group_duration[g],
            p.under_weight,
            p.over_weight,
        )
    return Construction(x, inc, starts, surplus)


class _Greedy:
    """The shifts added so far (`x`, counted in `use`), the surplus they leave and the price of each
    option, shared by the greedy steps 2 to 4 of `construct`."""

    def __init__(self, p: AggregateProblem, x: np.ndarray, budget_price: float) -> None:
        self.p, self.x = p, x
        self.T = p.required.shape[1]
        self.use = _Usage(p, x)
        self.spare = int(p.opt_length.max(initial=0)) + 1
        self.surplus = surplus_of(p, x, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        # the gain of one more agent on the phone, kept current as `surplus` changes, so that an
        # option's gain is two list look-ups (it is asked for hundreds of thousands of times)
        self.blocks = _GainBlocks(p, self.surplus, self.spare)
        self.opt_end = p.opt_start + p.opt_length
        self.everything = np.arange(p.n_options)
        self.per_option_break = p.option_break_intervals
        self.price = np.zeros(p.n_options, dtype=np.int64)
        self.fixed_of: list[int] = []  # each option's cost, price and breaks at over_weight
        self.set_price(budget_price)

    def set_price(self, per_minute: float) -> None:
        """Charge `per_minute` (objective units) per budget minute of each option."""
        p = self.p
        self.price[:] = np.round(per_minute * p.opt_budget_min) if p.budget_min is not None else 0
        self.fixed_of[:] = (p.opt_cost + self.per_option_break * p.over_weight + self.price).tolist()

    def shift_gain(self, cand: np.ndarray) -> np.ndarray:
        """[len(cand)] gain of one more shift of each option, less its cost and price (model units)."""
        p = self.p
        csum, q = _gain_csum(p, self.surplus, self.spare), p.opt_queue[cand]
        return csum[q, self.opt_end[cand]] - csum[q, p.opt_start[cand]] - p.opt_cost[cand] - self.price[cand]

    def add(self, j: int) -> None:
        """One more shift of option `j` (its breaks not placed)."""
        p = self.p
        self.x[j] += 1
        self.use.add(j)
        s, e = p.opt_start[j], min(self.opt_end[j], self.T)
        self.surplus[p.opt_queue[j], s:e] += 1
        self.blocks.refresh(int(p.opt_queue[j]), int(s), int(e))

    def gain_now(self, j: int) -> int:
        """The current gain of one more shift of option `j`, its breaks at over_weight (model units)."""
        return self.blocks.gain(j) - self.fixed_of[j]

    def reach_weekly_minimums(self) -> None:
        """Step 2: lazily, the best coverage gain among the options of the class-weeks still short
        that keep their minimum reachable within the class-week's shift cap; then, for what is left,
        the longest allowed shifts."""
        p, use = self.p, self.use
        week_of, paid_of, paid_now, count_now = use.week_of, use.paid_of, use.paid_now, use.count_now
        longest_cw = np.zeros(p.class_week_min_paid.shape, dtype=np.int64)
        np.maximum.at(longest_cw, (p.opt_class, use.wk), p.opt_paid_min)
        min_paid, min_shifts, max_shifts, longest = (
            a.ravel().tolist()
            for a in (p.class_week_min_paid, p.class_week_min_shifts, p.class_week_max_shifts, longest_cw)
        )

        def repair_score(j: int) -> int | None:
            cw = week_of[j]
            if paid_now[cw] >= min_paid[cw] and count_now[cw] >= min_shifts[cw]:
                return None  # the class-week has its minimum
            if min_paid[cw] - paid_now[cw] - paid_of[j] > (max_shifts[cw] - count_now[cw] - 1) * longest[cw]:
                return None  # the minimum would be out of reach within the class-week's shift cap
            return self.gain_now(j)

        # the least flexible classes (fewest queues) first, so the flexible ones cover what is left
        class_queue = np.zeros((p.class_day_cap.shape[0], p.required.shape[0]), dtype=bool)
        class_queue[p.opt_class, p.opt_queue] = True
        n_queues = class_queue.sum(axis=1)
        for k in np.unique(n_queues):
            cand = self.everything[use.below_minimum()[p.opt_class, use.wk] & (n_queues[p.opt_class] == k)]
            cand = cand[use.allowed(cand)]
            _lazy_greedy(cand, self.shift_gain(cand).tolist(), repair_score, self.add, valid=use.allows)
        for c, w in np.argwhere(use.below_minimum()):
            cand = np.flatnonzero((p.opt_class == c) & (use.wk == w))
            while use.paid[c, w] < p.class_week_min_paid[c, w] or use.count[c, w] < p.class_week_min_shifts[c, w]:
                ok = cand[use.allowed(cand)]
                if len(ok) == 0:
                    break
                self.add(int(ok[np.argmax(self.shift_gain(ok) + 1000 * p.opt_paid_min[ok])]))

    def repair_cuts(self) -> None:
        """Step 2b: pattern cuts broken by the rounding (rows with negative coefficients are lower
        bounds), by the best shift that helps one."""
        use, everything = self.use, self.everything
        for _ in range(10_000):
            bad = use.cut_violated()
            if len(bad) == 0:
                break
            helps = np.asarray(use.cut[bad].min(axis=0).todense()).ravel() < 0
            ok = everything[helps & use.allowed(everything)] if helps.any() else everything[:0]
            if len(ok) == 0:
                break
            self.add(int(ok[np.argmax(self.shift_gain(ok))]))

    def fill(self, max_fill: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Step 4: fill while a shift lowers the objective (its breaks placed at their cheapest): lazy
        greedy, as a shift's gain only falls while others are added (breaks aside, which a final
        full pass catches); then once more without the budget price. Returns the break incidences
        and starts of the shifts added."""
        p, use, everything = self.p, self.use, self.everything
        brk_of = _incidences_by_option(p)
        new_inc: list[np.ndarray] = []
        new_starts: list[np.ndarray] = []

        def fill_score(j: int) -> int | None:
            v = self.gain_now(j)
            return v if v > 0 else None

        def take(j: int) -> None:
            self.add(j)
            mine = brk_of[j]
            new_inc.append(mine)
            new_starts.append(_place(p, self.surplus, mine))
            s, e = p.opt_start[j], min(self.opt_end[j], self.T)
            self.blocks.refresh(int(p.opt_queue[j]), int(s), int(e))  # its breaks took some of its intervals back

        for last in (False, True):
            if last:
                if not self.price.any():
                    break
                self.set_price(0.0)
            while len(new_inc) < max_fill:
                ok = everything[use.allowed(everything)]
                g = self.shift_gain(ok) - self.per_option_break[ok] * p.over_weight
                ok, g = ok[g > 0], g[g > 0]
                if len(ok) == 0 or not _lazy_greedy(
                    ok, g.tolist(), fill_score, take, max_fill - len(new_inc), valid=use.allows
                ):
                    break
        return new_inc, new_starts


def _round_down_by_shape(p: AggregateProblem, lp_shifts: np.ndarray) -> np.ndarray:
    """[J] integer shifts from LP counts: within each group of one (class, day, template, length,
    queue), in order of start, the floor of the group's running sum, differenced."""
    fields = (p.opt_class, p.opt_day, p.opt_template, p.opt_length, p.opt_queue)
    order = np.lexsort((p.opt_start, *fields[::-1]))  # by shape, then start
    shape = np.stack(fields)[:, order]
    first = np.concatenate([[True], (np.diff(shape, axis=1) != 0).any(axis=0)])
    running = np.cumsum(np.maximum(lp_shifts[order], 0.0))
    before = np.concatenate([[0.0], running])[np.flatnonzero(first)][np.cumsum(first) - 1]
    whole = np.floor(running - before + 1e-6).astype(np.int64)
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.diff(np.concatenate([[0], whole]))
    out[order[first]] = whole[first]
    return out


def _lazy_greedy(
    cand: np.ndarray,
    scores: list[int],
    score: Callable[[int], int | None],
    take: Callable[[int], None],
    max_take: int = 1 << 62,
    valid: Callable[[int], bool] | None = None,
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
    return place_breaks(
        surplus,
        p.group_queue[g],
        p.brk_window_start[inc],
        p.group_width[g],
        p.group_duration[g],
        p.under_weight,
        p.over_weight,
    )


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
