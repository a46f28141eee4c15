"""The scenario file (TOML): horizon, operating hours, shift templates, labor rules, budget, objective.

Validated with pydantic so every error names its key path and the file. Paths in `[inputs]` are
resolved against the scenario's folder and must stay inside it (`Scenario.input_path`). A
documented example is `data/scenario.toml`.

Numbers must be finite and within sane bounds (a budget of `inf` or `1e308` hours is refused, not
overflowed), `true`/`false` are not numbers, `min_*` ≤ `max_*` pairs hold, shift starts, steps and
opening hours lie on the horizon's interval grid, and `time_zone` is a real IANA zone. Checks that
need the input files as well (skills naming no queue, rest longer than a day allows…) are in
`wfm.validation`.

Weeks are ISO calendar weeks (Monday–Sunday). A week only partly inside the horizon has its
`min_hours_week` and `max_hours_week` pro-rated by its days inside the horizon / 7, and its
`max_days_week` capped at those days. Each whole day of unavailability lowers that week's minimum
by `min_hours_week / max_days_week` (an average working day), never below zero.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from wfm.errors import InputError
from wfm.service_config import ServiceConfig
from wfm.tomlfile import TomlTable, read_toml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_KEY_FIRST = re.compile(r"^([a-z_]+\.[a-z_.]+): (.*)$", re.DOTALL)


def parse_hhmm(text: str) -> int:
    """Parse 'HH:MM' (00:00–24:00) to minutes after midnight."""
    m = _HHMM.match(text.strip())
    if not m or int(m.group(2)) >= 60 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise ValueError(f"'{text}' is not a time of day HH:MM")
    return int(m.group(1)) * 60 + int(m.group(2))


ALLOW_OUTSIDE_ENV = "WFM_ALLOW_OUTSIDE_INPUTS"  # "1": [inputs] may name files outside the scenario's folder
MAX_WEIGHT = 1e6  # objective weights: larger ones only overflow the solver's integer scaling
MAX_BUDGET_H = 1e7  # agent-hours in one horizon: 10,000 agents full time for a year is 2e7 / 1
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2200, 12, 31)  # pandas' time stamps end in 2262


_Strict = TomlTable  # unknown keys are errors; numbers finite, never booleans


class HorizonConfig(_Strict):
    start: dt.date = Field(ge=FIRST_DAY, le=LAST_DAY)
    days: int = Field(gt=0, le=400)
    interval_min: Literal[15, 30] = 15
    time_zone: str = "UTC"

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{v}' is not an IANA time zone (e.g. Europe/Madrid, UTC)") from None
        return v


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
    window_start_min: int = Field(ge=0, le=16 * 60)
    window_end_min: int = Field(ge=0, le=16 * 60)
    min_shift_h: float = Field(default=0.0, ge=0, le=16)

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
    start_step_min: int = Field(default=30, gt=0, le=24 * 60)
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
    max_consecutive_days: int = Field(default=6, ge=1, le=400)
    min_consecutive_days: int = Field(default=1, ge=1, le=400)
    min_consecutive_days_off: int = Field(default=1, ge=1, le=400)
    min_days_off_week: int = Field(default=1, ge=0, le=7)
    max_weekends: int | None = Field(default=None, ge=0, le=60)
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

    @field_validator("max_shifts_per_template", mode="before")
    @classmethod
    def _caps(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v  # pydantic names the type error
        bad = {
            name: cap
            for name, cap in v.items()
            if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= 1_000_000
        }
        if bad:
            raise ValueError(f"caps must be whole numbers from 0 to 1,000,000, got {bad}")
        return v

    @model_validator(mode="after")
    def _pairs(self) -> RulesConfig:
        if self.min_consecutive_days > self.max_consecutive_days:
            raise ValueError(
                f"min_consecutive_days ({self.min_consecutive_days}) is above max_consecutive_days "
                f"({self.max_consecutive_days})"
            )
        return self


class BudgetConfig(_Strict):
    """The contracted agent-hours: `hours`, or as BPO contracts count them, `operating_hours` (hours
    the campaign is open over the horizon) × `positions` (agents on shift at once): 312 h × 5 =
    1,560 h. Either form, not both; `hours` is then their product."""

    hours: float | None = Field(default=None, gt=0, le=MAX_BUDGET_H)
    operating_hours: float | None = Field(default=None, gt=0, le=MAX_BUDGET_H)
    positions: float | None = Field(default=None, gt=0, le=100_000)
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
    under_weight: float = Field(default=10.0, ge=0, le=MAX_WEIGHT)
    over_weight: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    cost_weight: float = Field(default=0.0, ge=0, le=MAX_WEIGHT)
    service_weight: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    preference_weight: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    fairness_weight: float = Field(default=0.5, ge=0, le=MAX_WEIGHT)
    late_shift_end: str = "19:00"

    @field_validator("late_shift_end")
    @classmethod
    def _late(cls, v: str) -> str:
        parse_hhmm(v)
        return v


class SolverConfig(_Strict):
    time_limit_s: float = Field(default=60.0, gt=0, le=7 * 86400)
    workers: int = Field(default=2, ge=1, le=64)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
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

    @field_validator("contract")
    @classmethod
    def _contract(cls, v: dict[str, Any]) -> dict[str, Any]:
        from wfm.kpi.contract import ContractTerms  # `wfm kpi`'s model of the table: one definition

        try:
            ContractTerms.model_validate(v)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"{key}: {err['msg']}, got {err.get('input')!r}") from None
        return v

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
        step = self.horizon.interval_min
        for (day, span), (a, b) in self._open_spans():
            if a % step or b % step:
                raise ValueError(f"operating_hours.{day}: '{span}' is off the {step}-minute grid of intervals")
        for t in self.shift_templates:
            for name in ("earliest_start", "latest_start", "start_step_min"):
                value = getattr(t, name)
                minutes = value if isinstance(value, int) else parse_hhmm(value)
                if minutes % step:
                    raise ValueError(
                        f"template '{t.name}': {name} {value} is not a multiple of {step} minutes "
                        "(the horizon's interval_min)"
                    )
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

    def _open_spans(self) -> list[tuple[tuple[str, str], tuple[int, int]]]:
        spans = []
        for day, span in self.operating_hours.items():
            if span != "closed":
                a, b = span.split("-")
                spans.append(((day, span), (parse_hhmm(a), parse_hhmm(b))))
        return spans


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and the folder its relative paths are resolved against."""

    config: ScenarioConfig
    path: Path

    @property
    def folder(self) -> Path:
        return self.path.parent

    def input_path(self, key: str, override: str | Path | None = None) -> Path | None:
        """The path of input `key` ('requirements', 'agents', …): the override, else the scenario's.

        A scenario's own path must lead inside its folder (after `..` and symbolic links), unless the
        environment sets `WFM_ALLOW_OUTSIDE_INPUTS=1`: a scenario from elsewhere cannot make wfm read
        (and `wfm run` copy) any file it names. Raises `InputError` naming the key.
        """
        if override is not None:
            return Path(override)
        value = getattr(self.config.inputs, key)
        if value is None:
            return None
        path = self.folder / value
        if os.environ.get(ALLOW_OUTSIDE_ENV) != "1" and not path.resolve().is_relative_to(self.folder.resolve()):
            raise InputError(
                f"key 'inputs.{key}': '{value}' leads outside the scenario's folder {self.folder}",
                path=self.path,
                hint=f"move the file into that folder, or set {ALLOW_OUTSIDE_ENV}=1 to allow it",
            )
        return path

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
    return Scenario(config=scenario_config(read_toml(path), path=path), path=path.resolve())


def scenario_config(data: dict[str, Any], *, path: str | Path | None = None) -> ScenarioConfig:
    """Validate a parsed scenario; raise `InputError` naming `path` and the first wrong key path."""
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        named = _KEY_FIRST.match(msg) if not err["loc"] else None
        if named:  # a check across tables names its key first: "operating_hours.monday: …"
            key, msg = named.group(1), named.group(2)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise InputError(f"key '{key}': {msg}{more}", path=path) from None


def check_solver_options(
    time_limit_s: float | None = None, workers: int | None = None, seed: int | None = None
) -> None:
    """Validate command-line overrides of `[solver]` with the scenario's own bounds.

    `time_limit_s` (wall seconds, finite, > 0), `workers` (CP-SAT threads, 1–64), `seed` (≥ 0); None
    means not given. Raises `InputError` naming the option (`--time-limit-s`).
    """
    given = {k: v for k, v in {"time_limit_s": time_limit_s, "workers": workers, "seed": seed}.items() if v is not None}
    try:
        SolverConfig.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        option = "--" + str(err["loc"][0]).replace("_", "-")
        raise InputError(f"{option}: {err['msg'].lower()}, got {err['input']!r}") from None
