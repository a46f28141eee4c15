"""Keeping a given roster where changing it does not pay (`wfm replan`).

The stages before search the roster for coverage; a planner also pays for every shift that moves
(agents must be told). `revert_changes` walks the best roster's shifts that differ from the given
roster's shift of the same agent and day, and puts the given one back where every rule still holds
(the week's paid minutes, rest to the neighbouring shifts, blocked time, the week rules, the budget)
and coverage loses at most `keep_weight` (objective units) by it: a change is kept only where it gains
more than it costs.
"""

from __future__ import annotations

import numpy as np

from models.rules import WeekShifts
from wfm.assignment import AssignedShift, week_paid
from wfm.planning import Plan


class _Coverage:
    """On-phone minus required agents per (queue, interval), and what a shift adds to it."""

    def __init__(self, plan: Plan, shifts: list[AssignedShift]) -> None:
        p = plan.problem
        self.p = p
        T = p.required.shape[1]
        self.pad = int(p.opt_length.max(initial=0)) + 1
        self.surplus = np.zeros((p.required.shape[0], T + self.pad), dtype=np.int64)
        self.surplus[:, :T] -= p.required
        order = np.argsort(p.brk_option, kind="stable")
        cut = np.searchsorted(p.brk_option[order], np.arange(p.n_options + 1))
        self.durations = [
            p.group_duration[p.brk_group[order[cut[j] : cut[j + 1]]]].tolist() for j in range(p.n_options)
        ]
        for s in shifts:
            self.apply(s, +1)

    def apply(self, s: AssignedShift, sign: int) -> None:
        p, j = self.p, s.option
        row = self.surplus[p.opt_queue[j]]
        row[p.opt_start[j] : p.opt_start[j] + p.opt_length[j]] += sign
        for d, b in zip(self.durations[j], s.break_starts, strict=False):
            row[b : b + d] -= sign

    def cost(self, s: AssignedShift) -> int:
        """Model units of under- and over-staffing over the span the shift covers."""
        p, j = self.p, s.option
        here = self.surplus[p.opt_queue[j], p.opt_start[j] : p.opt_start[j] + p.opt_length[j]]
        return int(np.where(here < 0, -here * p.under_weight, here * p.over_weight).sum())


def revert_changes(
    plan: Plan, shifts: list[AssignedShift], given: list[AssignedShift], keep_units: float, min_rest: int
) -> tuple[list[AssignedShift], int]:
    """`shifts` with the given shift of the same agent and day put back wherever that keeps every rule
    and costs at most `keep_units` (model units) of coverage; and how many were put back."""
    p = plan.problem
    by_day = {(g.agent, g.day): g for g in given}
    out = list(shifts)
    at = {(s.agent, s.day): i for i, s in enumerate(out)}
    cover = _Coverage(plan, out)
    week_of, paid = week_paid(plan, out)
    budget_left = None if p.budget_min is None else p.budget_min - int(sum(p.opt_budget_min[s.option] for s in out))
    ends = p.opt_start + p.opt_length
    reverted = 0
    for i, s in enumerate(out):
        g = by_day.get((s.agent, s.day))
        if g is None or (g.option, g.break_starts) == (s.option, s.break_starts):
            continue
        a, w = s.agent, int(week_of[s.day])
        week = int(paid[a, w] - p.opt_paid_min[s.option] + p.opt_paid_min[g.option])
        if not plan.week_min_paid[a, w] <= week <= plan.week_max_paid[a, w]:
            continue
        spend = int(p.opt_budget_min[g.option] - p.opt_budget_min[s.option])
        if budget_left is not None and spend > max(budget_left, 0):
            continue
        if not _fits(plan, out, at, i, g, min_rest, ends):
            continue
        before = cover.cost(s) + cover.cost(g)
        cover.apply(s, -1)
        cover.apply(g, +1)
        if cover.cost(s) + cover.cost(g) - before > keep_units:
            cover.apply(g, -1)
            cover.apply(s, +1)
            continue
        out[i] = g
        paid[a, w] = week
        budget_left = None if budget_left is None else budget_left - spend
        reverted += 1
    return out, reverted


def _fits(
    plan: Plan,
    out: list[AssignedShift],
    at: dict[tuple[int, int], int],
    i: int,
    g: AssignedShift,
    min_rest: int,
    ends: np.ndarray,
) -> bool:
    """Whether `g` may stand in for `out[i]`: rest to the agent's shifts the day before and after, its
    blocked time, and the week rules beside its other shifts of the week."""
    p, a, d = plan.problem, g.agent, g.day
    start, end = int(p.opt_start[g.option]), int(ends[g.option])
    prev, nxt = at.get((a, d - 1)), at.get((a, d + 1))
    if prev is not None and start - int(ends[out[prev].option]) < min_rest:
        return False
    if nxt is not None and int(p.opt_start[out[nxt].option]) - end < min_rest:
        return False
    if any(lo < end and start < hi for lo, hi in plan.blocked.get(a, [])):
        return False
    if plan.week_rules:
        w = plan.week_of_day[d]
        mine = [out[k].option for (b, e), k in at.items() if b == a and e != d and plan.week_of_day[e] == w]
        others = WeekShifts(plan.opt_start_min[mine], plan.opt_end_min[mine])
        one = np.array([g.option])
        return all(bool(r.allows(plan.opt_start_min[one], plan.opt_end_min[one], others)[0]) for r in plan.week_rules)
    return True
