"""The scenario file (TOML): horizon, operating hours, shift templates, labor rules, budget, objective.

Validated with pydantic so every error names its key path and the file. Paths in `[inputs]` are
resolved against the scenario's folder. A documented example is `data/scenario.toml`.

Weeks are ISO calendar weeks (Monday–Sunday). A week only partly inside the horizon has its
`min_hours_week` and `max_hours_week` pro-rated by its days inside the horizon / 7, and its
`max_days_week` capped at those days. Each whole day of unavailability lowers that week's minimum
by `min_hours_week / max_days_week` (an average working day), never below zero.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wfm.errors import InputError
from wfm.service_config import ServiceConfig
from wfm.tomlfile import read_toml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(text: str) -> int:
    """Parse 'HH:MM' (00:00–24:00) to minutes after midnight."""
    m = _HHMM.match(text.strip())
    if not m or int(m.group(2)) >= 60 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise ValueError(f"'{text}' is not a time of day HH:MM")
    return int(m.group(1)) * 60 + int(m.group(2))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HorizonConfig(_Strict):
    start: dt.date
    days: int = Field(gt=0, le=400)
    interval_min: Literal[15, 30] = 15
    time_zone: str = "UTC"


class InputsConfig(_Strict):
    requirements: str | None = None
    agents: str | None = None
    unavailability: str | None = None
    preferences: str | None = None
    forecast: str | None = None
    history: str | None = None
    previous_roster: str | None = None  # the roster before the horizon (wfm.continuity)
    locked: str | None = None  # roster rows that must appear unchanged (wfm.continuity)


class BreakConfig(_Strict):
    """A break every shift of the template takes (if at least `min_shift_h` long).

    It must begin between `window_start_min` and `window_end_min` minutes after the shift start.
    """

    name: str
    duration_min: int = Field(gt=0, le=180)
    paid: bool = True
    window_start_min: int = Field(ge=0)
    window_end_min: int = Field(ge=0)
    min_shift_h: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _window(self) -> BreakConfig:
        if self.window_end_min < self.window_start_min:
            raise ValueError("window_end_min must be ≥ window_start_min")
        return self


class ShiftTemplateConfig(_Strict):
    """Shifts that start between `earliest_start` and `latest_start` every `start_step_min`, with
    one of `lengths_h` (hours, multiples of the interval length), on the listed weekdays."""

    name: str
    earliest_start: str
    latest_start: str
    start_step_min: int = Field(default=30, gt=0)
    lengths_h: list[float] = Field(min_length=1)
    weekdays: list[str] = Field(default_factory=lambda: list(WEEKDAYS))
    breaks: list[BreakConfig] = Field(default_factory=list)

    @field_validator("earliest_start", "latest_start")
    @classmethod
    def _time(cls, v: str) -> str:
        parse_hhmm(v)
        return v

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d.lower() not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown weekday(s) {bad}; use {', '.join(WEEKDAYS)}")
        return [d.lower() for d in v]

    @field_validator("lengths_h")
    @classmethod
    def _lengths(cls, v: list[float]) -> list[float]:
        if any(x <= 0 or x > 16 for x in v):
            raise ValueError("shift lengths must be in (0, 16] hours")
        return sorted(set(v))

    @field_validator("breaks")
    @classmethod
    def _break_names(cls, v: list[BreakConfig]) -> list[BreakConfig]:
        # each break name is a roster column pair `<name>_start, <name>_end` (wfm.roster)
        names = [b.name for b in v]
        if len(set(names)) != len(names) or "shift" in names:
            raise ValueError("break names must be unique within a template and not 'shift' (they name roster columns)")
        return v

    @model_validator(mode="after")
    def _breaks_ordered(self) -> ShiftTemplateConfig:
        if parse_hhmm(self.latest_start) < parse_hhmm(self.earliest_start):
            raise ValueError("latest_start is before earliest_start")
        prev_end = -1
        for b in self.breaks:
            if b.window_start_min <= prev_end:
                raise ValueError(
                    f"break '{b.name}' window must start after the previous break's window ends "
                    "plus its duration (windows of one template may not overlap)"
                )
            prev_end = b.window_end_min + b.duration_min - 1
        return self


class RulesConfig(_Strict):
    min_rest_h: float = Field(default=11.0, ge=0, le=48)
    max_consecutive_days: int = Field(default=6, ge=1)
    min_consecutive_days: int = Field(default=1, ge=1)
    min_consecutive_days_off: int = Field(default=1, ge=1)
    min_days_off_week: int = Field(default=1, ge=0, le=7)
    max_weekends: int | None = Field(default=None, ge=0)
    max_shifts_per_template: dict[str, int] = Field(default_factory=dict)
    # week rules (models.rules): late shifts per ISO week, and how far apart a week's starts may be
    max_late_shifts_week: int | None = Field(default=None, ge=0, le=7)
    start_time_spread_min: int | None = Field(default=None, ge=0, le=1440)
    late_shift_end: str | None = None  # what "late" means (HH:MM); the same as [objective] late_shift_end

    @field_validator("late_shift_end")
    @classmethod
    def _late(cls, v: str | None) -> str | None:
        if v is not None:
            parse_hhmm(v)
        return v


class BudgetConfig(_Strict):
    """The contracted agent-hours: `hours`, or as BPO contracts count them, `operating_hours` (hours
    the campaign is open over the horizon) × `positions` (agents on shift at once): 312 h × 5 =
    1,560 h. Either form, not both; `hours` is then their product."""

    hours: float | None = Field(default=None, gt=0)
    operating_hours: float | None = Field(default=None, gt=0)
    positions: float | None = Field(default=None, gt=0)
    counted_on: Literal["paid", "productive"] = "paid"

    @model_validator(mode="before")
    @classmethod
    def _operating_hours(cls, data: Any) -> Any:
        if not isinstance(data, dict) or ("operating_hours" not in data and "positions" not in data):
            return data
        if "hours" in data:
            raise ValueError("give either hours or operating_hours and positions, not both")
        missing = [k for k in ("operating_hours", "positions") if k not in data]
        if missing:
            raise ValueError(f"operating_hours and positions go together: add {missing[0]}")
        try:
            hours = float(data["operating_hours"]) * float(data["positions"])
        except (TypeError, ValueError):
            return data  # the fields' own validation names the bad value
        return {**data, "hours": hours}


class ObjectiveConfig(_Strict):
    kind: Literal["coverage", "service"] = "coverage"
    under_weight: float = Field(default=10.0, ge=0)
    over_weight: float = Field(default=1.0, ge=0)
    cost_weight: float = Field(default=0.0, ge=0)
    service_weight: float = Field(default=1.0, ge=0)
    preference_weight: float = Field(default=1.0, ge=0)
    fairness_weight: float = Field(default=0.5, ge=0)
    late_shift_end: str = "19:00"

    @field_validator("late_shift_end")
    @classmethod
    def _late(cls, v: str) -> str:
        parse_hhmm(v)
        return v


class SolverConfig(_Strict):
    time_limit_s: float = Field(default=60.0, gt=0)
    workers: int = Field(default=2, ge=1, le=64)
    seed: int = Field(default=0, ge=0)
    repeatable: bool = False  # the time limit as a work budget: runs repeat exactly (docs/schedule.md)
    # overrides of `wfm.schedule.params.SolverParams` (checked against it when the inputs are loaded)
    tuning: dict[str, float | int | list[int | None]] = Field(default_factory=dict)


class ScenarioConfig(_Strict):
    name: str = "scenario"
    horizon: HorizonConfig
    inputs: InputsConfig = InputsConfig()
    operating_hours: dict[str, str]
    shift_templates: list[ShiftTemplateConfig] = Field(min_length=1)
    rules: RulesConfig = RulesConfig()
    budget: BudgetConfig = BudgetConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    solver: SolverConfig = SolverConfig()
    service: ServiceConfig = ServiceConfig()
    contract: dict[str, Any] = Field(default_factory=dict)

    @field_validator("operating_hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        out = {}
        for day, span in v.items():
            if day.lower() not in WEEKDAYS:
                raise ValueError(f"unknown weekday '{day}'")
            if span.strip().lower() != "closed":
                parts = span.split("-")
                if len(parts) != 2:
                    raise ValueError(f"{day}: '{span}' is not 'HH:MM-HH:MM' or 'closed'")
                a, b = (parse_hhmm(p) for p in parts)
                if b <= a:
                    raise ValueError(f"{day}: closing time must be after opening time")
            out[day.lower()] = span.strip().lower()
        return out

    @property
    def late_shift_end_min(self) -> int:
        """Minutes after midnight from which a shift's end makes it late (`[rules]` or `[objective]`)."""
        return parse_hhmm(self.rules.late_shift_end or self.objective.late_shift_end)

    @model_validator(mode="after")
    def _cross(self) -> ScenarioConfig:
        late = self.rules.late_shift_end  # one meaning of "late", for the rule and fairness: `late_shift_end_min`
        given = "late_shift_end" in self.objective.model_fields_set
        if late is not None and given and self.objective.late_shift_end != late:
            raise ValueError("rules.late_shift_end and objective.late_shift_end differ: give one of them")
        names = [t.name for t in self.shift_templates]
        if len(set(names)) != len(names):
            raise ValueError("shift template names must be unique")
        unknown = set(self.rules.max_shifts_per_template) - set(names)
        if unknown:
            raise ValueError(f"rules.max_shifts_per_template names unknown template(s) {sorted(unknown)}")
        for t in self.shift_templates:
            for length in t.lengths_h:
                if round(length * 60) % self.horizon.interval_min:
                    raise ValueError(
                        f"template '{t.name}': length {length} h is not a multiple of "
                        f"{self.horizon.interval_min} minutes"
                    )
            for b in t.breaks:
                if b.duration_min % self.horizon.interval_min:
                    raise ValueError(
                        f"template '{t.name}' break '{b.name}': duration must be a multiple of "
                        f"{self.horizon.interval_min} minutes"
                    )
        return self


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and the folder its relative paths are resolved against."""

    config: ScenarioConfig
    path: Path

    @property
    def folder(self) -> Path:
        return self.path.parent

    def input_path(self, key: str, override: str | Path | None = None) -> Path | None:
        """The path of input `key` ('requirements', 'agents', …): the override, else the scenario's."""
        if override is not None:
            return Path(override)
        value = getattr(self.config.inputs, key)
        return None if value is None else (self.folder / value)

    @property
    def horizon_dates(self) -> list[dt.date]:
        h = self.config.horizon
        return [h.start + dt.timedelta(days=i) for i in range(h.days)]

    def opening(self, weekday: int) -> tuple[int, int] | None:
        """(open, close) minutes after midnight on weekday 0=Monday, or None when closed."""
        span = self.config.operating_hours.get(WEEKDAYS[weekday], "closed")
        if span == "closed":
            return None
        a, b = span.split("-")
        return parse_hhmm(a), parse_hhmm(b)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file; raise `InputError` naming the key path."""
    path = Path(path)
    data = read_toml(path)
    try:
        config = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise InputError(f"key '{key}': {msg}{more}", path=path) from None
    return Scenario(config=config, path=path.resolve())
