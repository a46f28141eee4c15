"""Turn a scenario and its inputs into the integer problem of the aggregate model, and back.

This is the one place where time becomes interval indices and weights become integers:
`OBJECTIVE_SCALE` model units make one objective unit (agent-hour of under-staffing at weight 1,
one currency unit of cost, one contact lost), and every weight is rounded to the nearest model unit
here (`scale`). A shift's date is the date it starts; the horizon timeline starts at the horizon's
first day 00:00.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.problem import AggregateProblem
from models.rules import OptionRows, WeekRule, rules_in_force
from wfm.agents import Agent, Unavailability
from wfm.continuity import History
from wfm.errors import InfeasibleError
from wfm.roster import RosterShift, paid_hours
from wfm.scenario import WEEKDAYS, Scenario, ScenarioConfig, parse_hhmm

WEIGHT_DECIMALS = 100  # weights are honoured to 0.01
FULL_TIME_H = 35.0  # max_hours_week from which a contract counts as full-time when grouping agents


@dataclass(frozen=True)
class Timeline:
    """The horizon cut into intervals of `interval_min` minutes from `start` 00:00."""

    start: dt.date
    days: int
    interval_min: int

    @property
    def per_day(self) -> int:
        return 1440 // self.interval_min

    @property
    def n_intervals(self) -> int:
        return self.days * self.per_day

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def at(self, t: int) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time()) + dt.timedelta(minutes=int(t) * self.interval_min)

    def index(self, stamps: pd.Series) -> np.ndarray:
        """Interval index of each timestamp (floor), as int64."""
        origin = pd.Timestamp(self.start)
        return ((stamps - origin) // pd.Timedelta(minutes=self.interval_min)).to_numpy(dtype=np.int64)

    def scale(self) -> int:
        """Model units per objective unit: an agent-interval at weight 1 costs WEIGHT_DECIMALS units."""
        return WEIGHT_DECIMALS * 60 // self.interval_min


def scale(value: float, units: int) -> int:
    """The one rounding policy for objective coefficients: nearest model unit, halves to even."""
    return round(value * units)


@dataclass(frozen=True)
class ShiftKind:
    """A template and one of its lengths: what the assignment stage gives each agent per day."""

    klass: int
    template: int
    length: int  # intervals
    paid_min: int
    band: int = 0  # start band, in the roster search's view under a start-time spread (`banded`)


@dataclass(frozen=True)
class Plan:
    """Everything stages 2 and 3 need to read an aggregate solution back into shifts."""

    timeline: Timeline
    queues: tuple[str, ...]
    classes: tuple[tuple[int, ...], ...]  # agent indices of each class
    class_queues: tuple[frozenset[int], ...]
    weeks: tuple[tuple[int, ...], ...]
    week_min_paid: np.ndarray  # [A, W] minutes
    week_max_paid: np.ndarray  # [A, W]
    week_max_shifts: np.ndarray  # [A, W]
    week_min_shifts: np.ndarray  # [A, W]: fewest shifts that reach week_min_paid with the class's lengths
    unavailable_day: np.ndarray  # [A, D] bool: whole day off
    blocked: dict[int, list[tuple[int, int]]]  # agent → [start, end) interval ranges unavailable
    problem: AggregateProblem
    opt_kind: np.ndarray  # [J] index into kinds
    kinds: tuple[ShiftKind, ...]
    breaks: tuple[tuple[tuple[int, int, int, int, bool], ...], ...]  # per template: (lo, hi, dur, min_len, paid)
    objective_scale: int
    # the week rules in force (`models.rules`), and each option's start and end in minutes from its
    # day's midnight, which they read
    week_rules: tuple[WeekRule, ...] = ()
    opt_start_min: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    opt_end_min: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    week_of_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    history: History | None = None  # what the previous roster says before the horizon
    locked_day: np.ndarray | None = None  # [A, D] a locked shift is worked that day


def _open_mask(scenario: Scenario, tl: Timeline) -> np.ndarray:
    mask = np.zeros(tl.n_intervals + tl.per_day, dtype=bool)  # one spare day for shifts past the end
    for d in range(tl.days + 1):
        span = scenario.opening(tl.date(d).weekday())
        if span is None:
            continue
        a, b = span
        mask[d * tl.per_day + a // tl.interval_min : d * tl.per_day + b // tl.interval_min] = True
    return mask


def _shift_options(
    cfg: ScenarioConfig,
    tl: Timeline,
    open_mask: np.ndarray,
    tpl_breaks: list[tuple[tuple, ...]],
    class_queues: tuple[frozenset[int], ...],
    class_window: list[tuple[int, int]],
    day_free: np.ndarray,
    cls_cost: list[float],
    units: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], list[ShiftKind]]:
    """Every shift option (day, start, length, queue, class), its break incidences and break groups.

    Options are ordered by template, length, day, start, class and queue; kinds and break groups are
    numbered in order of first use. Built by numpy per template length (the Python loop it replaced
    took 2.6 s of a 24x7 month's 195,000 options)."""
    step, per_day, D = tl.interval_min, tl.per_day, tl.days
    C = len(class_queues)
    weekday = np.array([tl.date(d).weekday() for d in range(D)], dtype=np.int64)
    open_count = np.concatenate([[0], np.cumsum(open_mask, dtype=np.int64)])
    win_from = np.array([w[0] for w in class_window], dtype=np.int64).reshape(C)
    win_to = np.array([w[1] for w in class_window], dtype=np.int64).reshape(C)
    whole_day = (win_from == 0) & (win_to == 1440)
    n_queues = np.array([len(q) for q in class_queues], dtype=np.int64)
    queue_flat = np.array([q for cq in class_queues for q in sorted(cq)], dtype=np.int64)
    queue_first = np.concatenate([[0], np.cumsum(n_queues)[:-1]]).astype(np.int64)
    kinds: list[ShiftKind] = []
    kind_id: dict[tuple[int, int, int], int] = {}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("day", "start", "len", "q", "c", "k", "paid", "budget", "cost", "kind")
    }
    inc: dict[str, list[np.ndarray]] = {k: [] for k in ("opt", "ws", "d", "q", "k", "bi", "width", "dur")}
    n_opts = 0
    for k, tpl in enumerate(cfg.shift_templates):
        lo_s, hi_s = parse_hhmm(tpl.earliest_start), parse_hhmm(tpl.latest_start)
        starts_min = np.array([s for s in range(lo_s, hi_s + 1, tpl.start_step_min) if s % step == 0], dtype=np.int64)
        wdays = [WEEKDAYS.index(w) for w in tpl.weekdays]
        days = np.flatnonzero(np.isin(weekday, wdays))
        for length_h in tpl.lengths_h:
            L = round(length_h * 60) // step
            applicable = [(j, b) for j, b in enumerate(tpl_breaks[k]) if b[3] <= L]
            unpaid = sum(b[2] for _, b in applicable if not b[4]) * step
            allbreaks = sum(b[2] for _, b in applicable) * step
            paid_min = L * step - unpaid
            budget_min = paid_min if cfg.budget.counted_on == "paid" else L * step - allbreaks
            # (day, start) pairs whose every interval is open, day-major
            d_of = np.repeat(days, len(starts_min))
            s_min = np.tile(starts_min, len(days))
            s = d_of * per_day + s_min // step
            end = np.minimum(s + L, len(open_mask))
            fits = open_count[end] - open_count[s] == end - s
            d_of, s_min, s = d_of[fits], s_min[fits], s[fits]
            # × classes whose daily window holds the shift and who have someone free that day
            ok = whole_day[None, :] | (
                (s_min[:, None] >= win_from[None, :]) & (s_min[:, None] + L * step <= win_to[None, :])
            )
            ok &= day_free[:, d_of].T > 0
            row, c = np.nonzero(ok)
            for cc in dict.fromkeys(c.tolist()):  # kinds in order of first use
                if kind_id.setdefault((cc, k, L), len(kinds)) == len(kinds):
                    kinds.append(ShiftKind(cc, k, L, paid_min))
            kid = np.array([kind_id.get((cc, k, L), -1) for cc in range(C)], dtype=np.int64)
            # × the class's queues, ascending
            rep = n_queues[c]
            row, c = np.repeat(row, rep), np.repeat(c, rep)
            within = np.arange(len(row)) - np.repeat(np.cumsum(rep) - rep, rep)
            q = queue_flat[queue_first[c] + within]
            n = len(row)
            cost = np.array(
                [scale(cfg.objective.cost_weight * cls_cost[cc] * paid_min / 60, units) for cc in range(C)],
                dtype=np.int64,
            )
            for key, val in (
                ("day", d_of[row]),
                ("start", s[row]),
                ("len", np.full(n, L)),
                ("q", q),
                ("c", c),
                ("k", np.full(n, k)),
                ("paid", np.full(n, paid_min)),
                ("budget", np.full(n, budget_min)),
                ("cost", cost[c]),
                ("kind", kid[c]),
            ):
                parts[key].append(np.asarray(val, dtype=np.int64))
            # break incidences, option-major then break
            for key, val in _incidences(applicable, L, n_opts, s[row], d_of[row], q, k).items():
                inc[key].append(val)
            n_opts += n
    opts = {key: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for key, v in parts.items()}
    cols = {key: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for key, v in inc.items()}
    brk, grp = _break_groups(cols)
    return opts, brk, grp, kinds


def _pattern_rows(
    cuts: list[tuple[int, int, np.ndarray, int]],
    class_lengths: list[list[int]],
    opt_class: np.ndarray,
    opt_paid: np.ndarray,
    weeks: tuple[tuple[int, ...], ...],
    opt_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pattern cuts as sparse rows over the options: (row, option, coefficient) triplets and rhs."""
    week_of_day = np.zeros(sum(len(days) for days in weeks), dtype=np.int64)
    for w, days in enumerate(weeks):
        week_of_day[list(days)] = w
    wk = week_of_day[opt_day] if len(opt_day) else opt_day
    r_idx, o_idx, coef, rhs = [], [], [], []
    for r, (c, w, f, b) in enumerate(cuts):
        on = np.flatnonzero((opt_class == c) & (wk == w))
        pos = np.searchsorted(np.asarray(class_lengths[c]), opt_paid[on])
        vals = f[pos]
        keep = vals != 0
        r_idx.append(np.full(int(keep.sum()), r))
        o_idx.append(on[keep])
        coef.append(vals[keep])
        rhs.append(b)
    cat = lambda v: np.concatenate(v) if v else np.zeros(0, dtype=np.int64)  # noqa: E731
    return cat(r_idx), cat(o_idx), cat(coef), np.asarray(rhs, dtype=np.int64)


def _weekends(tl: Timeline) -> tuple[tuple[int, ...], ...]:
    """Horizon days of each weekend (Saturday and/or Sunday) that meets the horizon."""
    out: dict[tuple[int, int], list[int]] = {}
    for d in range(tl.days):
        if tl.date(d).weekday() >= 5:
            out.setdefault(tl.date(d).isocalendar()[:2], []).append(d)
    return tuple(tuple(v) for v in out.values())


def _weeks(tl: Timeline) -> tuple[tuple[int, ...], ...]:
    weeks: dict[tuple[int, int], list[int]] = {}
    for d in range(tl.days):
        weeks.setdefault(tl.date(d).isocalendar()[:2], []).append(d)
    return tuple(tuple(v) for v in weeks.values())


def build_plan(
    scenario: Scenario,
    agents: list[Agent],
    unavailability: list[Unavailability],
    requirements: pd.DataFrame,
    service_cuts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    history: History | None = None,
    locked: Sequence[RosterShift] = (),
) -> Plan:
    """Build the aggregate problem; raise `InfeasibleError` with reasons a planner can act on.
    `history` is what the previous roster says before the horizon, `locked` the shifts that stay as
    they are (`wfm.continuity`): the problem is what is left around them — their coverage off the
    requirements, their agents' days, rest, weekly hours and shifts, and their budget taken."""
    cfg = scenario.config
    tl = Timeline(cfg.horizon.start, cfg.horizon.days, cfg.horizon.interval_min)
    queues = tuple(sorted(requirements["queue"].unique()))
    qidx = {q: i for i, q in enumerate(queues)}
    fixed = _locked_use(cfg, tl, agents, qidx, locked)
    req = np.maximum(_required(tl, requirements, qidx) - fixed.cover, 0)  # locked agents are there already
    classes, class_queues, class_window = _agent_classes(agents, queues, qidx)
    served = set().union(*class_queues)
    reasons = [f"queue '{n}' has requirements but no agent is skilled for it — add '{n}' to some agents' skills "
               "in agents.csv" for q, n in enumerate(queues) if req[q].sum() > 0 and q not in served]  # fmt: skip
    history = history or History.none(len(agents))
    open_mask = _open_mask(scenario, tl)
    unavailable_day, whole_day_off, blocked = _unavailable(
        scenario, tl, agents, unavailability, open_mask, history, fixed
    )
    tpl_breaks = _template_breaks(cfg, tl.interval_min)
    day_free = np.array([(~unavailable_day[list(m)]).sum(axis=0) for m in classes])
    # the class's cheapest hourly cost: with it the aggregate stays a relaxation (a true bound)
    cls_cost = [min(agents[i].hourly_cost for i in m) for m in classes]
    opts, brk, grp, kinds = _shift_options(
        cfg, tl, open_mask, tpl_breaks, class_queues, class_window, day_free, cls_cost, tl.scale()
    )
    if not len(opts["day"]):
        reasons.append(
            "no shift template fits the operating hours on any day of the horizon — check "
            "[operating_hours] and the templates' earliest_start/latest_start/lengths_h"
        )
    weeks = _weeks(tl)
    open_day = np.array([scenario.opening(tl.date(d).weekday()) is not None for d in range(tl.days)])
    wmin, wmax, wshifts, week_reasons = _week_limits(
        cfg, tl, agents, weeks, open_day, unavailable_day, whole_day_off, history, fixed
    )
    tight, hull_cuts, class_lengths, tight_reasons = _tight_weeks(
        tl, agents, weeks, classes, kinds, wmin, wmax, wshifts
    )
    budget_min, budget_reasons = _budget_minutes(cfg, wmin, fixed)
    reasons += week_reasons + tight_reasons + budget_reasons
    if reasons:
        raise InfeasibleError("the scenario admits no roster", reasons=reasons)
    week_of_day, week_rules, start_min, end_min, rule_rows = _week_rule_view(cfg, tl, weeks, opts, classes)
    cuts = service_cuts or (None, None, None, None)
    problem = AggregateProblem(
        n_intervals=tl.n_intervals,
        required=req,
        under_weight=scale(cfg.objective.under_weight, WEIGHT_DECIMALS),
        over_weight=scale(cfg.objective.over_weight, WEIGHT_DECIMALS),
        **_option_fields(opts, brk, grp),
        week_days=weeks,
        **_class_limits(cfg, classes, unavailable_day, open_day, tight),
        weekend_days=_weekends(tl),
        pattern_rows=_pattern_rows(hull_cuts, class_lengths, opts["c"], opts["paid"], weeks, opts["day"]),
        budget_min=budget_min,
        option_rows=None if rule_rows is None else (rule_rows.row, rule_rows.option, rule_rows.coef, rule_rows.rhs),
        cut_queue=cuts[0],
        cut_interval=cuts[1],
        cut_const=cuts[2],
        cut_slope=cuts[3],
    )
    return Plan(
        timeline=tl,
        queues=queues,
        classes=classes,
        class_queues=class_queues,
        weeks=weeks,
        week_min_paid=wmin,
        week_max_paid=wmax,
        week_max_shifts=wshifts,
        week_min_shifts=tight[:, :, 2],
        unavailable_day=unavailable_day,
        blocked=blocked,
        problem=problem,
        opt_kind=opts["kind"],
        kinds=tuple(kinds),
        breaks=tuple(tpl_breaks),
        objective_scale=tl.scale(),
        week_rules=week_rules,
        opt_start_min=start_min,
        opt_end_min=end_min,
        week_of_day=week_of_day,
        history=history,
        locked_day=fixed.day_mask(len(agents), tl.days),
    )


def _incidences(
    applicable: list[tuple[int, tuple]],
    length: int,
    first_option: int,
    start: np.ndarray,
    day: np.ndarray,
    queue: np.ndarray,
    template: int,
) -> dict[str, np.ndarray]:
    """The break incidences of one template length's options (option-major, then break): option,
    window start, day, queue, template, break index, window width and duration (intervals)."""
    kept = [
        (bi, blo, min(bhi, length - bdur) - blo, bdur)
        for bi, (blo, bhi, bdur, _, _) in applicable
        if min(bhi, length - bdur) >= blo
    ]
    n = len(start)
    if not kept or not n:
        return {}
    m = len(kept)
    bi, blo, width, dur = (np.tile(np.array([b[i] for b in kept], dtype=np.int64), n) for i in range(4))
    o = np.repeat(np.arange(n), m)
    cols = {
        "opt": first_option + o,
        "ws": start[o] + blo,
        "d": day[o],
        "q": queue[o],
        "k": np.full(n * m, template),
        "bi": bi,
        "width": width,
        "dur": dur,
    }
    return {key: np.asarray(val, dtype=np.int64) for key, val in cols.items()}  # fmt: skip


def _break_groups(cols: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Break groups (day, queue, template, break, width, duration), numbered in order of first use:
    each incidence's option, group and window start, and each group's width, duration and queue."""
    key = np.zeros(len(cols["opt"]), dtype=np.int64)  # one mixed-radix integer (unique on rows is slower)
    for name in ("d", "q", "k", "bi", "width", "dur"):
        key = key * (int(cols[name].max(initial=0)) + 1) + cols[name]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.argsort(first)
    order = first[rank]  # each group's first incidence, in order of first use
    number = np.empty(len(first), dtype=np.int64)
    number[rank] = np.arange(len(first))
    grp = {"width": cols["width"][order], "duration": cols["dur"][order], "queue": cols["q"][order]}
    brk = {"opt": cols["opt"], "group": number[inverse.reshape(-1)], "ws": cols["ws"]}
    return brk, grp


def _template_breaks(cfg: ScenarioConfig, step: int) -> list[tuple[tuple[int, int, int, int, bool], ...]]:
    """Per template, its breaks in intervals: (window start, window end, duration, shortest shift, paid)."""
    return [
        tuple((math.ceil(b.window_start_min / step), b.window_end_min // step, b.duration_min // step,
               round(b.min_shift_h * 60) // step, b.paid) for b in tpl.breaks)
        for tpl in cfg.shift_templates
    ]  # fmt: skip


def _option_fields(
    opts: dict[str, np.ndarray], brk: dict[str, np.ndarray], grp: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The shift options' and their breaks' fields of `AggregateProblem`, from `_shift_options`'s tables."""
    return {
        "opt_day": opts["day"], "opt_start": opts["start"], "opt_length": opts["len"], "opt_queue": opts["q"],
        "opt_class": opts["c"], "opt_template": opts["k"], "opt_paid_min": opts["paid"],
        "opt_budget_min": opts["budget"], "opt_cost": opts["cost"], "brk_option": brk["opt"],
        "brk_group": brk["group"], "brk_window_start": brk["ws"], "group_width": grp["width"],
        "group_duration": grp["duration"], "group_queue": grp["queue"],
    }  # fmt: skip


def _week_rule_view(
    cfg: ScenarioConfig,
    tl: Timeline,
    weeks: tuple[tuple[int, ...], ...],
    opts: dict[str, np.ndarray],
    classes: tuple[tuple[int, ...], ...],
) -> tuple[np.ndarray, tuple[WeekRule, ...], np.ndarray, np.ndarray, OptionRows | None]:
    """What the week rules read: each day's week, the rules in force, each option's start and end
    (minutes from its day's midnight), and the rules' rows for the aggregate."""
    week_of_day = np.zeros(tl.days, dtype=np.int64)
    for w, days in enumerate(weeks):
        week_of_day[list(days)] = w
    week_rules = rules_in_force({**cfg.rules.model_dump(), "late_from_min": cfg.late_shift_end_min})
    start_min = (opts["start"] - opts["day"] * tl.per_day) * tl.interval_min
    end_min = start_min + opts["len"] * tl.interval_min
    rule_rows = _week_rule_rows(week_rules, opts["c"], week_of_day[opts["day"]], start_min, end_min, classes)
    return week_of_day, week_rules, start_min, end_min, rule_rows


def _week_rule_rows(
    week_rules: tuple[WeekRule, ...],
    opt_class: np.ndarray,
    opt_week: np.ndarray,
    start_min: np.ndarray,
    end_min: np.ndarray,
    classes: tuple[tuple[int, ...], ...],
) -> OptionRows | None:
    """The week rules' rows for the aggregate model (`WeekRule.aggregate_rows`), all together."""
    sizes = np.array([len(m) for m in classes], dtype=np.int64)
    rows = [rule.aggregate_rows(opt_class, opt_week, start_min, end_min, sizes) for rule in week_rules]
    return OptionRows.concat([r for r in rows if r is not None])


def _required(tl: Timeline, requirements: pd.DataFrame, qidx: dict[str, int]) -> np.ndarray:
    """[Q, T] required agents per queue and interval of the horizon (rows outside it are left out)."""
    req = np.zeros((len(qidx), tl.n_intervals), dtype=np.int64)
    t = tl.index(requirements["interval_start"])
    inside = (t >= 0) & (t < tl.n_intervals)
    np.maximum.at(
        req,
        (requirements["queue"].map(qidx).to_numpy()[inside], t[inside]),
        requirements["required_agents"].to_numpy(dtype=np.int64)[inside],
    )
    return req


def _agent_classes(
    agents: list[Agent], queues: tuple[str, ...], qidx: dict[str, int]
) -> tuple[tuple[tuple[int, ...], ...], tuple[frozenset[int], ...], list[tuple[int, int]]]:
    """Classes: agents with the same queues, daily window and contract type (full- or part-time, and
    days per week), interchangeable in stage 1; their own hours enter through the class's weekly sums
    and pattern cuts. One class per exact contract multiplied the options (38 classes and 72,000
    options for a generated 300-agent month); merging full- with part-time made stage 2's week models
    much slower (measured). Returns the classes' agents, queues and daily windows."""
    keys: dict[tuple, list[int]] = {}
    for i, a in enumerate(agents):
        serves = tuple(sorted(qidx[q] for q in queues if a.can_serve(q)))
        key = (serves, a.available_from_min, a.available_to_min, a.max_hours_week >= FULL_TIME_H, a.max_days_week)
        keys.setdefault(key, []).append(i)
    return (tuple(tuple(v) for v in keys.values()), tuple(frozenset(k[0]) for k in keys), [(k[1], k[2]) for k in keys])


def _tight_weeks(
    tl: Timeline,
    agents: list[Agent],
    weeks: tuple[tuple[int, ...], ...],
    classes: tuple[tuple[int, ...], ...],
    kinds: list[ShiftKind],
    wmin: np.ndarray,
    wmax: np.ndarray,
    wshifts: np.ndarray,
) -> tuple[np.ndarray, list, list[list[int]], list[str]]:
    """What each agent can really work in a week with its class's paid lengths: [A, W, 4] (min paid,
    max paid, min shifts, max shifts), the pattern hull cuts per class-week, each class's lengths, and
    the reasons no roster can exist."""
    class_of = np.empty(len(agents), dtype=np.int64)
    for c, members in enumerate(classes):
        class_of[list(members)] = c
    class_lengths = [sorted({kk.paid_min for kk in kinds if kk.klass == c}) for c in range(len(classes))]
    tight = np.zeros((len(agents), len(weeks), 4), dtype=np.int64)
    week_patterns: dict[tuple[int, int], list[WeekPatterns]] = {}
    reasons = []
    for i, a in enumerate(agents):
        for w, days in enumerate(weeks):
            got = achievable_week(
                tuple(class_lengths[class_of[i]]), int(wshifts[i, w]), int(wmin[i, w]), int(wmax[i, w])
            )
            if got is None:
                reasons.append(
                    f"agent {a.agent_id}: no combination of at most {wshifts[i, w]} shift(s) of the allowed "
                    f"lengths gives between {wmin[i, w] / 60:.2f} and {wmax[i, w] / 60:.2f} paid hours in the "
                    f"week of {tl.date(days[0])} — widen min/max_hours_week or add shift lengths"
                )
                continue
            tight[i, w] = (got.min_paid, got.max_paid, got.min_shifts, got.max_shifts)
            week_patterns.setdefault((int(class_of[i]), w), []).append(got)
    hull_cuts = []  # (class, week, coefficient per paid length of the class, rhs)
    for (c, w), pats in sorted(week_patterns.items(), key=lambda kv: kv[0]):
        hull_cuts += [(c, w, f, rhs) for f, rhs in pattern_cuts(pats)]
    return tight, hull_cuts, class_lengths, reasons


def _budget_minutes(cfg: ScenarioConfig, wmin: np.ndarray, fixed: _Locked) -> tuple[int | None, list[str]]:
    """The budget in minutes left after the locked shifts (None: no budget), and why it admits no roster."""
    if cfg.budget.hours is None:
        return None, []
    budget_min = math.floor(cfg.budget.hours * 60 + 1e-6) - fixed.budget_min
    need = int(wmin.sum())
    if need <= budget_min:
        return budget_min, []
    return budget_min, [
        f"the budget of {cfg.budget.hours:g} h is below the agents' contracted minimum of {need / 60:.1f} h "
        f"over the horizon — raise [budget].hours to at least {math.ceil(need / 60)} or lower "
        "min_hours_week in agents.csv"
    ]


def _class_limits(
    cfg: ScenarioConfig,
    classes: tuple[tuple[int, ...], ...],
    unavailable_day: np.ndarray,
    open_day: np.ndarray,
    tight: np.ndarray,
) -> dict[str, np.ndarray | None]:
    """Each class's sums of its agents' limits: agents per day, paid minutes and shifts per week,
    template caps and weekends (the `AggregateProblem` fields of the same names)."""
    C, W = len(classes), tight.shape[1]
    templates, rules = cfg.shift_templates, cfg.rules
    out = {
        name: np.zeros((C, W), dtype=np.int64)
        for name in ("class_week_min_paid", "class_week_max_paid", "class_week_min_shifts", "class_week_max_shifts")
    }
    cap = np.zeros((C, len(open_day)), dtype=np.int64)
    tcap = np.full((C, len(templates)), 10**9, dtype=np.int64)
    for c, members in enumerate(classes):
        m = list(members)
        cap[c] = (~unavailable_day[m]).sum(axis=0) * open_day
        for k, name in enumerate(
            ("class_week_min_paid", "class_week_max_paid", "class_week_min_shifts", "class_week_max_shifts")
        ):
            out[name][c] = tight[m, :, k].sum(axis=0)
        for k, tpl in enumerate(templates):
            if tpl.name in rules.max_shifts_per_template:
                tcap[c, k] = rules.max_shifts_per_template[tpl.name] * len(m)
    weekend_cap = (
        None if rules.max_weekends is None else np.array([rules.max_weekends * len(m) for m in classes], dtype=np.int64)
    )
    return {**out, "class_day_cap": cap, "class_template_cap": tcap, "class_weekend_cap": weekend_cap}


@dataclass(frozen=True)
class _Locked:
    """What the locked shifts take: [Q, T] agents on the phone; (agent, day, start, end) interval spans;
    [A, W] paid minutes and shifts; budget minutes."""

    cover: np.ndarray
    spans: tuple[tuple[int, int, int, int], ...]
    paid: np.ndarray
    shifts: np.ndarray
    budget_min: int

    def day_mask(self, n_agents: int, n_days: int) -> np.ndarray:
        mask = np.zeros((n_agents, n_days), dtype=bool)
        for i, d, _, _ in self.spans:
            mask[i, d] = True
        return mask


def _locked_use(
    cfg: ScenarioConfig, tl: Timeline, agents: list[Agent], qidx: dict[str, int], locked: Sequence[RosterShift]
) -> _Locked:
    """The locked shifts in plan units (see `_Locked`)."""
    A, T, step = len(agents), tl.n_intervals, tl.interval_min
    weeks = _weeks(tl)
    week_of = {d: w for w, days in enumerate(weeks) for d in days}
    aidx = {a.agent_id: i for i, a in enumerate(agents)}
    templates = {t.name: t for t in cfg.shift_templates}
    cover = np.zeros((len(qidx), T), dtype=np.int64)
    paid, shifts = np.zeros((A, len(weeks)), dtype=np.int64), np.zeros((A, len(weeks)), dtype=np.int64)
    spans, budget = [], 0
    origin = dt.datetime.combine(tl.start, dt.time())

    def index(t: dt.datetime) -> int:
        return int((t - origin).total_seconds() // 60) // step

    for s in locked:
        i, d = aidx[s.agent_id], (s.date - tl.start).days
        lo, hi = index(s.start), index(s.end)
        spans.append((i, d, lo, hi))
        on = np.zeros(hi - lo, dtype=bool) if s.queue not in qidx else np.ones(hi - lo, dtype=bool)
        for b in s.breaks:
            on[max(0, index(b.start) - lo) : max(0, index(b.end) - lo)] = False
        cover[qidx.get(s.queue, 0), lo : min(hi, T)] += on[: max(0, min(hi, T) - lo)]
        tpl = templates.get(s.template)
        paid_min = round(paid_hours(s.start, s.end, s.breaks, tpl) * 60)
        paid[i, week_of[d]] += paid_min
        shifts[i, week_of[d]] += 1
        paid_breaks = sum(
            round((b.end - b.start).total_seconds() / 60)
            for b in s.breaks
            if tpl is None or b.name not in {x.name for x in tpl.breaks if not x.paid}
        )
        budget += paid_min - (paid_breaks if cfg.budget.counted_on == "productive" else 0)
    return _Locked(cover, tuple(spans), paid, shifts, budget)


def _unavailable(
    scenario: Scenario,
    tl: Timeline,
    agents: list[Agent],
    unavailability: list[Unavailability],
    open_mask: np.ndarray,
    history: History,
    fixed: _Locked,
) -> tuple[np.ndarray, np.ndarray, dict[int, list[tuple[int, int]]]]:
    """Per agent: [D] days no shift fits, [D] whole days of time off (what credits the weekly minimum),
    and the blocked interval ranges [start, end) — time off, and the rest after the previous roster's
    last shift."""
    D, step = tl.days, tl.interval_min
    aidx = {a.agent_id: i for i, a in enumerate(agents)}
    unavailable_day = np.zeros((len(agents), D), dtype=bool)
    blocked: dict[int, list[tuple[int, int]]] = {}
    for u in unavailability:
        d = (u.date - tl.start).days
        if not (0 <= d < D):
            continue
        i = aidx[u.agent_id]
        if u.whole_day:
            unavailable_day[i, d] = True
        blocked.setdefault(i, []).append(
            (d * tl.per_day + u.start_min // step, d * tl.per_day + math.ceil(u.end_min / step))
        )
    origin = dt.datetime.combine(tl.start, dt.time())
    rest = dt.timedelta(hours=scenario.config.rules.min_rest_h)
    for i, end in enumerate(history.last_end):
        if end is not None and end + rest > origin:  # rested only from then on
            blocked.setdefault(i, []).append((0, math.ceil((end + rest - origin).total_seconds() / 60 / step)))
    whole_day_off = unavailable_day.copy()
    rest_n = math.ceil(scenario.config.rules.min_rest_h * 60 / step)
    for i, d, lo, hi in fixed.spans:  # a locked shift's day is taken, and its rest on either side
        unavailable_day[i, d] = True
        blocked.setdefault(i, []).append((lo - rest_n, hi + rest_n))
    has_open = open_mask[: tl.n_intervals].reshape(D, tl.per_day).any(axis=1)
    for i, spans in blocked.items():  # blocked over every open minute of a day: no shift fits that day
        free = open_mask[: tl.n_intervals].copy()
        for lo, hi in spans:
            free[lo:hi] = False
        unavailable_day[i] |= has_open & ~free.reshape(D, tl.per_day).any(axis=1)
    return unavailable_day, whole_day_off, blocked


def longest_paid_min(cfg: ScenarioConfig, agent: Agent) -> int:
    """Paid minutes of the longest shift `agent` can work (its unpaid breaks off): a template length
    with some start on the template's grid inside the agent's daily availability window. What one day
    beyond the horizon's edge can hold, by the edge rule (`wfm.continuity`)."""
    out = 0
    windowed = (agent.available_from_min, agent.available_to_min) != (0, 1440)  # (0, 1440): no window
    for t in cfg.shift_templates:
        first, last = parse_hhmm(t.earliest_start), parse_hhmm(t.latest_start)
        start = max(first, first + -(-(agent.available_from_min - first) // t.start_step_min) * t.start_step_min)
        for length_h in t.lengths_h:
            length = round(length_h * 60)
            if windowed and (start > last or start + length > agent.available_to_min):
                continue
            unpaid = sum(b.duration_min for b in t.breaks if not b.paid and b.min_shift_h * 60 <= length)
            out = max(out, length - unpaid)
    return out


def _open_days_cut(cfg: ScenarioConfig, tl: Timeline, days: tuple[int, ...], history_known: bool) -> int:
    """Open days of the ISO week of `days` outside the horizon: after it, and before it unless a
    previous roster tells what they held."""
    first, last = tl.date(days[0]), tl.date(days[-1])
    cut = [last + dt.timedelta(days=k) for k in range(1, 7 - last.weekday())]
    if not history_known:
        cut += [first - dt.timedelta(days=k) for k in range(1, first.weekday() + 1)]
    return sum(cfg.operating_hours.get(WEEKDAYS[d.weekday()], "closed") != "closed" for d in cut)


def _week_limits(
    cfg: ScenarioConfig,
    tl: Timeline,
    agents: list[Agent],
    weeks: tuple[tuple[int, ...], ...],
    open_day: np.ndarray,
    unavailable_day: np.ndarray,
    whole_day_off: np.ndarray,
    history: History,
    fixed: _Locked,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """[A, W] each agent's paid minutes (min, max) and most shifts per week of the horizon, and the
    reasons no roster can exist. A week cut by the horizon keeps the contract's maximum (less what the
    previous roster worked in it) and lowers its minimum only by what the days cut off could hold; time
    off credits the minimum only on open days (`wfm.continuity`). The days cut off count only as far as
    the agent's days per week leave them free even if it works every open day inside the horizon, so
    the next horizon can always complete the week."""
    A, W = len(agents), len(weeks)
    wmin, wmax, wshifts = (np.zeros((A, W), dtype=np.int64) for _ in range(3))
    rules, reasons = cfg.rules, []
    longest_of = [longest_paid_min(cfg, a) for a in agents]
    for w, days in enumerate(weeks):
        n = len(days)
        before = tl.date(days[0]).weekday()  # days of the ISO week before the horizon
        after = 7 - before - n
        for i, a in enumerate(agents):
            longest = longest_of[i]
            days_off = int((whole_day_off[i, list(days)] & open_day[list(days)]).sum())
            days_off += int(history.week_days_off[i]) if before and history.known else 0
            credit = days_off * a.min_hours_week / a.max_days_week
            prev_paid = (int(history.week_paid_min[i]) if before and history.known else 0) + fixed.paid[i, w]
            prev_shifts = (int(history.week_shifts[i]) if before and history.known else 0) + fixed.shifts[i, w]
            # the days the week can still hold beyond the horizon, whatever the agent works inside it
            open_in = int(open_day[list(days)].sum())
            before_shifts = int(history.week_shifts[i]) if before and history.known else 0
            left = max(0, a.max_days_week - before_shifts - open_in)
            cut = min(left, _open_days_cut(cfg, tl, days, history.known))
            lo = max(0.0, a.min_hours_week * 60 - credit * 60 - prev_paid - cut * longest)
            wmin[i, w] = math.ceil(lo - 1e-6)
            wmax[i, w] = max(0, math.floor(a.max_hours_week * 60 - prev_paid + 1e-6))
            off_before = history.days_off_before(i, before) if history.known else before
            off_needed = max(0, rules.min_days_off_week - after - off_before)
            workable = int((open_day[list(days)] & ~unavailable_day[i, list(days)]).sum())
            wshifts[i, w] = max(0, min(a.max_days_week - prev_shifts, n - off_needed - fixed.shifts[i, w], workable))
            if wmin[i, w] > wshifts[i, w] * longest:
                reasons.append(
                    f"agent {a.agent_id} cannot reach min_hours_week in the week of {tl.date(days[0])}: "
                    f"needs {wmin[i, w] / 60:.1f} h but can work at most {wshifts[i, w]} day(s) of at most "
                    f"{longest / 60:.1f} paid h — lower min_hours_week, allow longer shifts or fewer days off"
                )
            if wmin[i, w] > wmax[i, w]:
                reasons.append(f"agent {a.agent_id}: week of {tl.date(days[0])} min hours exceed max hours")
    return wmin, wmax, wshifts, reasons


@dataclass(frozen=True)
class WeekPatterns:
    """What one agent can work in one week with shifts of the given paid lengths (minutes)."""

    min_paid: int
    max_paid: int
    min_shifts: int
    max_shifts: int
    counts: np.ndarray  # [P, len(lengths)] every feasible number of shifts of each length


@functools.lru_cache(maxsize=4096)
def achievable_week(lengths: tuple[int, ...], max_shifts: int, lo: int, hi: int) -> WeekPatterns | None:
    """Enumerate the ways to work ≤ `max_shifts` shifts of `lengths` (ascending) with a paid total in
    [lo, hi]; None if there is none."""
    found: list[tuple[int, ...]] = []

    def walk(i: int, left: int, counts: tuple[int, ...], total: int) -> None:
        if total > hi:
            return
        if i == len(lengths):
            if total >= lo:
                found.append(counts)
            return
        for n in range(left + 1):
            walk(i + 1, left - n, (*counts, n), total + n * lengths[i])

    walk(0, max_shifts, (), 0)
    if not found:
        return None
    arr = np.array(found, dtype=np.int64)
    totals = arr @ np.asarray(lengths, dtype=np.int64)
    return WeekPatterns(int(totals.min()), int(totals.max()), int(arr.sum(1).min()), int(arr.sum(1).max()), arr)


def pattern_cuts(patterns: list[WeekPatterns], max_rows: int = 12) -> list[tuple[np.ndarray, int]]:
    """Valid inequalities f·n ≤ Σ_a max_{p ∈ P_a} f·p on a class-week's shift counts per length.

    The directions f describe each distinct agent type's pattern hull, scaled to small integers:
    first the equations of its affine hull, both ways (a week of exactly two shifts summing 618–685
    minutes allows only 240+420 or 300+360, a segment: its equations say "as many 240s as 420s"),
    then the facet normals within that affine hull, the simplest (smallest coefficients) first; at
    most `max_rows` in all (each row spans every option of the class-week, so more rows slow the LP
    down: measured). The right-hand side sums every agent's own maximum, so each row holds for any
    f. For a class of identical agents these are facets and equations of the class's own hull.
    """
    equations: list[tuple[int, ...]] = []
    facets: list[tuple[int, ...]] = []
    distinct = {id(p.counts): p for p in patterns}
    agents_of = collections.Counter(id(p.counts) for p in patterns)  # agents sharing each (cached) pattern set
    for pat in distinct.values():
        if pat.counts.shape[1] >= 2:
            eq, fa = _hull_directions(pat.counts.astype(np.int64).tobytes(), pat.counts.shape)
            equations += eq
            facets += fa
    cuts = []
    for r in dict.fromkeys(_simplest_first(equations) + _simplest_first(facets)):
        row = np.array(r, dtype=np.int64)
        rhs = sum(agents_of[key] * int((pat.counts @ row).max()) for key, pat in distinct.items())
        if (row > 0).any() or rhs < 0:  # f ≤ 0 with f·n ≤ 0 already holds for n ≥ 0
            cuts.append((row, rhs))
    return cuts[:max_rows]


def _simplest_first(rows: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    return sorted(rows, key=lambda r: sum(map(abs, r)))  # stable: ties keep their order


@functools.lru_cache(maxsize=4096)
def _hull_directions(
    data: bytes, shape: tuple[int, int]
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """The equations (both signs) and the facet normals of the hull of the points (rows of the int64
    array `data` of `shape`) inside its affine hull, as primitive integer vectors."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.frombuffer(data, dtype=np.int64).reshape(shape)
    diffs = pts[1:] - pts[0]
    flat = _integer_nullspace(diffs)
    equations = [s * f for f in flat for s in (1, -1)]
    dim = shape[1] - len(flat)
    facets = np.zeros((0, shape[1]))
    if dim == 1:
        step = diffs[np.abs(diffs).sum(axis=1).argmax()].astype(float)
        facets = np.array([step, -step])
    elif dim >= 2 and len(pts) > dim:
        basis = np.linalg.svd(diffs.astype(float))[2][:dim]  # orthonormal rows spanning the affine hull
        with contextlib.suppress(QhullError, ValueError):
            facets = ConvexHull((pts - pts[0]) @ basis.T).equations[:, :-1] @ basis
    return tuple(map(tuple, _primitive(np.array(equations, dtype=float).reshape(-1, shape[1])))), tuple(
        map(tuple, _primitive(facets))
    )


def _primitive(directions: np.ndarray) -> list[list[int]]:
    """Each row as a primitive integer vector, if its entries are in small rational ratios (others
    are dropped: facet normals of these small hulls are ratios of small integers)."""
    if len(directions) == 0:
        return []
    lcm = 27720  # lcm(1..12)
    scale = np.where(np.abs(directions) > 1e-9, np.abs(directions), np.inf).min(axis=1, keepdims=True)
    f = np.rint(directions / scale * lcm)
    exact = np.isfinite(scale[:, 0]) & (np.abs(f - directions / scale * lcm) < 1e-3).all(axis=1)
    f = f[exact].astype(np.int64)
    return (f // np.maximum(np.gcd.reduce(np.abs(f), axis=1), 1)[:, None]).tolist()


def _integer_nullspace(diffs: np.ndarray) -> list[np.ndarray]:
    """Integer vectors f with diffs @ f = 0 spanning that null space (exact rational elimination
    on a set of independent rows)."""
    from fractions import Fraction

    n = diffs.shape[1]
    rank = int(np.linalg.matrix_rank(diffs)) if len(diffs) else 0
    if rank == n:
        return []
    independent: list[np.ndarray] = []
    for row in diffs:
        if len(independent) == rank:
            break
        if np.linalg.matrix_rank(np.array([*independent, row])) > len(independent):
            independent.append(row)
    rows = [[Fraction(int(v)) for v in r] for r in independent]
    pivots: list[int] = []
    for c in range(n):
        r = len(pivots)
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                rows[i] = [a - rows[i][c] * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
    basis = []
    for free in (c for c in range(n) if c not in pivots):
        vec = [Fraction(0)] * n
        vec[free] = Fraction(1)
        for i, c in enumerate(pivots):
            vec[c] = -rows[i][free]
        den = math.lcm(*(v.denominator for v in vec))
        basis.append(np.array([int(v * den) for v in vec], dtype=np.int64))
    return basis


def banded(plan: Plan, width_min: int) -> Plan:
    """The plan with each kind split by start band (`width_min` minutes of start time of day): the
    roster search's view under a start-time spread rule, so that a kind's options all start within
    one band and a shift can move inside the band its week's window holds (`models.rules`)."""
    band = plan.opt_start_min // max(width_min, plan.timeline.interval_min)
    keys: dict[tuple[int, int], int] = {}
    kinds: list[ShiftKind] = []
    opt_kind = np.empty_like(plan.opt_kind)
    for j, (k, b) in enumerate(zip(plan.opt_kind.tolist(), band.tolist(), strict=True)):
        if (k, b) not in keys:
            keys[(k, b)] = len(kinds)
            kinds.append(dataclasses.replace(plan.kinds[k], band=b))
        opt_kind[j] = keys[(k, b)]
    return dataclasses.replace(plan, opt_kind=opt_kind, kinds=tuple(kinds))
