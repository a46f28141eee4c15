"""Read a schedule output folder: `roster.csv`, `coverage.csv` and `summary.json`.

`coverage.csv` needs `interval_start, queue, required_agents, scheduled_agents` (agents, ≥ 0);
`service_level`, `asa_seconds`, `contacts`, `occupancy` and `abandon_rate` are read when present
(empty = unknown); `under`, `over` and other columns are ignored (the gap is recomputed as
scheduled − required). `summary.json`'s `campaign` table is `wfm.campaign.Campaign`; `target_hours`
(the hours the service-level target needs, from `wfm frontier`) may sit at its top or in a
`frontier` table. `summary.json` is read leniently — every key is optional and
unknown keys are ignored — because the report must show what there is; a key that is present
must have the documented type.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wfm.campaign import Campaign
from wfm.errors import InputError
from wfm.kpi.readers import read_roster
from wfm.tables import Column, TableSchema, read_header, read_table

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


MEASURE_COLUMNS = {  # optional coverage columns the report shows (coverage of older versions lacks some)
    "service_level": 1.0,  # name → upper bound (fractions ≤ 1); every one is a number ≥ 0, empty = unknown
    "asa_seconds": math.inf,  # `inf` where no agent answers
    "contacts": math.inf,
    "occupancy": 1.0,
    "abandon_rate": 1.0,
}


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
    campaign: Campaign | None = None
    target_hours: float | None = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _frontier_target(cls, data: Any) -> Any:
        """`target_hours` may sit at the top or in a `frontier` (or `target`) table (`wfm frontier`)."""
        if isinstance(data, dict) and data.get("target_hours") is None:
            for key in ("frontier", "target"):
                table = data.get(key)
                if isinstance(table, dict) and table.get("target_hours") is not None:
                    return {**data, "target_hours": table["target_hours"]}
        return data


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


def check_result_folder(folder: Path, names: tuple[str, ...]) -> None:
    """Raise `InputError` unless `folder` is a folder holding each of the files `names`."""
    if not folder.is_dir():
        raise InputError(
            "schedule output folder not found", path=folder, hint="pass the --out folder of `wfm schedule`"
        )
    for name in names:
        if not (folder / name).is_file():
            raise InputError(f"{name} is missing", path=folder, hint="run `wfm schedule ... --out` into it first")


def read_schedule_output(folder: str | Path) -> ScheduleOutput:
    """Read roster.csv, coverage.csv and summary.json from `folder`."""
    folder = Path(folder)
    check_result_folder(folder, ("roster.csv", "coverage.csv", "summary.json"))
    coverage = read_table(folder / "coverage.csv", COVERAGE_SCHEMA)
    header = set(read_header(folder / "coverage.csv"))
    for name, values in _read_measures(folder / "coverage.csv", [m for m in MEASURE_COLUMNS if m in header]).items():
        coverage[name] = values.to_numpy()
    if coverage.empty:
        raise InputError("coverage has no rows", path=folder / "coverage.csv", row=1)
    roster = read_roster(folder / "roster.csv", allow_empty=True)
    return ScheduleOutput(folder, roster, coverage, read_summary(folder / "summary.json"))


def _read_measures(path: Path, names: list[str]) -> dict[str, pd.Series]:
    """The optional measure columns of coverage.csv as floats (NaN where empty; `inf` accepted);
    `InputError` naming row and column for a value that is not a number in [0, its bound]."""
    if not names:
        return {}
    raw = pd.read_csv(path, usecols=names, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = {}
    for name in names:
        text = raw[name].str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = (values.isna() & (text != "")) | (values < 0) | (values > MEASURE_COLUMNS[name])
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            bound = "" if math.isinf(MEASURE_COLUMNS[name]) else f" and ≤ {MEASURE_COLUMNS[name]:g}"
            raise InputError(f"a number ≥ 0{bound} expected, got '{text.iloc[i]}'", path=path, row=i + 2, column=name)
        out[name] = values.astype(float)
    return out


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
