"""The roster: one row per shift, written by the scheduler and read back by the checker.

`roster.csv` columns, one row per shift, sorted by agent_id, date (then shift_start, queue):

- `agent_id` (text): the agent, as in agents.csv;
- `name` (text): the agent's name from agents.csv (the agent_id when it has none);
- `date` (YYYY-MM-DD): the date the shift starts on (a shift may end after midnight);
- `queue` (text): the queue the agent serves during the shift;
- `template` (text): the scenario's shift template the shift follows;
- `shift_start`, `shift_end` (YYYY-MM-DDTHH:MM, local wall clock): start and (exclusive) end;
- `paid_hours` (hours, 2 decimals): (shift_end − shift_start − unpaid break minutes) / 60;
- `<break>_start`, `<break>_end` (YYYY-MM-DDTHH:MM) for each break name of the scenario's templates
  (`break1_start, break1_end, lunch_start, lunch_end, break2_start, break2_end` for the bundled
  example): the shift's break of that name; empty where the shift has none.

Every date-time in every wfm output file is `YYYY-MM-DDTHH:MM` (`TIME_FORMAT`), dates `YYYY-MM-DD`.

Two layouts are read (`roster_layout`):
- **named** (the one written; a header with a `name` column, or with a break pair not called
  `breakN`): every `X_start`/`X_end` column pair (X ≠ `shift`) is a break named X, taken in column
  order;
- **numbered** (rosters written before named breaks; no `name` column): `break1_start, break1_end`,
  …, `breakK_start, breakK_end` hold each shift's breaks by position; the non-empty breaks of a row
  are taken in column order and named after the template's breaks that apply to a shift of that
  length (`min_shift_h` ≤ length), in order; breaks beyond those (or of an unknown template) are
  named after their column (`break3`). Break columns are optional there (absent = empty).
All times are whole minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from wfm.agents import Agent
from wfm.atomic import CSV_TIME_FORMAT, write_csv
from wfm.errors import InputError
from wfm.scenario import BreakConfig, Scenario, ShiftTemplateConfig
from wfm.tables import Column, TableSchema, read_header, read_table

TIME_FORMAT = CSV_TIME_FORMAT
BASE_COLUMNS = ("agent_id", "name", "date", "queue", "template", "shift_start", "shift_end", "paid_hours")
_NUMBERED = re.compile(r"^break(\d+)$")
RosterLayout = Literal["named", "numbered"]


def _whole_minutes(t: dt.datetime) -> bool:
    return t.second == 0 and t.microsecond == 0 and t.tzinfo is None


@dataclass(frozen=True)
class Break:
    """A break of a shift: `name` as in its template, local wall-clock `start` and `end` (end exclusive)."""

    name: str
    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if not (_whole_minutes(self.start) and _whole_minutes(self.end)):
            raise ValueError(f"break '{self.name}': times must be naive whole minutes")
        if self.end <= self.start:
            raise ValueError(f"break '{self.name}': end {self.end} is not after start {self.start}")


@dataclass(frozen=True)
class RosterShift:
    """One shift of one agent. `date` is the date the shift starts on; `paid_hours` as written in the roster;
    `name` the agent's name (optional).

    Only the shape is an invariant (end after start, whole minutes, `date` = start's date); whether the
    shift obeys the scenario's rules is for `wfm.checker` to say.
    """

    agent_id: str
    date: dt.date
    queue: str
    template: str
    start: dt.datetime
    end: dt.datetime
    breaks: tuple[Break, ...]
    paid_hours: float
    name: str = ""  # the agent's name ("" = unknown: the roster shows the agent_id)

    def __post_init__(self) -> None:
        if not (self.agent_id and self.queue and self.template):
            raise ValueError("agent_id, queue and template must not be empty")
        if not (_whole_minutes(self.start) and _whole_minutes(self.end)):
            raise ValueError(f"shift of {self.agent_id}: times must be naive whole minutes")
        if self.end <= self.start:
            raise ValueError(f"shift of {self.agent_id}: end {self.end} is not after start {self.start}")
        if self.start.date() != self.date:
            raise ValueError(f"shift of {self.agent_id}: date {self.date} is not the start's date")
        if not (math.isfinite(self.paid_hours) and self.paid_hours >= 0):
            raise ValueError(f"shift of {self.agent_id}: paid_hours must be a number ≥ 0")

    @property
    def length_min(self) -> int:
        """Minutes from start to end, breaks included."""
        return round((self.end - self.start).total_seconds() / 60)


def with_names(shifts: Sequence[RosterShift], agents: Iterable[Agent]) -> list[RosterShift]:
    """`shifts` with each agent's name from agents.csv (empty names stay empty: the roster shows the id)."""
    names = {a.agent_id: a.name for a in agents}
    return [dataclasses.replace(s, name=names.get(s.agent_id, s.name)) for s in shifts]


def applicable_breaks(template: ShiftTemplateConfig, length_min: int) -> list[BreakConfig]:
    """The template's breaks a shift of `length_min` minutes takes (min_shift_h ≤ its length), in order."""
    return [b for b in template.breaks if b.min_shift_h * 60 <= length_min + 1e-9]


def paid_hours(
    start: dt.datetime, end: dt.datetime, breaks: Iterable[Break], template: ShiftTemplateConfig | None
) -> float:
    """Paid hours of a shift: (end − start − unpaid break minutes) / 60, unrounded.

    A break is unpaid when the template has an unpaid break of that name; breaks the template does not
    name (and every break when `template` is None) count as paid.
    """
    unpaid = {b.name for b in template.breaks if not b.paid} if template is not None else set()
    minutes = (end - start).total_seconds() / 60
    minutes -= sum((b.end - b.start).total_seconds() / 60 for b in breaks if b.name in unpaid)
    return minutes / 60


def scenario_max_breaks(scenario: Scenario) -> int:
    """K: the largest number of breaks of any template of the scenario (the roster's break column pairs)."""
    return max((len(t.breaks) for t in scenario.config.shift_templates), default=0)


def scenario_break_names(scenario: Scenario) -> list[str]:
    """The roster's break column names for `scenario`: every template's break names, merged in order."""
    return merge_break_names([b.name for b in t.breaks] for t in scenario.config.shift_templates)


def merge_break_names(sequences: Iterable[Sequence[str]]) -> list[str]:
    """One list of break names that keeps each sequence's order where it can: a new name goes right
    after the name before it in its sequence ([break1, lunch, break2] + [break1] → the first)."""
    merged: list[str] = []
    for names in sequences:
        at = 0
        for name in names:
            if name in merged:
                at = merged.index(name) + 1
            else:
                merged.insert(at, name)
                at += 1
    return merged


def roster_columns(break_names: Sequence[str]) -> list[str]:
    """The columns of roster.csv, in order, for the given break names."""
    return list(BASE_COLUMNS) + [f"{b}_{edge}" for b in break_names for edge in ("start", "end")]


def write_roster(
    path: str | Path,
    shifts: Sequence[RosterShift],
    max_breaks: int | None = None,
    *,
    names: Mapping[str, str] | None = None,
    break_names: Sequence[str] | None = None,
) -> None:
    """Write `shifts` to `path` atomically in the named layout (module docstring): fixed columns, rows
    sorted by agent_id, date, shift_start, queue; paid_hours with 2 decimals.

    `names` maps agent_id → name (else each shift's `name`, else the agent_id). `break_names` are the
    break columns (see `scenario_break_names`; default: the shifts' break names merged). A shift with
    more than `max_breaks` breaks, two breaks of one name, or a break name outside `break_names` or
    called `shift` is a `ValueError`.
    """
    ordered = sorted(shifts, key=lambda s: (s.agent_id, s.date, s.start, s.queue))
    if break_names is None:
        break_names = merge_break_names([b.name for b in s.breaks] for s in ordered)
    column = {name: i for i, name in enumerate(break_names)}
    if "shift" in column:
        raise ValueError("a break may not be called 'shift' (its columns would be shift_start, shift_end)")
    rows = []
    for s in ordered:
        if max_breaks is not None and len(s.breaks) > max_breaks:
            raise ValueError(f"shift of {s.agent_id} on {s.date} has {len(s.breaks)} breaks > {max_breaks}")
        cells = [""] * (2 * len(column))
        for b in s.breaks:
            i = column.get(b.name)
            if i is None or cells[2 * i]:
                raise ValueError(f"shift of {s.agent_id} on {s.date}: break '{b.name}' is unknown or repeated")
            cells[2 * i : 2 * i + 2] = [b.start.strftime(TIME_FORMAT), b.end.strftime(TIME_FORMAT)]
        name = (names or {}).get(s.agent_id) or s.name or s.agent_id
        rows.append(
            [
                s.agent_id,
                name,
                s.date.isoformat(),
                s.queue,
                s.template,
                s.start.strftime(TIME_FORMAT),
                s.end.strftime(TIME_FORMAT),
                f"{s.paid_hours:.2f}",
                *cells,
            ]
        )
    write_csv(path, pd.DataFrame(rows, columns=roster_columns(break_names), dtype=object))


def roster_layout(header: Sequence[str]) -> tuple[RosterLayout, list[str]]:
    """The layout of a roster header and its break names (module docstring), in column order;
    numbered layout: `break1` … `breakN` up to the largest N the header names."""
    columns = set(header)
    pairs = [h[: -len("_start")] for h in header if h.endswith("_start") and f"{h[:-6]}_end" in columns]
    pairs = [p for p in pairs if p != "shift"]
    if "name" in columns or any(not _NUMBERED.match(p) for p in pairs):
        return "named", pairs
    numbers = [int(m.group(1)) for h in header if (m := re.match(r"^break(\d+)_(?:start|end)$", h))]
    return "numbered", [f"break{i}" for i in range(1, max(numbers, default=0) + 1)]


def _roster_schema(break_names: Sequence[str]) -> TableSchema:
    cols = [
        Column("agent_id"),
        Column("name", required=False, default=""),
        Column("date", "date"),
        Column("queue"),
        Column("template"),
        Column("shift_start", "datetime"),
        Column("shift_end", "datetime"),
        Column("paid_hours", "float", ge=0),
    ]
    for b in break_names:  # empty = no such break; old rosters may leave out break columns
        cols += [Column(f"{b}_start", "datetime", required=False), Column(f"{b}_end", "datetime", required=False)]
    return TableSchema("roster", tuple(cols))


def _datetimes(values: pd.Series) -> list[dt.datetime | None]:
    """A parsed datetime column as Python datetimes (None where empty)."""
    return [None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in values]


def read_roster(path: str | Path, scenario: Scenario) -> list[RosterShift]:
    """Read and validate `roster.csv` in either layout (module docstring) against `scenario`'s templates.

    Raises `InputError` naming file, row and column for: a missing or unknown column, an empty
    required field, a bad date or timestamp, a time that is not a whole minute, a `date` that is not
    the shift start's date, an end not after its start (shift or break), and a break with only one of
    its start and end. Rule checks (templates, breaks' windows, …) are `wfm.checker`'s job.
    """
    path = Path(path)
    layout, keys = roster_layout(read_header(path))
    if layout == "numbered":  # an old roster: at least the scenario's K pairs are accepted
        keys = [f"break{i}" for i in range(1, max(len(keys), scenario_max_breaks(scenario)) + 1)]
    df = read_table(path, _roster_schema(keys))
    for col in ("agent_id", "queue", "template"):
        empty = df[col] == ""
        if empty.any():
            row = int(df.index[empty.to_numpy().argmax()])
            raise InputError("empty value", path=path, row=row, column=col)
    templates = {t.name: t for t in scenario.config.shift_templates}
    break_cols = [(key, _datetimes(df[f"{key}_start"]), _datetimes(df[f"{key}_end"])) for key in keys]
    shifts = []
    columns = (
        df.index,
        df["agent_id"],
        df["name"],
        df["date"],
        df["queue"],
        df["template"],
        _datetimes(df["shift_start"]),
        _datetimes(df["shift_end"]),
        df["paid_hours"],
    )
    for k, (row_label, agent_id, name, date, queue, template_name, start, end, paid) in enumerate(
        zip(*columns, strict=True)
    ):
        row = int(row_label)
        _check_shift(start, end, date.date(), path, row)
        spans = _break_spans([(key, starts[k], ends[k]) for key, starts, ends in break_cols], path, row)
        if layout == "named":
            breaks = tuple(Break(key, b_start, b_end) for key, b_start, b_end in spans)
        else:
            breaks = _numbered_breaks(spans, templates.get(template_name), round((end - start).total_seconds() / 60))
        shifts.append(
            RosterShift(
                str(agent_id), date.date(), str(queue), str(template_name), start, end, breaks, float(paid), str(name)
            )
        )
    return shifts


def _check_shift(start: dt.datetime, end: dt.datetime, date: dt.date, path: Path, row: int) -> None:
    _check_minutes(start, path, row, "shift_start")
    _check_minutes(end, path, row, "shift_end")
    if end <= start:
        raise InputError(
            f"shift_end {end:{TIME_FORMAT}} is not after shift_start {start:{TIME_FORMAT}}",
            path=path,
            row=row,
            column="shift_end",
        )
    if start.date() != date:
        raise InputError(
            f"date {date} is not the date of shift_start {start:{TIME_FORMAT}}", path=path, row=row, column="date"
        )


def _numbered_breaks(
    spans: list[tuple[str, dt.datetime, dt.datetime]], template: ShiftTemplateConfig | None, length_min: int
) -> tuple[Break, ...]:
    """An old roster's breaks, named after the template's applicable breaks in order (else their column)."""
    names = [b.name for b in applicable_breaks(template, length_min)] if template else []
    return tuple(
        Break(names[j] if j < len(names) else key, b_start, b_end) for j, (key, b_start, b_end) in enumerate(spans)
    )


def _check_minutes(t: dt.datetime, path: Path, row: int, column: str) -> None:
    if not _whole_minutes(t):
        raise InputError(
            "times must be whole minutes without a UTC offset (YYYY-MM-DDTHH:MM)", path=path, row=row, column=column
        )


def _break_spans(
    cells: list[tuple[str, dt.datetime | None, dt.datetime | None]], path: Path, row: int
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The non-empty breaks of one roster row as (column key, start, end), in column order."""
    spans = []
    for key, b_start, b_end in cells:
        s_col, e_col = f"{key}_start", f"{key}_end"
        if b_start is None and b_end is None:
            continue
        if b_start is None or b_end is None:
            raise InputError(
                "give both the start and the end of a break, or neither",
                path=path,
                row=row,
                column=e_col if b_end is None else s_col,
            )
        _check_minutes(b_start, path, row, s_col)
        _check_minutes(b_end, path, row, e_col)
        if b_end <= b_start:
            raise InputError(
                f"{e_col} {b_end:{TIME_FORMAT}} is not after {s_col} {b_start:{TIME_FORMAT}}",
                path=path,
                row=row,
                column=e_col,
            )
        spans.append((key, b_start, b_end))
    return spans
