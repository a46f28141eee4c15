"""Agents, their time off and their shift preferences: the three people-side inputs of a schedule.

Schemas (units in names; times of day `HH:MM`, dates `YYYY-MM-DD`):

`agents.csv` — `agent_id` (unique text), `name` (optional), `skills` (queues separated by `;`,
empty = every queue), `min_hours_week`, `max_hours_week` (paid hours per ISO week),
`max_days_week` (1–7), `hourly_cost` (optional, currency per paid hour, default 0),
`available_from` / `available_to` (optional daily window: every shift lies inside it).

`unavailability.csv` — `agent_id, date, start, end`: the agent cannot work then (time off,
training, meetings). Empty `start` and `end` = the whole day; `end` may be `24:00`.

`preferences.csv` — `agent_id, date, shift_template_or_start, kind, weight`: `kind` is `prefer`
(penalty `weight` if the agent does not work that template or start that day) or `avoid`
(penalty `weight` if they do). `shift_template_or_start` is a template name or a start `HH:MM`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.errors import InputError
from wfm.tables import Column, TableSchema, read_table

AGENTS_SCHEMA = TableSchema(
    "agents",
    (
        Column("agent_id"),
        Column("name", required=False, default=""),
        Column("skills", required=False, default=""),
        Column("min_hours_week", "float", ge=0, le=168),
        Column("max_hours_week", "float", gt=0, le=168),
        Column("max_days_week", "int", ge=1, le=7),
        Column("hourly_cost", "float", required=False, default=0.0, ge=0, le=1e5),
        Column("available_from", "time", required=False, default=0),
        Column("available_to", "time", required=False, default=1440),
    ),
)

UNAVAILABILITY_SCHEMA = TableSchema(
    "unavailability",
    (
        Column("agent_id"),
        Column("date", "date"),
        Column("start", "time", required=False, default=-1),
        Column("end", "time", required=False, default=-1),
    ),
)

PREFERENCES_SCHEMA = TableSchema(
    "preferences",
    (
        Column("agent_id"),
        Column("date", "date"),
        Column("shift_template_or_start"),
        Column("kind", choices=("prefer", "avoid")),
        Column("weight", "float", ge=0, le=1e6),
    ),
)


@dataclass(frozen=True)
class Agent:
    """A named agent and their contract. Hours are paid hours per ISO week; times are minutes after midnight."""

    agent_id: str
    name: str
    skills: frozenset[str]  # empty = every queue
    min_hours_week: float
    max_hours_week: float
    max_days_week: int
    hourly_cost: float = 0.0
    available_from_min: int = 0
    available_to_min: int = 1440

    def __post_init__(self) -> None:
        if self.min_hours_week > self.max_hours_week:
            raise ValueError(f"agent {self.agent_id}: min_hours_week > max_hours_week")
        if self.available_to_min <= self.available_from_min:
            raise ValueError(f"agent {self.agent_id}: available_to is not after available_from")

    def can_serve(self, queue: str) -> bool:
        return not self.skills or queue in self.skills


@dataclass(frozen=True)
class Unavailability:
    """The agent cannot work on `date` from `start_min` to `end_min` (minutes; 0–1440 = whole day)."""

    agent_id: str
    date: dt.date
    start_min: int
    end_min: int

    @property
    def whole_day(self) -> bool:
        return self.start_min <= 0 and self.end_min >= 1440

    def meets(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether any minute of [start, end) (local times) falls in this time off."""
        midnight = dt.datetime.combine(self.date, dt.time())
        lo, hi = midnight + dt.timedelta(minutes=self.start_min), midnight + dt.timedelta(minutes=self.end_min)
        return start < hi and lo < end


@dataclass(frozen=True)
class Preference:
    """`prefer` or `avoid` a template (by name) or a start time (minutes) on `date`, with a penalty weight."""

    agent_id: str
    date: dt.date
    template: str | None
    start_min: int | None
    kind: str
    weight: float


def read_agents(path: str | Path) -> list[Agent]:
    """Read and validate `agents.csv` (schema in this module's docstring)."""
    df = read_table(path, AGENTS_SCHEMA)
    if df.empty:
        raise InputError("no agents: the file has a header but no rows", path=path, row=2)
    dup = df["agent_id"].duplicated()
    if dup.any():
        row = int(df.index[dup.to_numpy().argmax()])
        raise InputError(f"duplicate agent_id '{df.at[row, 'agent_id']}'", path=path, row=row, column="agent_id")
    empty_id = df["agent_id"] == ""
    if empty_id.any():
        row = int(df.index[empty_id.to_numpy().argmax()])
        raise InputError("empty agent_id", path=path, row=row, column="agent_id")
    agents = []
    for row, rec in df.iterrows():
        if rec.min_hours_week > rec.max_hours_week:
            raise InputError(
                f"min_hours_week {rec.min_hours_week:g} exceeds max_hours_week {rec.max_hours_week:g}",
                path=path,
                row=int(row),
                column="min_hours_week",
            )
        if rec.available_to <= rec.available_from:
            raise InputError(
                "available_to must be after available_from", path=path, row=int(row), column="available_to"
            )
        skills = frozenset(s.strip() for s in str(rec.skills).split(";") if s.strip())
        agents.append(
            Agent(
                agent_id=str(rec.agent_id),
                name=str(rec["name"]),
                skills=skills,
                min_hours_week=float(rec.min_hours_week),
                max_hours_week=float(rec.max_hours_week),
                max_days_week=int(rec.max_days_week),
                hourly_cost=float(rec.hourly_cost),
                available_from_min=int(rec.available_from),
                available_to_min=int(rec.available_to),
            )
        )
    return agents


def _check_known_agents(df: pd.DataFrame, agents: list[Agent], path: str | Path) -> None:
    known = {a.agent_id for a in agents}
    unknown = ~df["agent_id"].isin(known)
    if unknown.any():
        row = int(df.index[unknown.to_numpy().argmax()])
        raise InputError(
            f"unknown agent '{df.at[row, 'agent_id']}' (not in agents.csv)", path=path, row=row, column="agent_id"
        )


def read_unavailability(path: str | Path, agents: list[Agent]) -> list[Unavailability]:
    """Read and validate `unavailability.csv`; every agent must be in `agents`."""
    df = read_table(path, UNAVAILABILITY_SCHEMA)
    _check_known_agents(df, agents, path)
    out = []
    for row, rec in df.iterrows():
        start, end = int(rec.start), int(rec.end)
        if (start < 0) != (end < 0):
            raise InputError(
                "give both start and end, or neither for the whole day",
                path=path,
                row=int(row),
                column="end" if end < 0 else "start",
            )
        if start < 0:
            start, end = 0, 1440
        if end <= start:
            raise InputError("end must be after start", path=path, row=int(row), column="end")
        out.append(Unavailability(str(rec.agent_id), rec.date.date(), start, end))
    return out


def read_preferences(path: str | Path, agents: list[Agent], template_names: set[str]) -> list[Preference]:
    """Read and validate `preferences.csv`; templates must exist in the scenario."""
    from wfm.scenario import parse_hhmm

    df = read_table(path, PREFERENCES_SCHEMA)
    _check_known_agents(df, agents, path)
    out = []
    for row, rec in df.iterrows():
        key = str(rec.shift_template_or_start)
        template, start = None, None
        if key in template_names:
            template = key
        else:
            try:
                start = parse_hhmm(key)
            except ValueError:
                raise InputError(
                    f"'{key}' is neither a shift template ({', '.join(sorted(template_names))}) nor a start HH:MM",
                    path=path,
                    row=int(row),
                    column="shift_template_or_start",
                ) from None
        out.append(Preference(str(rec.agent_id), rec.date.date(), template, start, str(rec.kind), float(rec.weight)))
    return out
