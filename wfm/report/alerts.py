"""What a planner must look at first, and what to do about each: the report's alerts section.

Alerts, in order (each with a level: `bad` must be acted on, `warn` should be looked at, `ok` says
all is well):

1. rule violations of the roster (bad): do not publish it;
2. days below the service-level target, consecutive days grouped (bad): "28–30 Jun 2027 at 26–32%",
   the three worst runs one by one, the others together;
3. queues below their target over the horizon (bad);
4. the worst intervals: the most agents short (warn);
5. hours: over the budget (bad), or budget left unused while intervals are under-staffed (warn);
6. the hours the target needs (`summary.json` `target_hours`, from `wfm frontier`) above the
   budget (bad) or within it (ok).

Without a service-level target (no `campaign` in `summary.json` and no `--scenario`) alerts 2 and
3 are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from wfm.campaign import Campaign
from wfm.render.html import escape, number, percent
from wfm.report.figures import ShortInterval, daily_queue_levels, queue_figures, worst_intervals
from wfm.report.inputs import ScheduleOutput

Level = Literal["bad", "warn", "ok"]
UNUSED_BUDGET_SHARE = 0.005  # unused budget below this share of it is rounding, not an alert
MAX_DAY_ALERTS = 3  # runs of days below target shown one by one (the worst); the others share one alert


@dataclass(frozen=True)
class Alert:
    """One finding: its level, what was found, and what to do about it."""

    level: Level
    what: str
    todo: str


def find_alerts(out: ScheduleOutput, campaign: Campaign) -> list[Alert]:
    """Every alert of the module docstring that applies to `out`, in that order."""
    alerts = _violations(out)
    target = campaign.service_level_target
    if target is not None:
        alerts += _days_below(out.summary.service_level_by_day, target)
        alerts += _queues_below(out, campaign)
    alerts += _worst(worst_intervals(out.coverage), out.interval_min)
    alerts += _hours(out)
    return alerts


def render(alerts: list[Alert]) -> str:
    """The alerts as a list; a single `ok` line when there is none."""
    if not alerts:
        alerts = [Alert("ok", "No alert.", "The roster keeps every rule and meets the targets it was given.")]
    items = "".join(
        f'<li class="{a.level}"><div class="what">{escape(a.what)}</div><div class="todo">{escape(a.todo)}</div></li>'
        for a in alerts
    )
    return f'<ul class="alerts">{items}</ul>'


def _violations(out: ScheduleOutput) -> list[Alert]:
    n = len(out.summary.violations)
    if not n:
        return []
    rules = sorted({v.rule for v in out.summary.violations})
    return [
        Alert(
            "bad",
            f"{n} rule violation(s) in the roster ({', '.join(rules)}).",
            "Do not publish this roster: `wfm check SCENARIO roster.csv` lists them; run again with a longer "
            "--time-limit-s or relax the rules named.",
        )
    ]


def day_runs(days: list[dt.date]) -> list[list[dt.date]]:
    """Sorted days split into runs of consecutive calendar days."""
    runs: list[list[dt.date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def day_span(run: list[dt.date]) -> str:
    """'28–30 Jun 2027', '30 Jun–2 Jul 2027' or '28 Jun 2027'."""
    a, b = run[0], run[-1]
    if a == b:
        return f"{a.day} {a:%b %Y}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b %Y}"
    return f"{a.day} {a:%b}–{b.day} {b:%b %Y}"


def _range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return percent(lo, 0) if round(lo, 2) == round(hi, 2) else f"{lo * 100:.0f}–{hi * 100:.0f}%"


def _days_below(levels: dict[str, float | None], target: float) -> list[Alert]:
    """One alert per run of consecutive days below `target`, the worst runs first; past
    `MAX_DAY_ALERTS` runs the rest share one alert."""
    below = {dt.date.fromisoformat(d): v for d, v in levels.items() if v is not None and v < target}
    runs = sorted(day_runs(list(below)), key=lambda run: (min(below[d] for d in run), run[0]))
    todo = (
        "Add agent-hours on these days: move shifts from over-staffed days (blue in the heatmaps), "
        "lift agents' weekly hours or days off there, or raise the budget."
    )
    alerts = [
        Alert(
            "bad",
            f"{day_span(run)} at {_range([below[d] for d in run])} service level (target {percent(target, 0)}).",
            todo,
        )
        for run in runs[:MAX_DAY_ALERTS]
    ]
    rest = sorted(runs[MAX_DAY_ALERTS:])
    if rest:
        listed = ", ".join(f"{day_span(run)} ({_range([below[d] for d in run])})" for run in rest)
        days = sum(len(run) for run in rest)
        alerts.append(Alert("bad", f"{days} more day(s) below the target: {listed}.", todo))
    return alerts


def _queues_below(out: ScheduleOutput, campaign: Campaign) -> list[Alert]:
    figures = queue_figures(out.coverage, out.interval_min)
    if "service_level" not in figures:
        return []
    daily = daily_queue_levels(out.coverage)
    alerts = []
    for row in figures.itertuples(index=False):
        target = campaign.target_for(row.queue)
        if target is None or not row.service_level < target:
            continue
        worst = daily[daily["queue"] == row.queue].nsmallest(1, "service_level")
        low = ""
        if not worst.empty:
            low = f"; lowest {worst['day'].iloc[0]:%a %d %b} at {percent(worst['service_level'].iloc[0])}"
        alerts.append(
            Alert(
                "bad",
                f"Queue {row.queue} at {percent(row.service_level)} over the horizon "
                f"(target {percent(target, 0)}){low}.",
                f"Give {row.queue} more of the agents skilled for it (from queues above target), train more "
                f"agents on it, or add hours: it is {number(row.under_h)} agent-h short.",
            )
        )
    return alerts


def _worst(worst: list[ShortInterval], interval_min: int) -> list[Alert]:
    if not worst:
        return []
    step = pd.Timedelta(minutes=interval_min)
    listed = "; ".join(
        f"{w.start:%a %d %b %H:%M}–{w.start + step:%H:%M} {w.queue} {number(w.short, 0)} short "
        f"({number(w.scheduled, 0)} of {number(w.required, 0)})"
        for w in worst
    )
    return [
        Alert(
            "warn",
            f"Worst intervals: {listed}.",
            "Move shift starts or breaks away from these times, or add a part-time shift that covers them.",
        )
    ]


def _hours(out: ScheduleOutput) -> list[Alert]:
    s = out.summary
    alerts = []
    if s.hours_used is not None and s.budget_hours is not None:
        unused = s.budget_hours - s.hours_used
        if unused < 0:
            alerts.append(
                Alert(
                    "bad",
                    f"{number(-unused)} h over the budget ({number(s.hours_used)} of {number(s.budget_hours)} h).",
                    "Lower agents' minimum hours or the agents rostered, or agree a larger budget.",
                )
            )
        elif unused > UNUSED_BUDGET_SHARE * s.budget_hours and (s.under_agent_hours or 0) > 0:
            alerts.append(
                Alert(
                    "warn",
                    f"{number(unused)} h of the budget unused ({number(s.hours_used)} of "
                    f"{number(s.budget_hours)} h) while {number(s.under_agent_hours)} agent-h are under-staffed.",
                    "The rules or contracts kept the solver from using them: raise agents' max_hours_week or "
                    "max_days_week in agents.csv, add agents, or widen the shift templates.",
                )
            )
    need = s.target_hours
    if need is not None and s.budget_hours is not None:
        if need > s.budget_hours:
            alerts.append(
                Alert(
                    "bad",
                    f"The service-level target needs about {number(need)} h: {number(need - s.budget_hours)} h "
                    f"more than the budget of {number(s.budget_hours)} h.",
                    "Measure it with `wfm frontier` (rosters and a proven bound per budget), then agree more "
                    "hours or a lower target.",
                )
            )
        else:
            alerts.append(
                Alert(
                    "ok",
                    f"The service-level target needs about {number(need)} h, within the budget of "
                    f"{number(s.budget_hours)} h.",
                    "The budget can hold the target; shortfalls come from the roster's shape, not its size.",
                )
            )
    return alerts
