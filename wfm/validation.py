"""Checks of a scenario against its input files, run before any solving.

The scenario model (`wfm.scenario`) and each file's reader check what they can alone; the checks
here need two of them together. Each catches an input that would otherwise cost a full solve and
end in exit 4 (no roster keeping every rule) or in a roster for demand that does not exist:

- `check_skills`: an agent whose every skill names no queue of the requirements (a typo such as
  `voice_en` for `voice_es`) can never work → `InputError`;
- `check_rest`: `rules.min_rest_h` longer than any two shifts on consecutive days allow (the latest
  start the next day minus the earliest end) → `InputError`;
- `check_breaks`: a break that cannot fit in a shift length it applies to (its window starts too
  late for the shift to hold it) → `InputError`;
- `check_requirements_cover`: requirement rows with agents required while the centre is closed →
  a warning naming the first row (no shift can cover them: they count as under-staffing, and the
  planning step may then explain what else cannot work); an open day of the horizon before the
  requirements' first day or after their last (a horizon longer than the requirements) → a warning
  (`wfm.errors.warn`): days
  inside that range may have no rows (sparse files: no row = no agents required), and a horizon
  may end on days without demand on purpose. Rows requiring agents outside the horizon are ignored,
  with a warning naming the first;
- `check_offered_load`: an interval with more than `MAX_LOAD_PER_AGENT` Erlangs per agent of the
  roster (a unit error; the service objective would also search without end) → `InputError`;
- `check_time_off`: time off off the interval grid, or two rows of one agent and day that overlap
  (duplicates included) → `InputError`;
- `check_preferences`: a preferred or avoided start off the interval grid → `InputError`.

`validate_inputs` runs them all; `wfm.schedule.load_inputs` calls it last, so every solve path (CLI,
`wfm run`, `wfm batch`, tests, benchmarks) gets them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wfm.errors import InputError, warn
from wfm.scenario import ScenarioConfig, parse_hhmm

if TYPE_CHECKING:
    from wfm.agents import Agent, Preference, Unavailability
    from wfm.scenario import Scenario
    from wfm.schedule import ScheduleInputs

MINUTES_PER_DAY = 1440
MAX_LOAD_PER_AGENT = 10  # Erlangs per rostered agent in one interval beyond which the input is refused


def validate_inputs(inputs: ScheduleInputs) -> None:
    """Run every cross-file check on `inputs` (module docstring); raise the first `InputError`, naming
    the file the row or key is in."""
    config = inputs.scenario.config
    with _in_file(inputs, "agents"):
        check_skills(inputs.agents, set(inputs.requirements["queue"].astype(str)))
    with _in_file(inputs, "scenario"):
        check_rest(config)
        check_breaks(config)
    check_requirements_cover(inputs.scenario, inputs.requirements)
    with _in_file(inputs, "requirements"):
        check_offered_load(inputs.requirements, len(inputs.agents), config.horizon.interval_min)
    with _in_file(inputs, "unavailability"):
        check_time_off(inputs.unavailability, config.horizon.interval_min)
    with _in_file(inputs, "preferences"):
        check_preferences(inputs.preferences, config.horizon.interval_min)


@contextlib.contextmanager
def _in_file(inputs: ScheduleInputs, key: str) -> Iterator[None]:
    """Name the input file `key` in an `InputError` raised without one: the scenario's file for `key`
    when its checksum is the one read (an override on the command line may have replaced it), else
    "<key> file"."""
    try:
        yield
    except InputError as exc:
        if exc.path is None:
            exc.path = _input_file(inputs, key)
        raise


def _input_file(inputs: ScheduleInputs, key: str) -> str:
    if key == "scenario":
        return str(inputs.scenario.path)
    try:
        path = inputs.scenario.input_path(key)
    except InputError:
        path = None
    if (
        path is not None
        and path.is_file()
        and hashlib.sha256(path.read_bytes()).hexdigest() == inputs.checksums.get(key)
    ):
        return str(path)
    return f"{key} file"


def check_skills(agents: list[Agent], queues: set[str]) -> None:
    """Refuse an agent with skills of which none is a queue of the requirements.

    An empty skill list means every queue. The message names the agent, its row in the agents file
    (rows are numbered as lines, header = 1) and the closest queue name.
    """
    for i, agent in enumerate(agents):
        if agent.skills and not agent.skills & queues:
            unknown = sorted(agent.skills)
            close = difflib.get_close_matches(unknown[0], sorted(queues), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"queues: {', '.join(sorted(queues))}"
            raise InputError(
                f"agent '{agent.agent_id}': skills {', '.join(unknown)} name no queue of the requirements, so "
                "the agent could never work",
                row=i + 2,
                column="skills",
                hint=hint,
            )


def _span_minutes(config: ScenarioConfig) -> tuple[int, int]:
    """(latest shift start, earliest shift end) over every template, minutes after midnight."""
    latest = max(parse_hhmm(t.latest_start) for t in config.shift_templates)
    earliest_end = min(parse_hhmm(t.earliest_start) + round(60 * min(t.lengths_h)) for t in config.shift_templates)
    return latest, earliest_end


def check_rest(config: ScenarioConfig) -> None:
    """Refuse a `min_rest_h` no two shifts on consecutive days can keep (no two working days in a row)."""
    latest, earliest_end = _span_minutes(config)
    most_rest_min = MINUTES_PER_DAY + latest - earliest_end
    if config.rules.min_rest_h * 60 > most_rest_min:
        raise InputError(
            f"key 'rules.min_rest_h': {config.rules.min_rest_h:g} h of rest between shifts is more than any two "
            f"shifts on consecutive days allow ({most_rest_min / 60:g} h: the earliest end "
            f"{earliest_end // 60:02d}:{earliest_end % 60:02d} to the latest start {latest // 60:02d}:"
            f"{latest % 60:02d} the next day), so no agent could work two days in a row",
            hint=f"lower rules.min_rest_h to at most {most_rest_min / 60:g}",
        )


def check_breaks(config: ScenarioConfig) -> None:
    """Refuse a break that does not fit in a shift length it applies to (`min_shift_h` ≤ length)."""
    for t in config.shift_templates:
        for length_h in t.lengths_h:
            length_min = round(60 * length_h)
            for i, b in enumerate(t.breaks):
                if b.min_shift_h * 60 > length_min + 1e-9:
                    continue
                if b.window_start_min + b.duration_min > length_min:
                    raise InputError(
                        f"key 'shift_templates.{config.shift_templates.index(t)}.breaks.{i}': break "
                        f"'{b.name}' of template '{t.name}' starts at least {b.window_start_min} min into the "
                        f"shift and lasts {b.duration_min} min, which a {length_h:g} h shift cannot hold",
                        hint=f"set its min_shift_h above {length_h:g} so shorter shifts skip it, or move its window",
                    )


def check_requirements_cover(scenario: Scenario, requirements: pd.DataFrame) -> None:
    """Warn of agents required while closed or outside the horizon, and of open days of the horizon
    the requirements do not cover."""
    config = scenario.config
    stamps = pd.to_datetime(requirements["interval_start"])
    start = pd.Timestamp(config.horizon.start)
    inside = ((stamps >= start) & (stamps < start + pd.Timedelta(days=config.horizon.days))).to_numpy()
    demand = requirements["required_agents"].to_numpy() > 0
    _warn_rows(
        requirements,
        inside & _closed(scenario, stamps) & demand,
        "while [operating_hours] has the centre closed",
        "no shift can cover them, so they count as under-staffing; fix the requirements or the "
        "scenario's operating_hours",
    )
    _warn_rows(
        requirements,
        ~inside & demand,
        f"outside the horizon ({config.horizon.start}, {config.horizon.days} days)",
        "they are ignored",
    )
    first, last = stamps.min().date(), stamps.max().date()
    missing = [
        day
        for day in scenario.horizon_dates
        if scenario.opening(day.weekday()) is not None and not first <= day <= last
    ]
    if missing:
        warn(
            f"requirements cover {first} to {last} but the horizon ({config.horizon.start}, {config.horizon.days} "
            f"days) has {len(missing)} open day(s) outside that, first {missing[0]}: no agents are required "
            "there, so shifts on those days only cost — shorten horizon.days or give requirements for them"
        )


def _closed(scenario: Scenario, stamps: pd.Series) -> np.ndarray:
    """Per time stamp: whether `[operating_hours]` has the centre closed then."""
    minutes = (stamps.dt.hour * 60 + stamps.dt.minute).to_numpy()
    weekdays = stamps.dt.day_of_week.to_numpy()
    closed = np.ones(len(stamps), dtype=bool)
    for weekday in range(7):
        span = scenario.opening(weekday)
        if span is not None:
            on_day = weekdays == weekday
            closed[on_day] = (minutes[on_day] < span[0]) | (minutes[on_day] >= span[1])
    return closed


def _warn_rows(requirements: pd.DataFrame, rows: np.ndarray, when: str, then: str) -> None:
    if rows.any():
        row = int(requirements.index[np.argmax(rows)])
        stamp = pd.Timestamp(requirements.at[row, "interval_start"])
        warn(
            f"requirements: {int(rows.sum())} row(s) require agents {when}, first row {row}: "
            f"{requirements.at[row, 'required_agents']} agent(s) at {stamp:%Y-%m-%d %H:%M} ({stamp:%A}) — {then}"
        )


def check_offered_load(requirements: pd.DataFrame, n_agents: int, interval_min: int) -> None:
    """Refuse an interval whose offered load (Erlangs: contacts × aht_seconds / interval seconds) is more
    than `MAX_LOAD_PER_AGENT` × the agents of the roster: a unit error, and one the service objective's
    value table would grow without end on."""
    load = (requirements["contacts"] * requirements["aht_seconds"] / (60 * interval_min)).to_numpy()
    limit = MAX_LOAD_PER_AGENT * max(n_agents, 1)
    over = load > limit
    if over.any():
        row = int(requirements.index[np.argmax(over)])
        raise InputError(
            f"an offered load of {load[np.argmax(over)]:,.0f} Erlangs in one interval is more "
            f"than {MAX_LOAD_PER_AGENT} × the {n_agents} agents could ever serve",
            row=row,
            column="contacts",
            hint="check the units of contacts (per interval) and aht_seconds (seconds)",
        )


def check_time_off(unavailability: list[Unavailability], interval_min: int) -> None:
    """Refuse time off off the interval grid, and two rows of one agent and day that overlap."""
    seen: dict[tuple[str, dt.date], list[tuple[int, int, int]]] = {}
    for i, u in enumerate(unavailability):
        row = i + 2
        if not u.whole_day and (u.start_min % interval_min or u.end_min % interval_min):
            raise InputError(
                f"time off {_hhmm(u.start_min)}–{_hhmm(u.end_min)} of agent '{u.agent_id}' is off the "
                f"{interval_min}-minute grid of intervals",
                row=row,
                column="start" if u.start_min % interval_min else "end",
                hint=f"use times on the grid (multiples of {interval_min} minutes)",
            )
        for other_row, a, b in seen.get((u.agent_id, u.date), []):
            if u.start_min < b and a < u.end_min:
                raise InputError(
                    f"time off of agent '{u.agent_id}' on {u.date} overlaps row {other_row}",
                    row=row,
                    column="start",
                    hint="merge the two rows into one",
                )
        seen.setdefault((u.agent_id, u.date), []).append((row, u.start_min, u.end_min))


def check_preferences(preferences: list[Preference], interval_min: int) -> None:
    """Refuse a preferred or avoided start time off the interval grid (no shift could ever start then)."""
    for i, p in enumerate(preferences):
        if p.start_min is not None and p.start_min % interval_min:
            raise InputError(
                f"start {_hhmm(p.start_min)} of agent '{p.agent_id}' is off the "
                f"{interval_min}-minute grid, so no shift starts then",
                row=i + 2,
                column="shift_template_or_start",
                hint=f"use a start on the grid (multiples of {interval_min} minutes) or a template name",
            )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
