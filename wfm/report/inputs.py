"""Read a schedule output folder: `roster.csv`, `coverage.csv` and `summary.json`.

`coverage.csv` needs `interval_start, queue, required_agents, scheduled_agents` (agents, ≥ 0);
`under`, `over`, `service_level`, `asa_seconds` and other columns are ignored (the gap is
recomputed as scheduled − required). `summary.json` is read leniently — every key is optional and
unknown keys are ignored — because the report must show what there is; a key that is present
must have the documented type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wfm.errors import InputError
from wfm.kpi.readers import read_roster
from wfm.tables import Column, TableSchema, read_table

COVERAGE_SCHEMA = TableSchema(
    "coverage",
    (
        Column("interval_start", "datetime", doc="start of the interval"),
        Column("queue", doc="queue"),
        Column("required_agents", "float", ge=0, doc="agents required on the phone"),
        Column("scheduled_agents", "float", ge=0, doc="agents scheduled on the phone, breaks removed"),
    ),
    allow_extra=True,
)


class Violation(BaseModel):
    """One rule the checker found broken."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    agent_id: str | None = None
    date: str | None = None
    rule: str = ""
    detail: str = ""


class Summary(BaseModel):
    """The keys of `summary.json` the report shows (hours are agent-hours; levels are fractions)."""

    model_config = ConfigDict(extra="ignore")

    status: str | None = None
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    hours_used: float | None = None
    hours_counted_on: str | None = None
    budget_hours: float | None = None
    projected_service_level: float | None = None
    service_level_by_day: dict[str, float | None] = Field(default_factory=dict)
    under_agent_hours: float | None = None
    over_agent_hours: float | None = None
    violations: list[Violation] = Field(default_factory=list)
    fairness: dict[str, Any] = Field(default_factory=dict)
    interval_min: int | None = None


@dataclass(frozen=True)
class ScheduleOutput:
    """A schedule output folder, read and checked."""

    folder: Path
    roster: pd.DataFrame
    coverage: pd.DataFrame
    summary: Summary

    @property
    def interval_min(self) -> int:
        """From summary.json, else the smallest step between coverage intervals (15 if one interval)."""
        if self.summary.interval_min:
            return self.summary.interval_min
        steps = pd.Series(sorted(self.coverage["interval_start"].unique())).diff().dropna()
        return int(steps.min().total_seconds() // 60) if len(steps) else 15


def read_schedule_output(folder: str | Path) -> ScheduleOutput:
    """Read roster.csv, coverage.csv and summary.json from `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            "schedule output folder not found", path=folder, hint="pass the --out folder of `wfm schedule`"
        )
    for name in ("roster.csv", "coverage.csv", "summary.json"):
        if not (folder / name).is_file():
            raise InputError(
                f"{name} is missing", path=folder, hint="run `wfm schedule ... --out` into it first"
            )
    coverage = read_table(folder / "coverage.csv", COVERAGE_SCHEMA)
    if coverage.empty:
        raise InputError("coverage has no rows", path=folder / "coverage.csv", row=1)
    roster = read_roster(folder / "roster.csv", allow_empty=True)
    return ScheduleOutput(folder, roster, coverage, read_summary(folder / "summary.json"))


def read_summary(path: Path) -> Summary:
    """Parse summary.json; raise `InputError` naming the key on a wrong type."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", path=path) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", path=path)
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise InputError(f"key '{key}': {err['msg']}", path=path) from None
