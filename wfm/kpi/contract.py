"""Contract targets (`[contract]` in a scenario TOML) and their monthly pass/fail table.

```toml
[contract]
service_level = 0.80      # answered within answer_time_s / offered (short abandons excluded), at least
answer_time_s = 20        # the T of the service level, seconds
short_abandon_s = 5       # abandons with a shorter wait are short abandons, seconds
max_abandon_rate = 0.05   # abandoned / offered, at most
max_asa_s = 30            # average speed of answer, seconds, at most
max_aht_s = 420           # average handle time (talk + hold + acw), seconds, at most
min_fcr_rate = 0.70       # first-contact resolution, at least
min_occupancy = 0.70      # occupancy, at least (needs --states)
max_occupancy = 0.90      # occupancy, at most (needs --states)
min_adherence = 0.85      # adherence to schedule, at least (needs --states and --roster)
contracted_hours = 1560   # agent hours (logged in) to deliver per calendar month (needs --states)
hours_tolerance = 0.02    # delivered hours may fall short of contracted_hours by this share
```

Every key is optional; unknown keys inside `[contract]` are errors, other tables of the scenario
are ignored. Targets apply to each calendar month over all queues together.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wfm.errors import InputError
from wfm.tomlfile import TomlTable, read_toml


class ContractTerms(TomlTable):
    """The `[contract]` table: targets a BPO's client measures it on (fractions 0–1, seconds, hours)."""

    service_level: float | None = Field(default=None, gt=0, le=1)
    answer_time_s: float | None = Field(default=None, ge=0)
    short_abandon_s: float | None = Field(default=None, ge=0)
    max_abandon_rate: float | None = Field(default=None, ge=0, le=1)
    max_asa_s: float | None = Field(default=None, ge=0)
    max_aht_s: float | None = Field(default=None, gt=0)
    min_fcr_rate: float | None = Field(default=None, ge=0, le=1)
    min_occupancy: float | None = Field(default=None, ge=0, le=1)
    max_occupancy: float | None = Field(default=None, ge=0, le=1)
    min_adherence: float | None = Field(default=None, ge=0, le=1)
    contracted_hours: float | None = Field(default=None, gt=0)
    hours_tolerance: float = Field(default=0.0, ge=0, lt=1)

    def needs_states(self) -> bool:
        return any(
            v is not None for v in (self.min_occupancy, self.max_occupancy, self.min_adherence, self.contracted_hours)
        )

    def needs_roster(self) -> bool:
        return self.min_adherence is not None


class _ScenarioWithContract(BaseModel):
    model_config = ConfigDict(extra="ignore")

    contract: ContractTerms


def load_contract(path: str | Path) -> ContractTerms:
    """Read the `[contract]` table of a scenario TOML; raise `InputError` naming the key path."""
    path = Path(path)
    data = read_toml(path)
    if "contract" not in data:
        raise InputError(
            "no [contract] table",
            path=path,
            hint="add a [contract] table with targets such as service_level = 0.8",
        )
    try:
        return _ScenarioWithContract.model_validate(data).contract
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(ContractTerms.model_fields)
            hint = f"[contract] keys: {allowed}"
            raise InputError(f"unknown key '{key}'{more}", path=path, hint=hint) from None
        raise InputError(f"key '{key}': {err['msg']}{more}", path=path) from None


# (measure, contract field, comparison, KPI column); delivered hours are handled apart
_TARGETS = (
    ("service_level", "service_level", ">=", "service_level"),
    ("abandon_rate", "max_abandon_rate", "<=", "abandon_rate"),
    ("asa_seconds", "max_asa_s", "<=", "asa_seconds"),
    ("aht_seconds", "max_aht_s", "<=", "aht_seconds"),
    ("fcr_rate", "min_fcr_rate", ">=", "fcr_rate"),
    ("occupancy", "min_occupancy", ">=", "occupancy"),
    ("occupancy", "max_occupancy", "<=", "occupancy"),
    ("adherence", "min_adherence", ">=", "adherence"),
)

CONTRACT_COLUMNS = ("month", "measure", "comparison", "target", "actual", "result")


def evaluate_contract(terms: ContractTerms, monthly_all: pd.DataFrame) -> pd.DataFrame:
    """The pass/fail table: one row per calendar month and contract target.

    `monthly_all` holds the all-queue monthly KPI rows (`month` and the KPI columns). `result` is
    `pass`, `fail`, or `no data` when the month has nothing to measure (e.g. no answered contact).
    """
    rows = []
    for _, month in monthly_all.iterrows():
        for measure, field, comparison, column in _TARGETS:
            target = getattr(terms, field)
            if target is not None:
                rows.append(_row(month["month"], measure, comparison, target, month.get(column, np.nan)))
        if terms.contracted_hours is not None:
            floor = terms.contracted_hours * (1.0 - terms.hours_tolerance)
            rows.append(_row(month["month"], "delivered_hours", ">=", floor, month.get("logged_in_hours", np.nan)))
    return pd.DataFrame(rows, columns=list(CONTRACT_COLUMNS))


def _row(month: str, measure: str, comparison: str, target: float, actual: float) -> dict:
    if actual is None or not np.isfinite(actual):
        result = "no data"
    elif comparison == ">=":
        result = "pass" if actual >= target else "fail"
    else:
        result = "pass" if actual <= target else "fail"
    return {
        "month": month,
        "measure": measure,
        "comparison": comparison,
        "target": target,
        "actual": actual,
        "result": result,
    }
