"""Overtime and voluntary-time-off offers: what to ask agents where the rules or the budget stop the
roster from closing a gap on its own (`offers.csv` of `wfm replan`).

For every shift of the roster from `first` on, two kinds of offer are looked for, each a shift of the
same template and queue that keeps the same start or the same end:

- `extend` (overtime): a longer length of the template whose extra time covers under-staffed
  intervals of the shift's queue; the offer names the agent-hours of under-staffing it covers. It
  must keep the agent's rest to its neighbouring shifts, its time off and daily window and the
  operating hours; what it may break is the budget or the contract's weekly maximum, which is why
  it is an offer (the `note` says which).
- `shorten` (voluntary time off): a shorter length whose time given up is over-staffed in every
  interval; the offer names the over-staffed agent-hours it removes (and the note the weekly minimum
  it would go below, if any).

Breaks stay where they are: an offer is made only where they are still the breaks the new length
takes, each in its window. Sorted by coverage gained, most first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from wfm.agents import Agent, Unavailability
from wfm.roster import RosterShift, applicable_breaks, paid_hours
from wfm.scenario import Scenario, ShiftTemplateConfig, parse_hhmm

OFFER_COLUMNS = ["agent_id", "date", "offer", "minutes", "start", "end", "coverage_gained_h", "note"]


def _surplus(coverage: pd.DataFrame) -> dict[tuple[str, dt.datetime], float]:
    """(queue, interval start) → scheduled − required agents, from a checker's coverage table."""
    starts = [t.to_pydatetime() for t in pd.to_datetime(coverage["interval_start"])]
    values = (coverage["scheduled_agents"] - coverage["required_agents"]).to_numpy(dtype=float)
    return {(q, t): v for q, t, v in zip(coverage["queue"].astype(str), starts, values, strict=True)}


def _free(agent: Agent, time_off: list[Unavailability], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) misses the agent's time off and lies in its daily window."""
    day_start = start.hour * 60 + start.minute
    length = int((end - start).total_seconds() // 60)
    windowed = (agent.available_from_min, agent.available_to_min) != (0, 1440)
    if windowed and not (agent.available_from_min <= day_start and day_start + length <= agent.available_to_min):
        return False
    return not any(u.meets(start, end) for u in time_off)


def offers_for(
    scenario: Scenario,
    shifts: Sequence[RosterShift],
    coverage: pd.DataFrame,
    agents: Sequence[Agent],
    unavailability: Sequence[Unavailability],
    first: dt.date,
) -> pd.DataFrame:
    """`offers.csv` for the roster `shifts` scored by `coverage` (see the module docstring)."""
    cfg = scenario.config
    step = dt.timedelta(minutes=cfg.horizon.interval_min)
    surplus = _surplus(coverage)
    templates = {t.name: t for t in cfg.shift_templates}
    by_agent: dict[str, list[RosterShift]] = defaultdict(list)
    for s in sorted(shifts, key=lambda s: s.start):
        by_agent[s.agent_id].append(s)
    time_off: dict[str, list[Unavailability]] = defaultdict(list)
    for u in unavailability:
        time_off[u.agent_id].append(u)
    rest = dt.timedelta(hours=cfg.rules.min_rest_h)
    rows = []
    for agent in agents:
        mine = by_agent.get(agent.agent_id, [])
        week_h: dict[tuple[int, int], float] = defaultdict(float)
        for s in mine:
            week_h[s.date.isocalendar()[:2]] += paid_hours(s.start, s.end, s.breaks, templates.get(s.template))
        for i, s in enumerate(mine):
            template = templates.get(s.template)
            if s.date < first or template is None:
                continue
            prev_end = mine[i - 1].end if i > 0 else None
            next_start = mine[i + 1].start if i + 1 < len(mine) else None
            for length_h in template.lengths_h:
                length = dt.timedelta(hours=length_h)
                if length == s.end - s.start:
                    continue
                for start in {s.start, s.end - length}:  # keep the start, or keep the end
                    end = start + length
                    offer = _offer(
                        scenario,
                        agent,
                        s,
                        start,
                        end,
                        surplus,
                        step,
                        template,
                        prev_end,
                        next_start,
                        rest,
                        time_off[agent.agent_id],
                        week_h[s.date.isocalendar()[:2]],
                    )
                    if offer is not None:
                        rows.append(offer)
    frame = pd.DataFrame(rows, columns=OFFER_COLUMNS)
    return frame.sort_values(
        ["coverage_gained_h", "agent_id", "date"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def _offer(
    scenario: Scenario,
    agent: Agent,
    s: RosterShift,
    start: dt.datetime,
    end: dt.datetime,
    surplus: dict[tuple[str, dt.datetime], float],
    step: dt.timedelta,
    template: ShiftTemplateConfig,
    prev_end: dt.datetime | None,
    next_start: dt.datetime | None,
    rest: dt.timedelta,
    time_off: list[Unavailability],
    week_h: float,
) -> list[object] | None:
    """One offer row, or None when the change is not worth offering or breaks a rule it may not."""
    first_start, last_start = parse_hhmm(template.earliest_start), parse_hhmm(template.latest_start)
    minute = start.hour * 60 + start.minute
    if start.date() != s.date or not (first_start <= minute <= last_start):
        return None
    if (minute - first_start) % template.start_step_min:
        return None
    span = scenario.opening(s.date.weekday())
    if span is None:
        return None
    open_at = dt.datetime.combine(s.date, dt.time()) + dt.timedelta(minutes=span[0])
    close_at = dt.datetime.combine(s.date, dt.time()) + dt.timedelta(minutes=span[1])
    if start < open_at or end > close_at or not _breaks_fit(template, start, end, s):
        return None
    extend = end - start > s.end - s.start
    changed = [
        t
        for t in _intervals(min(start, s.start), max(end, s.end), step)
        if not (start <= t < end and s.start <= t < s.end)
    ]
    values = [surplus.get((s.queue, t), 0.0) for t in changed]
    hours = step.total_seconds() / 3600
    minutes = int(abs((end - start) - (s.end - s.start)).total_seconds() // 60)
    notes = []
    if extend:
        if (prev_end is not None and start - prev_end < rest) or (next_start is not None and next_start - end < rest):
            return None
        if not _free(agent, time_off, start, end):
            return None
        gained = sum(min(1.0, -v) for v in values if v < 0) * hours
        if gained <= 0:
            return None
        if week_h + minutes / 60 > agent.max_hours_week + 1e-9:
            notes.append("beyond max_hours_week")
        notes.append("needs budget hours")
    else:
        if not values or any(v < 1 for v in values):
            return None
        gained = sum(min(v, 1.0) for v in values) * hours
        if week_h - minutes / 60 < agent.min_hours_week - 1e-9:
            notes.append("below min_hours_week")
    return [
        agent.agent_id,
        s.date.isoformat(),
        "extend" if extend else "shorten",
        minutes,
        start.strftime("%Y-%m-%dT%H:%M"),
        end.strftime("%Y-%m-%dT%H:%M"),
        round(gained, 2),
        "; ".join(notes),
    ]


def _breaks_fit(template: ShiftTemplateConfig, start: dt.datetime, end: dt.datetime, s: RosterShift) -> bool:
    """Whether the shift's breaks, where they are, are the ones a shift from `start` to `end` takes,
    each in its window after the start and inside the shift."""
    length = int((end - start).total_seconds() // 60)
    wanted = applicable_breaks(template, length)
    if [b.name for b in wanted] != [b.name for b in s.breaks]:
        return False
    for want, b in zip(wanted, s.breaks, strict=True):
        after = (b.start - start).total_seconds() / 60
        if not (want.window_start_min <= after <= want.window_end_min) or b.end > end or b.start < start:
            return False
    return True


def _intervals(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    out, t = [], start
    while t < end:
        out.append(t)
        t += step
    return out
