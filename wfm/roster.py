"""The roster: one row per shift, written by the scheduler and read back by the checker.

`roster.csv` columns, one row per shift, sorted by agent_id, date (then shift_start, queue):

- `agent_id` (text): the agent, as in agents.csv;
- `date` (YYYY-MM-DD): the date the shift starts on (a shift may end after midnight);
- `queue` (text): the queue the agent serves during the shift;
- `template` (text): the scenario's shift template the shift follows;
- `shift_start`, `shift_end` (YYYY-MM-DDTHH:MM, local wall clock): start and (exclusive) end;
- `paid_hours` (hours, 2 decimals): (shift_end − shift_start − unpaid break minutes) / 60;
- `break1_start`, `break1_end`, …, `breakK_start`, `breakK_end` (YYYY-MM-DDTHH:MM): each break, in
  the template's order; empty where the shift has fewer than K breaks. K is the largest number of
  breaks of any template in the scenario.

On reading, break columns are optional (an absent column reads as empty) and more than K are
accepted; the non-empty breaks of a row are taken in column order and named after the template's
breaks that apply to a shift of that length (`min_shift_h` ≤ length), in order; breaks beyond those
(or of an unknown template) are named after their column (`break3`). All times are whole minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.atomic import write_csv
from wfm.errors import InputError
from wfm.scenario import BreakConfig, Scenario, ShiftTemplateConfig
from wfm.tables import Column, TableSchema, read_table

TIME_FORMAT = "%Y-%m-%dT%H:%M"
BASE_COLUMNS = ("agent_id", "date", "queue", "template", "shift_start", "shift_end", "paid_hours")


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
    """One shift of one agent. `date` is the date the shift starts on; `paid_hours` as written in the roster.

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


def roster_columns(n_breaks: int) -> list[str]:
    """The columns of roster.csv, in order, for `n_breaks` break column pairs."""
    cols = list(BASE_COLUMNS)
    for i in range(1, n_breaks + 1):
        cols += [f"break{i}_start", f"break{i}_end"]
    return cols


def write_roster(path: str | Path, shifts: Sequence[RosterShift], max_breaks: int) -> None:
    """Write `shifts` to `path` atomically: fixed columns, rows sorted by agent_id, date, shift_start, queue.

    `max_breaks` is K (see `scenario_max_breaks(scenario)`); a shift with more breaks is a `ValueError`.
    paid_hours are written with 2 decimals.
    """
    rows = []
    for s in sorted(shifts, key=lambda s: (s.agent_id, s.date, s.start, s.queue)):
        if len(s.breaks) > max_breaks:
            raise ValueError(f"shift of {s.agent_id} on {s.date} has {len(s.breaks)} breaks > {max_breaks}")
        row = [s.agent_id, s.date.isoformat(), s.queue, s.template, s.start.strftime(TIME_FORMAT),
               s.end.strftime(TIME_FORMAT), f"{s.paid_hours:.2f}"]
        for i in range(max_breaks):
            if i < len(s.breaks):
                row += [s.breaks[i].start.strftime(TIME_FORMAT), s.breaks[i].end.strftime(TIME_FORMAT)]
            else:
                row += ["", ""]
        rows.append(row)
    write_csv(path, pd.DataFrame(rows, columns=roster_columns(max_breaks), dtype=object))


def _roster_schema(n_breaks: int) -> TableSchema:
    cols = [
        Column("agent_id"),
        Column("date", "date"),
        Column("queue"),
        Column("template"),
        Column("shift_start", "datetime"),
        Column("shift_end", "datetime"),
        Column("paid_hours", "float", ge=0),
    ]
    for i in range(1, n_breaks + 1):
        cols += [Column(f"break{i}_start", "datetime", required=False),
                 Column(f"break{i}_end", "datetime", required=False)]
    return TableSchema("roster", tuple(cols))


def _n_break_columns(path: Path) -> int:
    """The number of break column pairs the file's header names (at least the scenario's K is accepted)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return 0  # read_table reports the problem
    n = 0
    for h in header:
        name = h.strip()
        if name.startswith("break") and name.endswith(("_start", "_end")):
            number = name[5:].split("_")[0]
            if number.isdigit():
                n = max(n, int(number))
    return n


def _datetimes(values: pd.Series) -> list[dt.datetime | None]:
    """A parsed datetime column as Python datetimes (None where empty)."""
    return [None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in values]


def read_roster(path: str | Path, scenario: Scenario) -> list[RosterShift]:
    """Read and validate `roster.csv` (schema in this module's docstring) against `scenario`'s templates.

    Raises `InputError` naming file, row and column for: a missing or unknown column, an empty
    required field, a bad date or timestamp, a time that is not a whole minute, a `date` that is not
    the shift start's date, an end not after its start (shift or break), and a break with only one of
    its start and end. Rule checks (templates, breaks' windows, …) are `wfm.checker`'s job.
    """
    path = Path(path)
    n_breaks = max(_n_break_columns(path), scenario_max_breaks(scenario))
    df = read_table(path, _roster_schema(n_breaks))
    for col in ("agent_id", "queue", "template"):
        empty = df[col] == ""
        if empty.any():
            row = int(df.index[empty.to_numpy().argmax()])
            raise InputError("empty value", path=path, row=row, column=col)
    templates = {t.name: t for t in scenario.config.shift_templates}
    break_cols = [(i, _datetimes(df[f"break{i}_start"]), _datetimes(df[f"break{i}_end"]))
                  for i in range(1, n_breaks + 1)]
    shifts = []
    columns = (df.index, df["agent_id"], df["date"], df["queue"], df["template"],
               _datetimes(df["shift_start"]), _datetimes(df["shift_end"]), df["paid_hours"])
    for k, (row_label, agent_id, date, queue, template_name, start, end, paid) in enumerate(
        zip(*columns, strict=True)
    ):
        row = int(row_label)
        _check_minutes(start, path, row, "shift_start")
        _check_minutes(end, path, row, "shift_end")
        if end <= start:
            raise InputError(f"shift_end {end:{TIME_FORMAT}} is not after shift_start {start:{TIME_FORMAT}}",
                             path=path, row=row, column="shift_end")
        if start.date() != date.date():
            raise InputError(f"date {date.date()} is not the date of shift_start {start:{TIME_FORMAT}}",
                             path=path, row=row, column="date")
        spans = _break_spans([(i, starts[k], ends[k]) for i, starts, ends in break_cols], path, row)
        template = templates.get(template_name)
        length_min = round((end - start).total_seconds() / 60)
        names = [b.name for b in applicable_breaks(template, length_min)] if template else []
        breaks = tuple(
            Break(names[j] if j < len(names) else f"break{i}", b_start, b_end)
            for j, (i, b_start, b_end) in enumerate(spans)
        )
        shifts.append(RosterShift(str(agent_id), date.date(), str(queue), str(template_name), start, end,
                                  breaks, float(paid)))
    return shifts


def _check_minutes(t: dt.datetime, path: Path, row: int, column: str) -> None:
    if not _whole_minutes(t):
        raise InputError("times must be whole minutes without a UTC offset (YYYY-MM-DDTHH:MM)",
                         path=path, row=row, column=column)


def _break_spans(
    cells: list[tuple[int, dt.datetime | None, dt.datetime | None]], path: Path, row: int
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """The non-empty breaks of one roster row as (column number, start, end), in column order."""
    spans = []
    for i, b_start, b_end in cells:
        s_col, e_col = f"break{i}_start", f"break{i}_end"
        if b_start is None and b_end is None:
            continue
        if b_start is None or b_end is None:
            raise InputError("give both the start and the end of a break, or neither",
                             path=path, row=row, column=e_col if b_end is None else s_col)
        _check_minutes(b_start, path, row, s_col)
        _check_minutes(b_end, path, row, e_col)
        if b_end <= b_start:
            raise InputError(f"{e_col} {b_end:{TIME_FORMAT}} is not after {s_col} {b_start:{TIME_FORMAT}}",
                             path=path, row=row, column=e_col)
        spans.append((i, b_start, b_end))
    return spans
