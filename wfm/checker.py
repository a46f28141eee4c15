"""The independent roster checker: every hard rule of the schedule, coverage and the objective, recomputed.

This module is the executable form of `notes/schedule_spec.md`; every solve path is tested against
it. It reads only the shared readers, the scenario, the roster format and the queueing functions —
never the solver (`models/`, `wfm.schedule*`).

Each numbered rule of the specification is one function `rule_*` below that returns its violations
(agent_id, date, rule, detail). Rule names, in order: unknown-agent, outside-horizon, skill,
unknown-queue, unknown-template (1), one-shift-per-day (2), template (3), operating-hours (4),
availability-window (5), unavailable (6), breaks (7), rest (8), max-consecutive-days,
min-consecutive-days, min-consecutive-days-off (9), days-off-week (10), min-hours-week,
max-hours-week, max-days-week (11), max-weekends (12), max-shifts-per-template (13), budget (14);
and paid-hours (a roster's paid_hours differs from its times by more than the 2-decimal rounding);
the week rules max-late-shifts-week and start-time-spread-week (per agent and ISO week).

Where the specification is silent, this module decides (and the solver must agree):
- Paid hours are recomputed from the times: (end − start − unpaid breaks)/60, a break being unpaid
  when the template names it as unpaid. These, not the file's rounded `paid_hours`, feed the weekly
  limits, the budget and the cost; a file value off by more than 0.005 h is a `paid-hours` violation.
- Rule 4 checks every minute of a shift (for shifts on the interval grid this is the spec's "every
  interval the shift covers"; off the grid it is stricter). In coverage a shift counts in interval t
  when shift_start ≤ t < shift_end (t = the interval's start); a break lowers coverage only inside
  its shift, and overlapping breaks of one shift count once.
- Shifts of unknown agents, or dated outside the horizon, are reported and then left out of the
  per-agent calendar rules (runs, weeks, weekends); they still count in coverage (queue known),
  hours used and the budget. Rest (rule 8) compares every pair of consecutive shifts of a known agent.
- A whole day of unavailability (rule 11's u) is a horizon date of that ISO week with an
  unavailability row covering 00:00–24:00; several rows on one date count once.
- Max-consecutive-days applies to every run, also those touching the horizon's edges.
- Rule 11 counts shifts (not distinct dates) against max_days_week.
- Service level over a set of intervals is the contact-weighted mean; days without contacts are left
  out of `service_level_by_day`, and a horizon without contacts has service level 1.
- Coverage rows: every horizon interval × every queue of the requirements, sorted by interval_start
  then queue. Requirement rows inside the horizon must lie on the scenario's interval grid.
- The service objective's V (`wfm.service_value.service_value_table`) is the concave envelope over
  0…N scheduled agents, and it depends on N. The checker takes the envelope over all n ≥ 0: N is
  doubled until every interval is saturated (V(N) = its contacts), which fixes V independently of
  the roster and of any agent count.
- Violations are sorted by agent_id, date (undated first) and rule order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.agents import Agent, Preference, Unavailability, read_agents, read_preferences, read_unavailability
from wfm.continuity import read_previous_roster
from wfm.errors import InputError
from wfm.requirements import read_requirements
from wfm.roster import Break, RosterShift, applicable_breaks, paid_hours, read_roster
from wfm.scenario import (
    WEEKDAYS,
    BreakConfig,
    RulesConfig,
    Scenario,
    ShiftTemplateConfig,
    load_scenario,
    parse_hhmm,
)
from wfm.service_value import saturated_value_table
from wfm.staffing import effective_agents, projected_performance

RULES = (
    "unknown-agent",
    "outside-horizon",
    "skill",
    "unknown-queue",
    "unknown-template",
    "one-shift-per-day",
    "template",
    "operating-hours",
    "availability-window",
    "unavailable",
    "breaks",
    "rest",
    "max-consecutive-days",
    "min-consecutive-days",
    "min-consecutive-days-off",
    "days-off-week",
    "min-hours-week",
    "max-hours-week",
    "max-days-week",
    "max-weekends",
    "max-shifts-per-template",
    "budget",
    "paid-hours",
    "max-late-shifts-week",
    "start-time-spread-week",
)
HISTORY_DAYS = 14  # days before the horizon a previous roster joins the checks (as `wfm.continuity` reads it)
HOURS_TOL = 1e-6  # hours; the weekly limits and the budget allow this much rounding
PAID_HOURS_TOL = 0.005 + 1e-9  # hours; roster.csv rounds paid_hours to 2 decimals


@dataclass(frozen=True)
class Violation:
    """A broken hard rule: which agent ("*" for the whole roster), on which date (None if undated), why."""

    agent_id: str
    date: dt.date | None
    rule: str
    detail: str

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule '{self.rule}'")


@dataclass(frozen=True)
class CheckReport:
    """What `wfm check` finds. Hours are agent-hours; service levels are fractions in [0, 1].

    `objective_terms` are the weighted terms of the objective (they sum to `objective`);
    `hours_used` is counted as the budget says (paid or productive hours); `budget_hours` is None
    without a budget. `fairness` holds, for `weekend_days` and `late_shifts`, the min, max and spread
    (max − min) over all agents. `coverage` has one row per horizon interval and queue.
    """

    violations: tuple[Violation, ...]
    objective: float
    objective_terms: dict[str, float]
    under_agent_hours: float
    over_agent_hours: float
    hours_used: float
    budget_hours: float | None
    projected_service_level: float
    service_level_by_day: dict[str, float]
    fairness: dict[str, dict[str, float]]
    coverage: pd.DataFrame = field(repr=False)
    hours_counted_on: str = "paid"

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary_lines(self) -> list[str]:
        """The report's figures as planner-readable lines (the violations are listed separately)."""
        terms = ", ".join(f"{k.replace('_', ' ')} {v:,.6g}" for k, v in self.objective_terms.items())
        budget = "no budget" if self.budget_hours is None else f"budget {self.budget_hours:,.6g}"
        by_day = [f"{d} {v:.1%}" for d, v in self.service_level_by_day.items()]
        lines = [
            f"objective {self.objective:,.6g} = {terms}",
            f"hours used {self.hours_used:,.6g} {self.hours_counted_on} hours, {budget}",
            f"under-staffed {self.under_agent_hours:,.6g} agent-hours, over-staffed "
            f"{self.over_agent_hours:,.6g} agent-hours",
            f"projected service level {self.projected_service_level:.1%} over the horizon"
            + (f" (per day: {', '.join(by_day)})" if len(by_day) <= 7 else ""),
        ]
        for name, f in self.fairness.items():
            label = name.replace("_", " ")
            lines.append(f"{label} per agent: {f['min']:g} to {f['max']:g} (spread {f['spread']:g})")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (coverage left out: it is one row per interval and queue)."""
        return {
            "violations": [
                {
                    "agent_id": v.agent_id,
                    "date": None if v.date is None else v.date.isoformat(),
                    "rule": v.rule,
                    "detail": v.detail,
                }
                for v in self.violations
            ],
            "objective": self.objective,
            "objective_terms": dict(self.objective_terms),
            "under_agent_hours": self.under_agent_hours,
            "over_agent_hours": self.over_agent_hours,
            "hours_used": self.hours_used,
            "budget_hours": self.budget_hours,
            "projected_service_level": self.projected_service_level,
            "service_level_by_day": dict(self.service_level_by_day),
            "fairness": {k: dict(v) for k, v in self.fairness.items()},
            "hours_counted_on": self.hours_counted_on,
        }


# --- what every rule needs, computed once ---------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """A check's inputs, indexed for the rules, with each shift's hours recomputed once."""

    scenario: Scenario
    shifts: tuple[RosterShift, ...]
    agents: dict[str, Agent]
    unavailability: dict[tuple[str, dt.date], list[Unavailability]]
    templates: dict[str, ShiftTemplateConfig]
    queues: frozenset[str]
    day_index: dict[dt.date, int]  # horizon date → 0..days−1
    paid_h: np.ndarray  # per shift, recomputed from its times
    counted_h: np.ndarray  # per shift, as the budget counts (paid or productive)
    # the previous roster's shifts before the horizon (None: no previous roster, the past unknown)
    previous: tuple[RosterShift, ...] | None = None

    @cached_property
    def previous_by_agent(self) -> dict[str, list[RosterShift]]:
        out: dict[str, list[RosterShift]] = defaultdict(list)
        for s in sorted(self.previous or (), key=lambda s: s.start):
            out[s.agent_id].append(s)
        return out

    @property
    def rules(self) -> RulesConfig:
        return self.scenario.config.rules

    @property
    def interval_min(self) -> int:
        return self.scenario.config.horizon.interval_min

    @cached_property
    def shifts_by_agent(self) -> dict[str, list[RosterShift]]:
        """Every known agent's shifts (maybe none), sorted by start."""
        out: dict[str, list[RosterShift]] = {a: [] for a in self.agents}
        for s in self.shifts:
            if s.agent_id in out:
                out[s.agent_id].append(s)
        for shifts in out.values():
            shifts.sort(key=lambda s: s.start)
        return out

    @cached_property
    def worked(self) -> dict[str, np.ndarray]:
        """Per known agent, a bool per horizon day: a shift starts that day."""
        out = {a: np.zeros(len(self.day_index), dtype=bool) for a in self.agents}
        for s in self.shifts:
            if s.agent_id in out and s.date in self.day_index:
                out[s.agent_id][self.day_index[s.date]] = True
        return out

    @cached_property
    def weeks(self) -> dict[tuple[int, int], list[dt.date]]:
        """ISO (year, week) → its horizon dates, in order."""
        out: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
        for d in self.day_index:
            out[d.isocalendar()[:2]].append(d)
        return dict(out)


def _minutes(a: dt.datetime, b: dt.datetime) -> int:
    """Whole minutes from a to b."""
    return round((b - a).total_seconds() / 60)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _at(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time())


def _on(s: RosterShift, rule: str, detail: str) -> Violation:
    """A violation by shift `s` (its agent, its date)."""
    return Violation(s.agent_id, s.date, rule, detail)


def _time_of_day(t: dt.datetime) -> int:
    return t.hour * 60 + t.minute


def _hours(shift: RosterShift, template: ShiftTemplateConfig | None, counted_on: str) -> tuple[float, float]:
    """(paid hours, hours as the budget counts them) of one shift."""
    paid = paid_hours(shift.start, shift.end, shift.breaks, template)
    if counted_on == "paid":
        return paid, paid
    unpaid = {b.name for b in template.breaks if not b.paid} if template is not None else set()
    paid_breaks_h = sum(_minutes(b.start, b.end) for b in shift.breaks if b.name not in unpaid) / 60
    return paid, paid - paid_breaks_h


# --- rule 1: identity ---------------------------------------------------------------------------


def rule_identity(ctx: _Context) -> list[Violation]:
    """unknown-agent, outside-horizon, skill, unknown-queue, unknown-template."""
    dates = sorted(ctx.day_index)
    out = []
    for s in ctx.shifts:
        agent = ctx.agents.get(s.agent_id)
        if agent is None:
            out.append(_on(s, "unknown-agent", f"agent '{s.agent_id}' is not in agents.csv"))
        elif not agent.can_serve(s.queue):
            skills = ";".join(sorted(agent.skills))
            out.append(_on(s, "skill", f"queue '{s.queue}' is not in the skills '{skills}'"))
        if s.date not in ctx.day_index:
            out.append(_on(s, "outside-horizon", f"the horizon is {dates[0]} to {dates[-1]}"))
        if s.queue not in ctx.queues:
            out.append(_on(s, "unknown-queue", f"queue '{s.queue}' has no requirements"))
        if s.template not in ctx.templates:
            out.append(_on(s, "unknown-template", f"template '{s.template}' is not in the scenario"))
    return out


# --- rule 2 ---------------------------------------------------------------------------------------


def rule_one_shift_per_day(ctx: _Context) -> list[Violation]:
    """At most one shift starts per agent and date."""
    counts = Counter((s.agent_id, s.date) for s in ctx.shifts)
    return [
        Violation(a, d, "one-shift-per-day", f"{n} shifts start on this date") for (a, d), n in counts.items() if n > 1
    ]


# --- rule 3 ---------------------------------------------------------------------------------------


def rule_template(ctx: _Context) -> list[Violation]:
    """Start on the template's grid within [earliest, latest]; length among lengths_h; weekday allowed."""
    out = []
    for s in ctx.shifts:
        t = ctx.templates.get(s.template)
        if t is None:
            continue
        first, last, start = parse_hhmm(t.earliest_start), parse_hhmm(t.latest_start), _time_of_day(s.start)
        if not first <= start <= last or (start - first) % t.start_step_min:
            grid = f"{t.earliest_start}–{t.latest_start} every {t.start_step_min} min"
            out.append(_on(s, "template", f"start {_hhmm(start)} is not one of template '{t.name}': {grid}"))
        if s.length_min not in {round(h * 60) for h in t.lengths_h}:
            lengths = ", ".join(f"{h:g}" for h in t.lengths_h)
            out.append(
                _on(s, "template", f"length {s.length_min / 60:g} h is not one of template '{t.name}': {lengths} h")
            )
        weekday = WEEKDAYS[s.date.weekday()]
        if weekday not in t.weekdays:
            out.append(_on(s, "template", f"template '{t.name}' is not used on {weekday.capitalize()}"))
    return out


# --- rule 4 ---------------------------------------------------------------------------------------


def rule_operating_hours(ctx: _Context) -> list[Violation]:
    """Every minute of a shift lies within the operating hours of its calendar day (so a shift crosses
    midnight only where one day is open until 24:00 and the next from 00:00)."""
    opening = [ctx.scenario.opening(weekday) for weekday in range(7)]
    out = []
    for s in ctx.shifts:
        start = _time_of_day(s.start)  # the shift is [start, stop) in minutes after its date's midnight
        stop = start + s.length_min
        for day in range((stop - 1) // 1440 + 1):
            lo, hi = max(start - day * 1440, 0), min(stop - day * 1440, 1440)
            date = s.date + dt.timedelta(days=day)
            hours = opening[date.weekday()]
            if hours is None or lo < hours[0] or hi > hours[1]:
                where = "closed" if hours is None else f"open {_hhmm(hours[0])}–{_hhmm(hours[1])}"
                out.append(
                    _on(
                        s,
                        "operating-hours",
                        f"works {_hhmm(lo)}–{_hhmm(hi)} on {date} ({WEEKDAYS[date.weekday()].capitalize()}, {where})",
                    )
                )
    return out


# --- rule 5 ---------------------------------------------------------------------------------------


def rule_availability_window(ctx: _Context) -> list[Violation]:
    """A shift lies inside its agent's daily window [available_from, available_to] of its start date."""
    out = []
    for s in ctx.shifts:
        a = ctx.agents.get(s.agent_id)
        if a is None or (a.available_from_min, a.available_to_min) == (0, 1440):
            continue
        start = _time_of_day(s.start)
        if start < a.available_from_min or start + s.length_min > a.available_to_min:
            out.append(
                _on(
                    s,
                    "availability-window",
                    f"shift {_at(s.start)}–{_at(s.end)} outside the agent's window "
                    f"{_hhmm(a.available_from_min)}–{_hhmm(a.available_to_min)}",
                )
            )
    return out


# --- rule 6 ---------------------------------------------------------------------------------------


def rule_unavailable(ctx: _Context) -> list[Violation]:
    """No minute of a shift (also after midnight) overlaps an unavailability period of its agent."""
    out = []
    for s in ctx.shifts:
        last = (s.end - dt.timedelta(minutes=1)).date()
        for k in range((last - s.date).days + 1):
            date = s.date + dt.timedelta(days=k)
            for u in ctx.unavailability.get((s.agent_id, date), []):
                u_start = _midnight(date) + dt.timedelta(minutes=u.start_min)
                u_end = _midnight(date) + dt.timedelta(minutes=u.end_min)
                if s.start < u_end and u_start < s.end:
                    period = f"{date} {_hhmm(u.start_min)}–{_hhmm(u.end_min)}"
                    out.append(
                        _on(s, "unavailable", f"shift {_at(s.start)}–{_at(s.end)} overlaps unavailability on {period}")
                    )
    return out


# --- rule 7 ---------------------------------------------------------------------------------------


def _break_problems(s: RosterShift, x: Break, b: BreakConfig, interval_min: int) -> list[str]:
    """What is wrong with break `x` of shift `s`, taken as the template's break `b`."""
    problems = []
    if _minutes(x.start, x.end) != b.duration_min:
        problems.append(f"lasts {_minutes(x.start, x.end)} min, not {b.duration_min}")
    offset = _minutes(s.start, x.start)
    if not b.window_start_min <= offset <= b.window_end_min:
        window = f"{b.window_start_min}–{b.window_end_min}"
        problems.append(f"starts {offset} min after the shift start, not {window}")
    if _time_of_day(x.start) % interval_min:
        problems.append(f"is not on the {interval_min}-minute grid")
    if x.end > s.end:
        problems.append("ends after the shift")
    return problems


def rule_breaks(ctx: _Context) -> list[Violation]:
    """Each applicable break of the template once: its duration, in its window, on the grid, in the shift."""
    out = []
    for s in ctx.shifts:
        t = ctx.templates.get(s.template)
        if t is None:
            continue
        expected = applicable_breaks(t, s.length_min)
        for b in expected:
            found = [x for x in s.breaks if x.name == b.name]
            if len(found) != 1:
                out.append(
                    _on(s, "breaks", f"break '{b.name}' is " + (f"given {len(found)} times" if found else "missing"))
                )
            elif problems := _break_problems(s, found[0], b, ctx.interval_min):
                x = found[0]
                out.append(
                    _on(s, "breaks", f"break '{b.name}' {_at(x.start)[11:]}–{_at(x.end)[11:]} " + "; ".join(problems))
                )
        names = {b.name for b in expected}
        for x in s.breaks:
            if x.name not in names:
                why = f"template '{t.name}' has {len(expected)} for a {s.length_min / 60:g} h shift"
                out.append(_on(s, "breaks", f"unexpected break '{x.name}' {_at(x.start)}–{_at(x.end)} ({why})"))
    return out


# --- rule 8 ---------------------------------------------------------------------------------------


def rule_rest(ctx: _Context) -> list[Violation]:
    """Between consecutive shifts of an agent (the previous roster's last one included): next start −
    previous end ≥ min_rest_h."""
    out = []
    for agent_id, shifts in ctx.shifts_by_agent.items():
        before = ctx.previous_by_agent.get(agent_id, [])[-1:]  # the previous roster's last shift
        for prev, nxt in pairwise(before + shifts):
            rest_h = (nxt.start - prev.end).total_seconds() / 3600
            min_h = ctx.rules.min_rest_h
            if rest_h < min_h - 1e-9:
                between = f"the shift ending {_at(prev.end)} and the one starting {_at(nxt.start)}"
                out.append(_on(nxt, "rest", f"{rest_h:g} h between {between} (min {min_h:g} h)"))
    return out


# --- rule 9 ---------------------------------------------------------------------------------------


def _runs(flags: np.ndarray) -> list[tuple[bool, int, int]]:
    """Maximal runs of equal values as (value, first index, length)."""
    out = []
    i = 0
    while i < len(flags):
        j = i
        while j < len(flags) and flags[j] == flags[i]:
            j += 1
        out.append((bool(flags[i]), i, j - i))
        i = j
    return out


def rule_consecutive_days(ctx: _Context) -> list[Violation]:
    """Runs of worked dates ≤ max_consecutive_days; runs of worked (off) dates ≥ min_consecutive_days
    (min_consecutive_days_off) unless they touch the horizon's first or last day. With a previous
    roster, its last 14 days are joined before the horizon (runs wholly inside them are not checked)."""
    horizon = sorted(ctx.day_index)
    h = HISTORY_DAYS if ctx.previous is not None else 0  # days of the previous roster joined before
    dates = [horizon[0] - dt.timedelta(days=h - k) for k in range(h)] + horizon
    r = ctx.rules
    out = []
    for agent_id, flags in ctx.worked.items():
        before = np.zeros(h, dtype=bool)
        for p in ctx.previous_by_agent.get(agent_id, []):
            if 0 < (horizon[0] - p.date).days <= h:
                before[h - (horizon[0] - p.date).days] = True
        for worked, first, length in _runs(np.concatenate([before, flags])):
            if first + length <= h:  # wholly in the previous roster: its own business
                continue
            span = f"{_days(length)} {dates[first]} to {dates[first + length - 1]}"
            inner = first > 0 and first + length < len(dates)
            if worked and length > r.max_consecutive_days:
                out.append(
                    Violation(
                        agent_id, dates[first], "max-consecutive-days", f"works {span} (max {r.max_consecutive_days})"
                    )
                )
            if worked and inner and length < r.min_consecutive_days:
                out.append(
                    Violation(
                        agent_id, dates[first], "min-consecutive-days", f"works {span} (min {r.min_consecutive_days})"
                    )
                )
            if not worked and inner and length < r.min_consecutive_days_off:
                out.append(
                    Violation(
                        agent_id,
                        dates[first],
                        "min-consecutive-days-off",
                        f"off {span} (min {r.min_consecutive_days_off})",
                    )
                )
    return out


# --- rule 10 --------------------------------------------------------------------------------------


def rule_days_off_week(ctx: _Context) -> list[Violation]:
    """Per ISO week: days off among its horizon days ≥ max(0, min_days_off_week − days after the horizon −
    days off before it (all of them without a previous roster; those it shows off with one))."""
    need_base = ctx.rules.min_days_off_week
    out = []
    weeks = ctx.weeks
    for agent_id, flags in ctx.worked.items():
        for days in weeks.values():
            n, before = len(days), days[0].weekday()
            off = n - int(sum(flags[ctx.day_index[d]] for d in days))
            off_before = before  # without a previous roster the days before are taken as off
            if ctx.previous is not None:
                worked_before = {p.date for p in ctx.previous_by_agent.get(agent_id, [])}
                off_before = sum(days[0] - dt.timedelta(days=k) not in worked_before for k in range(1, before + 1))
            need = max(0, need_base - (7 - n - before) - off_before)
            if off < need:
                out.append(
                    Violation(
                        agent_id, days[0], "days-off-week", f"{_days(off)} off in the week of {days[0]} (min {need})"
                    )
                )
    return out


# --- rule 11 --------------------------------------------------------------------------------------


def longest_paid_hours(templates: Sequence[ShiftTemplateConfig], agent: Agent) -> float:
    """Paid hours of the longest shift the agent can work: a template length that some start on the
    template's grid fits inside the agent's availability window. What one day past an edge can hold."""
    out = 0.0
    for t in templates:
        starts = range(parse_hhmm(t.earliest_start), parse_hhmm(t.latest_start) + 1, t.start_step_min)
        for length_h in t.lengths_h:
            length = round(length_h * 60)
            windowed = (agent.available_from_min, agent.available_to_min) != (0, 1440)  # (0, 1440): none
            if windowed and not any(
                agent.available_from_min <= s and s + length <= agent.available_to_min for s in starts
            ):
                continue
            unpaid = sum(b.duration_min for b in t.breaks if not b.paid and b.min_shift_h * 60 <= length)
            out = max(out, (length - unpaid) / 60)
    return out


def week_hour_limits(
    agent: Agent,
    days_off: int,
    cut_days: int,
    previous_h: float = 0.0,
    previous_shifts: int = 0,
    longest_h: float = 0.0,
    n_days: int = 7,
    open_days: int | None = None,
) -> tuple[float, float, int]:
    """(min_eff, max_eff, max shifts) of an agent in an ISO week: the contract's maximum less the
    `previous_h` hours (and `previous_shifts` shifts) the previous roster worked in it; the minimum
    lowered by `min_hours_week / max_days_week` per day off (`days_off`: whole days of time off on open
    horizon days), by `previous_h`, and by what the `cut_days` days of the week outside the horizon and
    not covered by a previous roster could hold: min(its open days `cut_days`, the days max_days_week
    leaves after the previous shifts and every one of the week's `open_days` in the horizon) ×
    `longest_h` — so the next horizon can complete the week whatever was worked in this one."""
    max_eff = agent.max_hours_week - previous_h
    credit = days_off * agent.min_hours_week / agent.max_days_week
    inside = n_days if open_days is None else open_days
    cut = min(cut_days, max(0, agent.max_days_week - previous_shifts - inside))
    min_eff = max(0.0, agent.min_hours_week - credit - previous_h - cut * longest_h)
    return min_eff, max_eff, min(agent.max_days_week - previous_shifts, n_days)


def rule_weekly_limits(ctx: _Context) -> list[Violation]:
    """Per agent and ISO week: paid hours in [min_eff, max_eff]; shifts ≤ the week's most (see
    `week_hour_limits`; with a previous roster, its shifts in the week that straddles the start count)."""
    hours: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    count: Counter = Counter()
    for i, s in enumerate(ctx.shifts):
        if s.agent_id in ctx.agents and s.date in ctx.day_index:
            key = (s.agent_id, s.date.isocalendar()[:2])
            hours[key] += float(ctx.paid_h[i])
            count[key] += 1
    before_h: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    before_n: Counter = Counter()
    for s in ctx.previous or ():
        tpl = ctx.templates.get(s.template)
        before_h[(s.agent_id, s.date.isocalendar()[:2])] += paid_hours(s.start, s.end, s.breaks, tpl)
        before_n[(s.agent_id, s.date.isocalendar()[:2])] += 1
    out = []
    for agent_id, agent in ctx.agents.items():
        for week, days in ctx.weeks.items():
            before, after = days[0].weekday(), 6 - days[-1].weekday()
            cut_days = [days[-1] + dt.timedelta(days=k) for k in range(1, after + 1)]
            if ctx.previous is None:
                cut_days += [days[0] - dt.timedelta(days=k) for k in range(1, before + 1)]
            cut = sum(ctx.scenario.opening(d.weekday()) is not None for d in cut_days)
            credited = list(days)  # with a previous roster the week's days before the horizon credit too
            if ctx.previous is not None:
                credited += [days[0] - dt.timedelta(days=k) for k in range(1, before + 1)]
            off = sum(
                ctx.scenario.opening(d.weekday()) is not None
                and any(u.whole_day for u in ctx.unavailability.get((agent_id, d), []))
                for d in credited
            )
            lo, hi, max_shifts = week_hour_limits(
                agent,
                off,
                cut,
                before_h[(agent_id, week)],
                before_n[(agent_id, week)],
                longest_paid_hours(list(ctx.templates.values()), agent),
                len(days),
                sum(ctx.scenario.opening(d.weekday()) is not None for d in days),
            )
            h, n = hours[(agent_id, week)], count[(agent_id, week)]
            if h < lo - HOURS_TOL:
                out.append(
                    Violation(
                        agent_id, days[0], "min-hours-week", f"{h:g} paid hours in the week of {days[0]} (min {lo:g})"
                    )
                )
            if h > hi + HOURS_TOL:
                out.append(
                    Violation(
                        agent_id, days[0], "max-hours-week", f"{h:g} paid hours in the week of {days[0]} (max {hi:g})"
                    )
                )
            if n > max_shifts:
                out.append(
                    Violation(
                        agent_id, days[0], "max-days-week", f"{n} shifts in the week of {days[0]} (max {max_shifts})"
                    )
                )
    return out


# --- rule 12 --------------------------------------------------------------------------------------


def rule_max_weekends(ctx: _Context) -> list[Violation]:
    """Weekends worked (a shift starts on its Saturday or Sunday) ≤ max_weekends."""
    limit = ctx.rules.max_weekends
    if limit is None:
        return []
    out = []
    for agent_id, flags in ctx.worked.items():
        weekends: dict[tuple[int, int], dt.date] = {}
        for d, i in ctx.day_index.items():
            if flags[i] and d.weekday() >= 5:
                weekends.setdefault(d.isocalendar()[:2], d)  # dates come in order: the weekend's first
        if len(weekends) > limit:
            first_over = sorted(weekends.values())[limit]
            out.append(Violation(agent_id, first_over, "max-weekends", f"works {len(weekends)} weekends (max {limit})"))
    return out


# --- rule 13 --------------------------------------------------------------------------------------


def rule_max_shifts_per_template(ctx: _Context) -> list[Violation]:
    """Per agent, shifts of template X ≤ max_shifts_per_template[X]."""
    limits = ctx.rules.max_shifts_per_template
    out = []
    for agent_id, shifts in ctx.shifts_by_agent.items():
        for name, limit in limits.items():
            of_template = [s for s in shifts if s.template == name]
            if len(of_template) > limit:
                out.append(
                    Violation(
                        agent_id,
                        of_template[limit].date,
                        "max-shifts-per-template",
                        f"{len(of_template)} shifts of template '{name}' (max {limit})",
                    )
                )
    return out


# --- rule 14 --------------------------------------------------------------------------------------


def rule_budget(ctx: _Context) -> list[Violation]:
    """Σ hours (paid or productive, as the budget counts) ≤ budget.hours."""
    budget = ctx.scenario.config.budget
    used = float(ctx.counted_h.sum())
    if budget.hours is None or used <= budget.hours + HOURS_TOL:
        return []
    return [Violation("*", None, "budget", f"{used:g} {budget.counted_on} hours used, budget {budget.hours:g}")]


# --- paid_hours column integrity -------------------------------------------------------------------


def rule_paid_hours(ctx: _Context) -> list[Violation]:
    """A shift's stated paid_hours equals (end − start − unpaid breaks)/60 up to 2-decimal rounding
    (not checked for an unknown template: which breaks are unpaid is unknown)."""
    return [
        _on(s, "paid-hours", f"paid_hours {s.paid_hours:g} but the times give {ctx.paid_h[i]:g}")
        for i, s in enumerate(ctx.shifts)
        if s.template in ctx.templates and abs(s.paid_hours - ctx.paid_h[i]) > PAID_HOURS_TOL
    ]


# --- week rules: late shifts and start-time spread per ISO week ---------------------------------------


def _known_weeks(ctx: _Context) -> dict[tuple[str, tuple[int, int]], list[RosterShift]]:
    """(agent, ISO week) → the agent's shifts dated that week inside the horizon, by start."""
    out: dict[tuple[str, tuple[int, int]], list[RosterShift]] = defaultdict(list)
    for agent_id, shifts in ctx.shifts_by_agent.items():
        for s in shifts:
            if s.date in ctx.day_index:
                out[(agent_id, s.date.isocalendar()[:2])].append(s)
    return out


def rule_max_late_shifts_week(ctx: _Context) -> list[Violation]:
    """Per agent and ISO week, late shifts ≤ max_late_shifts_week; a shift is late when it ends at or
    after the late-shift end (`[rules]` or `[objective]` late_shift_end) or on a later date."""
    limit = ctx.rules.max_late_shifts_week
    if limit is None:
        return []
    late_from = ctx.scenario.config.late_shift_end_min
    out = []
    for (agent_id, (year, week)), shifts in _known_weeks(ctx).items():
        late = [s for s in shifts if s.end.date() > s.date or _time_of_day(s.end) >= late_from]
        if len(late) > limit:
            out.append(
                Violation(
                    agent_id,
                    late[limit].date,
                    "max-late-shifts-week",
                    f"{len(late)} late shifts in week {year}-W{week:02d} (max {limit}, late = "
                    f"ending at or after {_hhmm(late_from)})",
                )
            )
    return out


def rule_start_time_spread_week(ctx: _Context) -> list[Violation]:
    """Per agent and ISO week, the latest shift start − the earliest (time of day) ≤ start_time_spread_min."""
    limit = ctx.rules.start_time_spread_min
    if limit is None:
        return []
    out = []
    for (agent_id, (year, week)), shifts in _known_weeks(ctx).items():
        starts = [_time_of_day(s.start) for s in shifts]
        if starts and max(starts) - min(starts) > limit:
            out.append(
                Violation(
                    agent_id,
                    shifts[0].date,
                    "start-time-spread-week",
                    f"starts from {_hhmm(min(starts))} to {_hhmm(max(starts))} in week "
                    f"{year}-W{week:02d}: {max(starts) - min(starts)} min apart (max {limit})",
                )
            )
    return out


RULE_CHECKS: tuple[Callable[[_Context], list[Violation]], ...] = (
    rule_identity,
    rule_one_shift_per_day,
    rule_template,
    rule_operating_hours,
    rule_availability_window,
    rule_unavailable,
    rule_breaks,
    rule_rest,
    rule_consecutive_days,
    rule_days_off_week,
    rule_weekly_limits,
    rule_max_weekends,
    rule_max_shifts_per_template,
    rule_budget,
    rule_paid_hours,
    rule_max_late_shifts_week,
    rule_start_time_spread_week,
)


# --- coverage, service level and the objective ------------------------------------------------------


def _requirements_grid(
    ctx: _Context, requirements: pd.DataFrame, queues: list[str], n_intervals: int
) -> dict[str, np.ndarray]:
    """Requirement columns as (queue, interval) arrays; missing intervals require 0 with no contacts."""
    h = ctx.scenario.config.horizon
    minutes = ((requirements["interval_start"] - pd.Timestamp(h.start)) // pd.Timedelta(minutes=1)).to_numpy()
    inside = (minutes >= 0) & (minutes < n_intervals * h.interval_min)
    off_grid = inside & (minutes % h.interval_min != 0)
    if off_grid.any():
        i = int(np.argmax(off_grid))
        raise InputError(
            f"requirements interval {requirements['interval_start'].iloc[i]:%Y-%m-%dT%H:%M} is not on the "
            f"scenario's {h.interval_min}-minute grid",
            row=int(requirements.index[i]),
            column="interval_start",
        )
    rows = requirements[inside]
    q = rows["queue"].map({name: k for k, name in enumerate(queues)}).to_numpy(dtype=np.int64)
    t = minutes[inside] // h.interval_min
    shape = (len(queues), n_intervals)
    grid = {"required": np.zeros(shape, dtype=np.int64), "contacts": np.zeros(shape), "aht_s": np.ones(shape)}
    grid["required"][q, t] = rows["required_agents"].to_numpy(dtype=np.int64)
    grid["contacts"][q, t] = rows["contacts"].to_numpy(dtype=float)
    aht = rows["aht_seconds"].to_numpy(dtype=float)
    for k in range(len(queues)):  # where a queue has no row (and no contacts), its mean handle time
        grid["aht_s"][k] = aht[q == k].mean() if (q == k).any() else 1.0
    grid["aht_s"][q, t] = aht
    return grid


def _scheduled(ctx: _Context, queues: list[str], n_intervals: int) -> np.ndarray:
    """Agents on the phone per (queue, interval): in a shift of that queue and not on one of its breaks.

    Each shift adds +1 over its covered intervals [first, stop) and each break −1 over its part inside
    the shift, as differences accumulated with `np.add.at` and summed cumulatively.
    """
    step = ctx.interval_min
    h0 = _midnight(ctx.scenario.config.horizon.start)
    q_of = {name: k for k, name in enumerate(queues)}

    def index(t: dt.datetime) -> int:  # the first interval starting at or after t, within the horizon
        return min(max(-(-_minutes(h0, t) // step), 0), n_intervals)

    spans = []  # (queue, first, stop, +1 shift / −1 break)
    for s in ctx.shifts:
        if s.queue not in q_of:
            continue
        q, first, stop = q_of[s.queue], index(s.start), index(s.end)
        spans.append((q, first, stop, 1))
        cursor = first  # overlapping breaks of one shift count once
        for br in sorted(s.breaks, key=lambda x: x.start):
            lo, hi = max(index(br.start), cursor), min(index(br.end), stop)
            if lo < hi:
                spans.append((q, lo, hi, -1))
                cursor = hi
    diff = np.zeros((len(queues), n_intervals + 1), dtype=np.int64)
    if spans:
        q, lo, hi, sign = np.array(spans, dtype=np.int64).T
        np.add.at(diff, (q, lo), sign)
        np.add.at(diff, (q, hi), -sign)
    return np.cumsum(diff, axis=1)[:, :n_intervals]


def _coverage(ctx: _Context, requirements: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The coverage frame, and its (queue, interval) arrays by name (required, scheduled, contacts, …)."""
    h = ctx.scenario.config.horizon
    n_intervals = h.days * 1440 // h.interval_min
    queues = sorted(ctx.queues)
    grid = _requirements_grid(ctx, requirements, queues, n_intervals)
    grid["scheduled"] = _scheduled(ctx, queues, n_intervals)
    measures = {
        "service_level": "service_level",
        "asa_s": "asa_seconds",
        "occupancy": "occupancy",
        "abandon_rate": "abandon_rate",
    }
    for name in measures:
        grid[name] = np.zeros(grid["scheduled"].shape)
    for k, queue in enumerate(queues):
        targets = ctx.scenario.config.service.targets_for(queue)
        on_phone = effective_agents(grid["scheduled"][k], targets.shrinkage)
        perf = projected_performance(grid["contacts"][k], grid["aht_s"][k], on_phone, h.interval_min, targets)
        for name, key in measures.items():
            grid[name][k] = perf[key]
    starts = pd.date_range(pd.Timestamp(h.start), periods=n_intervals, freq=f"{h.interval_min}min")
    under = np.maximum(0, grid["required"] - grid["scheduled"])
    over = np.maximum(0, grid["scheduled"] - grid["required"])
    frame = pd.DataFrame(
        {  # interval-major: row = interval × len(queues) + queue
            "interval_start": np.repeat(starts, len(queues)),
            "queue": np.tile(np.array(queues, dtype=object), n_intervals),
            "required_agents": grid["required"].T.ravel(),
            "scheduled_agents": grid["scheduled"].T.ravel(),
            "under": under.T.ravel(),
            "over": over.T.ravel(),
            "service_level": grid["service_level"].T.ravel(),
            "asa_seconds": grid["asa_s"].T.ravel(),
            "contacts": grid["contacts"].T.ravel(),
            "occupancy": grid["occupancy"].T.ravel(),
            "abandon_rate": grid["abandon_rate"].T.ravel(),
        }
    )
    return frame, grid


def _service_levels(ctx: _Context, grid: dict[str, np.ndarray]) -> tuple[float, dict[str, float]]:
    """Contact-weighted service level over the horizon and per day (days without contacts left out)."""
    per_day = 1440 // ctx.interval_min
    contacts = grid["contacts"].sum(axis=0).reshape(-1, per_day)
    answered = (grid["contacts"] * grid["service_level"]).sum(axis=0).reshape(-1, per_day)
    total = contacts.sum()
    horizon = float(answered.sum() / total) if total > 0 else 1.0
    by_day = {
        d.isoformat(): float(answered[i].sum() / contacts[i].sum())
        for d, i in ctx.day_index.items()
        if contacts[i].sum() > 0
    }
    return horizon, by_day


def _lost_contacts(ctx: _Context, grid: dict[str, np.ndarray], queues: list[str]) -> float:
    """Σ over intervals and queues of contacts − V(scheduled agents), V the service value table."""
    lost = 0.0
    for k, queue in enumerate(queues):
        scheduled = grid["scheduled"][k]
        value = saturated_value_table(
            grid["contacts"][k],
            grid["aht_s"][k],
            ctx.interval_min,
            ctx.scenario.config.service.targets_for(queue),
            int(scheduled.max()),
        )
        lost += float(grid["contacts"][k].sum() - value[np.arange(len(scheduled)), scheduled].sum())
    return lost


def preference_penalty(shifts: Sequence[RosterShift], preferences: Sequence[Preference]) -> float:
    """Σ weights of unmet `prefer` rows and met `avoid` rows.

    A row is met when the agent has a shift on its date of its template (or starting at its HH:MM).
    """
    by_template = {(s.agent_id, s.date, s.template) for s in shifts}
    by_start = {(s.agent_id, s.date, _time_of_day(s.start)) for s in shifts}
    penalty = 0.0
    for p in preferences:
        has = (
            (p.agent_id, p.date, p.template) in by_template
            if p.template is not None
            else (p.agent_id, p.date, p.start_min) in by_start
        )
        if has == (p.kind == "avoid"):
            penalty += p.weight
    return penalty


def fairness_figures(
    shifts: Sequence[RosterShift], agents: Sequence[Agent], late_shift_end_min: int
) -> dict[str, dict[str, float]]:
    """Min, max and spread over all agents of weekend days worked and of late shifts.

    A weekend day is a Saturday or Sunday with a shift start; a late shift ends at or after
    `late_shift_end_min` (minutes after midnight) or on a later date than it starts.
    """
    weekend_days: dict[str, set[dt.date]] = {a.agent_id: set() for a in agents}
    late: Counter = Counter({a.agent_id: 0 for a in agents})
    for s in shifts:
        if s.agent_id not in weekend_days:
            continue
        if s.date.weekday() >= 5:
            weekend_days[s.agent_id].add(s.date)
        if s.end.date() > s.date or _time_of_day(s.end) >= late_shift_end_min:
            late[s.agent_id] += 1
    out = {}
    for name, counts in (
        ("weekend_days", [len(v) for v in weekend_days.values()]),
        ("late_shifts", [late[a.agent_id] for a in agents]),
    ):
        lo, hi = (min(counts), max(counts)) if counts else (0, 0)
        out[name] = {"min": float(lo), "max": float(hi), "spread": float(hi - lo)}
    return out


def _objective_terms(
    ctx: _Context,
    grid: dict[str, np.ndarray],
    under_h: float,
    over_h: float,
    preferences: Sequence[Preference],
    fairness: dict[str, dict[str, float]],
) -> dict[str, float]:
    """The weighted terms of the scenario's objective (coverage or service), as the specification states."""
    obj = ctx.scenario.config.objective
    if obj.kind == "coverage":
        terms = {"under_staffing": obj.under_weight * under_h, "over_staffing": obj.over_weight * over_h}
    else:
        terms = {"lost_contacts": obj.service_weight * _lost_contacts(ctx, grid, sorted(ctx.queues))}
    cost = sum(
        ctx.paid_h[i] * ctx.agents[s.agent_id].hourly_cost for i, s in enumerate(ctx.shifts) if s.agent_id in ctx.agents
    )
    terms["cost"] = obj.cost_weight * float(cost)
    terms["preferences"] = obj.preference_weight * preference_penalty(ctx.shifts, preferences)
    terms["fairness"] = obj.fairness_weight * sum(f["spread"] for f in fairness.values())
    return terms


def check_roster(
    scenario: Scenario,
    shifts: Sequence[RosterShift],
    requirements_df: pd.DataFrame,
    agents: Sequence[Agent],
    unavailability: Sequence[Unavailability] = (),
    preferences: Sequence[Preference] = (),
    previous: Sequence[RosterShift] | None = None,
) -> CheckReport:
    """Check `shifts` against every hard rule and recompute coverage, service level and the objective.

    `requirements_df` is as returned by `wfm.requirements.read_requirements` (interval_start, queue,
    contacts, aht_seconds, required_agents). Raises `InputError` if a requirement row inside the
    horizon is off the scenario's interval grid.
    """
    cfg = scenario.config
    templates = {t.name: t for t in cfg.shift_templates}
    off: dict[tuple[str, dt.date], list[Unavailability]] = defaultdict(list)
    for u in unavailability:
        off[(u.agent_id, u.date)].append(u)
    hours = [_hours(s, templates.get(s.template), cfg.budget.counted_on) for s in shifts]
    ctx = _Context(
        scenario=scenario,
        shifts=tuple(shifts),
        agents={a.agent_id: a for a in agents},
        unavailability=dict(off),
        templates=templates,
        queues=frozenset(requirements_df["queue"].astype(str)),
        day_index={d: i for i, d in enumerate(scenario.horizon_dates)},
        paid_h=np.array([p for p, _ in hours], dtype=float),
        counted_h=np.array([c for _, c in hours], dtype=float),
        previous=None if previous is None else tuple(previous),
    )
    order = {rule: k for k, rule in enumerate(RULES)}
    violations = sorted(
        (v for check in RULE_CHECKS for v in check(ctx)),
        key=lambda v: (v.agent_id, v.date or dt.date.min, order[v.rule], v.detail),
    )
    coverage, grid = _coverage(ctx, requirements_df)
    hour_per_interval = ctx.interval_min / 60
    under_h = float(coverage["under"].sum() * hour_per_interval)
    over_h = float(coverage["over"].sum() * hour_per_interval)
    sl, sl_by_day = _service_levels(ctx, grid)
    fairness = fairness_figures(ctx.shifts, agents, cfg.late_shift_end_min)

    terms = _objective_terms(ctx, grid, under_h, over_h, preferences, fairness)
    return CheckReport(
        violations=tuple(violations),
        objective=float(sum(terms.values())),
        objective_terms=terms,
        under_agent_hours=under_h,
        over_agent_hours=over_h,
        hours_used=float(ctx.counted_h.sum()),
        budget_hours=cfg.budget.hours,
        projected_service_level=sl,
        service_level_by_day=sl_by_day,
        fairness=fairness,
        coverage=coverage,
        hours_counted_on=cfg.budget.counted_on,
    )


def check_files(
    scenario_path: str | Path,
    roster_path: str | Path,
    requirements: str | Path | None = None,
    agents: str | Path | None = None,
    unavailability: str | Path | None = None,
    preferences: str | Path | None = None,
    previous_roster: str | Path | None = None,
) -> CheckReport:
    """Read the scenario, its inputs (paths given here override the scenario's) and a roster; check it
    (joined to the previous roster, when one is given or the scenario names one)."""
    scenario = load_scenario(scenario_path)

    def required(key: str, override: str | Path | None) -> Path:
        path = scenario.input_path(key, override)
        if path is None:
            raise InputError(f"no {key} file: set [inputs].{key} in the scenario or give --{key}", path=scenario.path)
        return path

    requirements_df = read_requirements(required("requirements", requirements))
    agent_list = read_agents(required("agents", agents))
    off_path = scenario.input_path("unavailability", unavailability)
    pref_path = scenario.input_path("preferences", preferences)
    off = read_unavailability(off_path, agent_list) if off_path is not None else []
    template_names = {t.name for t in scenario.config.shift_templates}
    prefs = read_preferences(pref_path, agent_list, template_names) if pref_path is not None else []
    shifts = read_roster(roster_path, scenario)
    prev_path = scenario.input_path("previous_roster", previous_roster)
    previous = read_previous_roster(prev_path, scenario, agent_list) if prev_path is not None else None
    return check_roster(scenario, shifts, requirements_df, agent_list, off, prefs, previous=previous)
