"""Readers for what actually happened: the contact log, the agent state log, and a roster.

Each reader parses its file with `wfm.tables.read_table` (header, types, bounds) and then checks
the rules that span columns or rows, vectorized, raising `InputError` with file, row and column of
the first offending row. Timestamps are ISO 8601 local date-times without a time zone.

Contact log (one row per contact):

| column                 | type      | meaning                                                        |
|------------------------|-----------|----------------------------------------------------------------|
| contact_id             | text      | unique per row                                                 |
| queue                  | text      | queue (skill, campaign) the contact arrived on; not `all`      |
| arrived_at             | date-time | when the contact entered the queue                             |
| answered_at            | date-time | when an agent answered; empty if the caller abandoned          |
| ended_at               | date-time | end of the conversation, or when the caller hung up waiting    |
| talk_seconds           | seconds   | ≥ 0; empty = 0; must be 0 for an abandoned contact             |
| hold_seconds           | seconds   | ≥ 0; empty = 0; must be 0 for an abandoned contact             |
| acw_seconds            | seconds   | after-call work, ≥ 0; empty = 0; must be 0 for an abandoned one |
| agent_id               | text      | who answered; may be empty                                     |
| resolved_first_contact | true/false| optional column; empty = unknown (left out of the FCR rate)    |

Agent state log (one row per state an agent was in): `agent_id, state, start, end` and optional
`reason`; `state` is one of talk, hold, acw, available, aux; `reason` names the aux reason (break,
lunch, training, meeting, …; empty = `unspecified`; ignored for other states). One agent's states
must not overlap; `end` ≥ `start`.

Roster (the schedule's `roster.csv`, either layout of `wfm.roster`): `agent_id, date, queue,
shift_start, shift_end, paid_hours` and a `X_start, X_end` column pair per break (named after the
template's breaks, or `breakN` in older rosters; empty when a shift has no such break). Other columns
are ignored. Breaks lie inside their shift; one agent's shifts do not overlap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.roster import roster_layout
from wfm.tables import Column, TableSchema, read_header, read_table

ALL_QUEUES = "all"
"""The queue name of the rows that total every queue (and carry the agent KPIs)."""
ALL_AGENTS = "all"
"""The agent_id of the row of `kpi_agents.csv` that totals every agent."""

STATES = ("talk", "hold", "acw", "available", "aux")
PRODUCTIVE_STATES = ("talk", "hold", "acw", "available")
BUSY_STATES = ("talk", "hold", "acw")
BREAK_REASONS = ("break", "lunch")
"""Aux reasons that count as being on a scheduled break (for adherence)."""

UNSPECIFIED_REASON = "unspecified"

CONTACTS_SCHEMA = TableSchema(
    "contact log",
    (
        Column("contact_id", doc="unique contact id"),
        Column("queue", doc="queue the contact arrived on"),
        Column("arrived_at", "datetime", doc="arrival in the queue"),
        Column("answered_at", "datetime", default=pd.NaT, doc="answer time; empty if abandoned"),
        Column("ended_at", "datetime", doc="end of the contact or of the caller's wait"),
        Column("talk_seconds", "float", default=0.0, ge=0, doc="talk time, seconds"),
        Column("hold_seconds", "float", default=0.0, ge=0, doc="hold time, seconds"),
        Column("acw_seconds", "float", default=0.0, ge=0, doc="after-call work, seconds"),
        Column("agent_id", default="", doc="agent who answered"),
        Column("resolved_first_contact", required=False, default="", doc="true/false; empty = unknown"),
    ),
)

STATES_SCHEMA = TableSchema(
    "agent state log",
    (
        Column("agent_id", doc="agent id"),
        Column("state", choices=STATES, doc="talk, hold, acw, available or aux"),
        Column("start", "datetime", doc="start of the state"),
        Column("end", "datetime", doc="end of the state"),
        Column("reason", required=False, default="", doc="aux reason (break, training, …)"),
    ),
)

_TRUE = ("1", "true", "yes", "y", "t")
_FALSE = ("0", "false", "no", "n", "f")


def read_contacts(path: str | Path) -> pd.DataFrame:
    """Read and check a contact log; return it indexed by file row, with `resolved_first_contact`
    as a float (1.0 resolved, 0.0 not resolved, NaN unknown)."""
    df = read_table(path, CONTACTS_SCHEMA)
    if df.empty:
        raise InputError("the contact log has no rows", path=path, row=1)
    _require_local_times(df, ["arrived_at", "answered_at", "ended_at"], path)
    _first_bad(
        df["queue"] == ALL_QUEUES,
        df,
        path,
        "queue",
        f"'{ALL_QUEUES}' is reserved for the all-queue totals",
        hint="rename the queue",
    )
    _first_bad(df["agent_id"] == ALL_AGENTS, df, path, "agent_id", f"'{ALL_AGENTS}' is reserved for the totals")
    dup = df["contact_id"].duplicated()
    _first_bad(dup, df, path, "contact_id", "duplicate contact_id")
    answered = df["answered_at"].notna()
    _first_bad(
        answered & (df["answered_at"] < df["arrived_at"]),
        df,
        path,
        "answered_at",
        "answered before it arrived (answered_at < arrived_at)",
    )
    _first_bad(
        answered & (df["ended_at"] < df["answered_at"]),
        df,
        path,
        "ended_at",
        "ended before it was answered (ended_at < answered_at)",
    )
    _first_bad(
        ~answered & (df["ended_at"] < df["arrived_at"]),
        df,
        path,
        "ended_at",
        "ended before it arrived (ended_at < arrived_at)",
    )
    for col in ("talk_seconds", "hold_seconds", "acw_seconds"):
        _first_bad(
            ~answered & (df[col] > 0),
            df,
            path,
            col,
            "an abandoned contact (empty answered_at) has handle time",
            hint="fill answered_at, or set the handle time to 0",
        )
    df["resolved_first_contact"] = _tri_state(df["resolved_first_contact"], path)
    return df


def read_states(path: str | Path) -> pd.DataFrame:
    """Read and check an agent state log; `reason` is normalized (lower case, `_` for spaces) and
    set to `unspecified` for aux rows without one and to '' for non-aux rows."""
    df = read_table(path, STATES_SCHEMA)
    if df.empty:
        raise InputError("the agent state log has no rows", path=path, row=1)
    _require_local_times(df, ["start", "end"], path)
    _first_bad(df["agent_id"] == ALL_AGENTS, df, path, "agent_id", f"'{ALL_AGENTS}' is reserved for the totals")
    _first_bad(df["end"] < df["start"], df, path, "end", "state ends before it starts (end < start)")
    reason = df["reason"].str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
    aux = df["state"] == "aux"
    df["reason"] = reason.where(aux, "").where(~aux | (reason != ""), UNSPECIFIED_REASON)
    _check_no_overlap(df, path, "start", "end", "state", "overlaps the previous state of agent")
    return df


def roster_schema(path: str | Path) -> TableSchema:
    """The roster schema for the break columns `path`'s header names, in either layout (`wfm.roster`)."""
    breaks = tuple(
        Column(f"{key}_{edge}", "datetime", required=False, default=pd.NaT)
        for key in roster_layout(read_header(path))[1]
        for edge in ("start", "end")
    )
    return TableSchema(
        "roster",
        (
            Column("agent_id"),
            Column("name", required=False, default=""),
            Column("date", "date"),
            Column("queue"),
            Column("template", required=False, default=""),
            Column("shift_start", "datetime"),
            Column("shift_end", "datetime"),
            Column("paid_hours", "float", ge=0),
            *breaks,
        ),
        allow_extra=True,
    )


def break_keys(roster: pd.DataFrame) -> list[str]:
    """The break names X of a roster frame's `X_start`/`X_end` column pairs, in column order."""
    return roster_layout(list(roster.columns))[1]


def read_roster(path: str | Path, *, allow_empty: bool = False) -> pd.DataFrame:
    """Read and check a roster (schedule output or hand-edited); return it indexed by file row."""
    df = read_table(path, roster_schema(path))
    if df.empty and not allow_empty:
        raise InputError("the roster has no rows", path=path, row=1)
    keys = break_keys(df)
    _require_local_times(
        df, ["shift_start", "shift_end", *(f"{k}_{edge}" for k in keys for edge in ("start", "end"))], path
    )
    _first_bad(df["agent_id"] == ALL_AGENTS, df, path, "agent_id", f"'{ALL_AGENTS}' is reserved for the totals")
    _first_bad(
        df["shift_end"] <= df["shift_start"],
        df,
        path,
        "shift_end",
        "shift ends before it starts (shift_end ≤ shift_start)",
    )
    for key in keys:
        s_col, e_col = f"{key}_start", f"{key}_end"
        start, end = df[s_col], df[e_col]
        _first_bad(start.notna() & end.isna(), df, path, e_col, f"break '{key}' has a start but no end")
        _first_bad(start.isna() & end.notna(), df, path, s_col, f"break '{key}' has an end but no start")
        present = start.notna()
        _first_bad(present & (end <= start), df, path, e_col, f"break '{key}' ends before it starts")
        _first_bad(
            present & ((start < df["shift_start"]) | (end > df["shift_end"])),
            df,
            path,
            s_col,
            f"break '{key}' is not inside the shift",
        )
    _check_no_overlap(df, path, "shift_start", "shift_end", "shift", "overlaps the previous shift of agent")
    return df


def check_roster_agents(states: pd.DataFrame, roster: pd.DataFrame, states_path: str | Path) -> None:
    """Every agent in the state log must be in the roster (else adherence would silently skip them)."""
    unknown = ~states["agent_id"].isin(set(roster["agent_id"]))
    _first_bad(
        unknown,
        states,
        states_path,
        "agent_id",
        "agent is not in the roster",
        hint="add the agent to the roster, or pass the roster that covers this state log",
    )


def _first_bad(
    mask: pd.Series, df: pd.DataFrame, path: str | Path, column: str, message: str, hint: str | None = None
) -> None:
    """Raise `InputError` at the first row where `mask` holds (rows in file order)."""
    values = mask.to_numpy(dtype=bool)
    if values.any():
        row = int(df.index[int(np.argmax(values))])
        raise InputError(message, path=path, row=row, column=column, hint=hint)


def _require_local_times(df: pd.DataFrame, columns: list[str], path: str | Path) -> None:
    """Date-times must be local wall-clock times without a UTC offset (KPIs bucket by local time)."""
    for col in columns:
        if df[col].dtype.kind != "M" or isinstance(df[col].dtype, pd.DatetimeTZDtype):
            has_offset = df[col].map(lambda v: getattr(v, "tzinfo", None) is not None)
            _first_bad(
                has_offset,
                df,
                path,
                col,
                "date-time with a UTC offset",
                hint="give local times without an offset (YYYY-MM-DDTHH:MM:SS)",
            )


def _check_no_overlap(df: pd.DataFrame, path: str | Path, start: str, end: str, what: str, message: str) -> None:
    s = df[["agent_id", start, end]].sort_values(["agent_id", start], kind="stable")
    agents = s["agent_id"].to_numpy()
    overlap = (agents[1:] == agents[:-1]) & (s[start].to_numpy()[1:] < s[end].to_numpy()[:-1])
    if overlap.any():
        # of the overlapping pairs, report the one whose later row comes first in the file
        pairs = np.flatnonzero(overlap)
        rows = s.index.to_numpy()
        later = np.maximum(rows[pairs], rows[pairs + 1])
        k = int(np.argmin(later))
        earlier = int(min(rows[pairs[k]], rows[pairs[k] + 1]))
        raise InputError(
            f"{what} {message} {agents[pairs[k]]} (row {earlier})", path=path, row=int(later[k]), column=start
        )


def _tri_state(values: pd.Series, path: str | Path) -> pd.Series:
    """Parse a true/false column where empty means unknown: 1.0, 0.0 or NaN."""
    codes, uniques = pd.factorize(values)  # parse each distinct text once: a million rows hold a few
    low = pd.Index(uniques).astype(str).str.strip().str.lower()
    parsed = np.where(low.isin(_TRUE), 1.0, np.where(low.isin(_FALSE), 0.0, np.nan))
    bad_unique = ~(low.isin(_TRUE) | low.isin(_FALSE) | (low == ""))
    _first_bad(
        pd.Series(bad_unique[codes], index=values.index),
        values.to_frame(),
        path,
        str(values.name),
        "true or false (or empty) expected",
    )
    return pd.Series(parsed[codes], index=values.index)
