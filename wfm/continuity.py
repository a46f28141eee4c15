"""A roster that continues the last one: the previous roster as history, and the horizon's edges.

`--previous-roster FILE` (or `[inputs] previous_roster`) is a roster in wfm's own format that covers
days before the horizon. Rows dated more than `HISTORY_DAYS` before the horizon are ignored. From it:

- rest: an agent's first shift starts at least `min_rest_h` after its last previous shift ends;
- runs of days: the days worked before the horizon count in consecutive days worked and off;
- the week that straddles the horizon's start: its limits are the contract's, less the hours and
  shifts already worked in it, and its days off count the days off before the horizon.

The edge rule (the same with or without history, see docs/cycle.md): a week cut by the horizon keeps
the contract's maximum hours, and its minimum is lowered only by what the cut-off days could hold
(`min(days cut off, max_days_week)` × the longest paid shift); without a previous roster the first
partial week is treated the same way. Time off credits the contract (min_hours_week / max_days_week a
whole day) only on days the agent could have worked: open days inside the horizon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wfm.agents import Agent, Unavailability
from wfm.errors import InputError
from wfm.roster import RosterShift, paid_hours, read_roster
from wfm.scenario import Scenario

HISTORY_DAYS = 14  # days before the horizon a previous roster is read for


@dataclass(frozen=True)
class History:
    """What the previous roster says of each agent (by index in the agents list) before the horizon.

    `known` is False when no previous roster was given: then nothing is known of the past (not "off").
    `worked` [A, HISTORY_DAYS] is True where a shift starts that day (oldest first, the last column the
    day before the horizon); `last_end` the end of each agent's last shift (None: none in the window);
    `week_paid_min` and `week_shifts` [A] the paid minutes and shifts of the ISO week that straddles the
    horizon's start (0 when it starts on a Monday)."""

    known: bool
    shifts: tuple[RosterShift, ...]
    worked: np.ndarray
    last_end: tuple[dt.datetime | None, ...]
    week_paid_min: np.ndarray
    week_shifts: np.ndarray
    week_days_off: np.ndarray  # [A] whole days of time off on open days of the straddling week before it

    @staticmethod
    def none(n_agents: int) -> History:
        zeros = np.zeros(n_agents, dtype=np.int64)
        return History(
            False, (), np.zeros((n_agents, HISTORY_DAYS), dtype=bool), (None,) * n_agents, zeros, zeros, zeros
        )

    def days_off_before(self, agent: int, days: int) -> int:
        """Days off among the `days` days just before the horizon."""
        return int(days - self.worked[agent, HISTORY_DAYS - days :].sum()) if days else 0


def read_previous_roster(path: str | Path, scenario: Scenario, agents: list[Agent]) -> list[RosterShift]:
    """The previous roster's shifts of the `HISTORY_DAYS` days before the horizon. `InputError` (naming
    file, row and column) for a shift that reaches into the horizon or names an unknown agent."""
    path = Path(path)
    start = scenario.config.horizon.start
    horizon_start = dt.datetime.combine(start, dt.time())
    known = {a.agent_id for a in agents}
    out = []
    for row, s in enumerate(read_roster(path, scenario), start=2):
        if s.date < start - dt.timedelta(days=HISTORY_DAYS):
            continue
        if s.date >= start or s.end > horizon_start + dt.timedelta(days=1):
            raise InputError(
                f"the previous roster reaches into the horizon (which starts {start}): give only "
                "shifts before it, or publish this one as locked shifts",
                path=path,
                row=row,
                column="date",
            )
        if s.agent_id not in known:
            raise InputError("unknown agent (not in agents.csv)", path=path, row=row, column="agent_id")
        out.append(s)
    return out


def history_of(
    scenario: Scenario,
    agents: list[Agent],
    previous: list[RosterShift] | None,
    unavailability: Sequence[Unavailability] = (),
) -> History:
    """The `History` of `previous` (None: no previous roster) for `agents`, in their order; whole days of
    `unavailability` before the horizon in the straddling week still credit its minimum."""
    if previous is None:
        return History.none(len(agents))
    start = scenario.config.horizon.start
    index = {a.agent_id: i for i, a in enumerate(agents)}
    templates = {t.name: t for t in scenario.config.shift_templates}
    worked = np.zeros((len(agents), HISTORY_DAYS), dtype=bool)
    last_end: list[dt.datetime | None] = [None] * len(agents)
    paid = np.zeros(len(agents), dtype=np.int64)
    count = np.zeros(len(agents), dtype=np.int64)
    week = start.isocalendar()[:2]
    for s in previous:
        i = index[s.agent_id]
        worked[i, HISTORY_DAYS - (start - s.date).days] = True
        last_end[i] = s.end if last_end[i] is None else max(last_end[i], s.end)  # type: ignore[type-var]
        if s.date.isocalendar()[:2] == week:
            paid[i] += round(paid_hours(s.start, s.end, s.breaks, templates.get(s.template)) * 60)
            count[i] += 1
    week_start = start - dt.timedelta(days=start.weekday())
    off = {
        (u.agent_id, u.date)
        for u in unavailability
        if u.whole_day and week_start <= u.date < start and scenario.opening(u.date.weekday()) is not None
    }
    days_off = np.zeros(len(agents), dtype=np.int64)
    for agent_id, _ in off:
        if agent_id in index:
            days_off[index[agent_id]] += 1
    return History(True, tuple(previous), worked, tuple(last_end), paid, count, days_off)


def read_locked(path: str | Path, scenario: Scenario, agents: list[Agent]) -> list[RosterShift]:
    """Locked shifts: roster rows that must appear unchanged in the result. `InputError` (exit 2, naming
    file, row and column) for a row outside the horizon, of an unknown agent or template, off its
    template's start grid or lengths, or a second row of one agent on one date."""
    path = Path(path)
    cfg = scenario.config
    dates = set(scenario.horizon_dates)
    known = {a.agent_id for a in agents}
    templates = {t.name: t for t in cfg.shift_templates}
    seen: set[tuple[str, dt.date]] = set()
    shifts = read_roster(path, scenario)
    for row, s in enumerate(shifts, start=2):
        if s.date not in dates:
            raise InputError(f"date {s.date} is outside the horizon", path=path, row=row, column="date")
        if s.agent_id not in known:
            raise InputError("unknown agent (not in agents.csv)", path=path, row=row, column="agent_id")
        template = templates.get(s.template)
        if template is None:
            raise InputError("unknown template", path=path, row=row, column="template")
        start = s.start.hour * 60 + s.start.minute
        first, last = (int(x[:2]) * 60 + int(x[3:]) for x in (template.earliest_start, template.latest_start))
        if not (first <= start <= last and (start - first) % template.start_step_min == 0):
            raise InputError(
                f"shift_start is off template '{s.template}''s grid ({template.earliest_start} to "
                f"{template.latest_start} every {template.start_step_min} min)",
                path=path,
                row=row,
                column="shift_start",
            )
        if not any(round(h * 60) == s.length_min for h in template.lengths_h):
            raise InputError(
                f"the shift's length is not one of template '{s.template}''s lengths_h",
                path=path,
                row=row,
                column="shift_end",
            )
        if (s.agent_id, s.date) in seen:
            raise InputError("a second locked shift of the agent on that date", path=path, row=row, column="date")
        seen.add((s.agent_id, s.date))
    return shifts


# rules a set of locked shifts can break on its own (the others need the rest of the roster)
LOCKED_RULES = frozenset(
    {
        "skill",
        "unknown-queue",
        "one-shift-per-day",
        "template",
        "operating-hours",
        "availability-window",
        "unavailable",
        "breaks",
        "rest",
        "max-hours-week",
        "max-days-week",
        "max-consecutive-days",
        "budget",
        "max-late-shifts-week",
        "start-time-spread-week",
    }
)


def locked_reasons(report_violations: list, path: str | Path | None) -> list[str]:
    """What a planner reads when locked shifts alone break a rule: one line per violation."""
    where = f"{path}: " if path else ""
    return [
        f"{where}locked shift of {v.agent_id} on {v.date}: {v.rule} — {v.detail}"
        for v in report_violations
        if v.rule in LOCKED_RULES
    ]
