"""Assemble the KPI tables: sums per interval and queue, rolled up to days and months, then ratios.

Every ratio is computed from additive sums at its own level (never an average of ratios), so a
month's service level is its contacts answered within T over its contacts offered. Rows with the
queue `all` total every queue and carry the agent KPIs (occupancy, shrinkage, adherence, …),
which belong to agents, not queues. A ratio whose denominator is zero is empty (NaN).

KPI columns (fractions are 0–1; T = answer time; see `wfm.kpi.contacts` for the outcomes):

| column                 | definition                                                          |
|------------------------|---------------------------------------------------------------------|
| offered                | contacts arrived, short abandons excluded                           |
| answered, abandoned    | answered; abandoned after waiting at least the short-abandon time   |
| short_abandoned        | abandoned within the short-abandon time (reported, not offered)     |
| answered_within_t      | answered with wait ≤ T                                              |
| service_level          | answered_within_t / offered (the headline: short abandons excluded)  |
| service_level_arrived  | answered_within_t / (offered + short_abandoned): every arrival counts |
| service_level_answered | answered_within_t / answered: abandons ignored                      |
| asa_seconds            | mean wait of answered contacts                                      |
| abandon_rate           | abandoned / offered                                                 |
| aht_seconds            | mean talk + hold + acw of answered contacts (= talk + hold + acw)   |
| talk/hold/acw_seconds  | mean talk, hold, after-call work seconds of answered contacts       |
| fcr_rate               | resolved at first contact / answered contacts with a known outcome  |
| logged_in_hours        | agent-hours in any state                                            |
| occupancy              | (talk + hold + acw) / (talk + hold + acw + available)               |
| productive_share       | (talk + hold + acw + available) / logged-in time                    |
| shrinkage              | aux / logged-in time (= 1 − productive_share)                       |
| shrinkage_<reason>     | aux with that reason / logged-in time                               |
| scheduled_hours        | rostered agent-hours (shifts, breaks included)                      |
| adherence              | time in the scheduled state / scheduled time (see `wfm.kpi.agents`) |
| conformance            | logged-in hours / scheduled hours (can exceed 1)                    |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.kpi.agents import AgentTimes, agent_times, busy_columns
from wfm.kpi.contacts import COUNT_COLUMNS, agent_contact_sums, contact_facts, contact_sums
from wfm.kpi.contract import ContractTerms, evaluate_contract
from wfm.kpi.readers import ALL_AGENTS, ALL_QUEUES, PRODUCTIVE_STATES, check_roster_agents
from wfm.kpi.segments import MS_PER_DAY, MS_PER_H, from_ms

CONTACT_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_t",
    "service_level",
    "service_level_arrived",
    "service_level_answered",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "fcr_rate",
)
INTERVAL_MINUTES = (5, 10, 15, 30, 60)


@dataclass(frozen=True)
class KpiOptions:
    """Thresholds and granularity: answer time T and short-abandon time in seconds, interval in minutes."""

    answer_time_s: float = 20.0
    short_abandon_s: float = 5.0
    interval_min: int = 15

    def __post_init__(self) -> None:
        if not (self.answer_time_s >= 0 and np.isfinite(self.answer_time_s)):
            raise InputError(f"answer time must be ≥ 0 s, got {self.answer_time_s:g}")
        if not (self.short_abandon_s >= 0 and np.isfinite(self.short_abandon_s)):
            raise InputError(f"short-abandon time must be ≥ 0 s, got {self.short_abandon_s:g}")
        if self.interval_min not in INTERVAL_MINUTES:
            raise InputError(
                f"interval must be one of {', '.join(map(str, INTERVAL_MINUTES))} minutes, got {self.interval_min}"
            )

    @property
    def interval_ms(self) -> int:
        return self.interval_min * 60_000


@dataclass(frozen=True)
class KpiTables:
    """The KPI tables as written: per interval, day and month (per queue plus `all`), per agent,
    and the contract pass/fail table (None without a contract)."""

    interval: pd.DataFrame
    daily: pd.DataFrame
    monthly: pd.DataFrame
    agents: pd.DataFrame
    contract: pd.DataFrame | None
    options: KpiOptions


def compute_kpis(
    contacts: pd.DataFrame,
    *,
    states: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
    contract: ContractTerms | None = None,
    options: KpiOptions | None = None,
    states_path: str = "states",
) -> KpiTables:
    """Compute every KPI table from frames returned by `wfm.kpi.readers`.

    `roster` needs `states` (adherence compares them); `states_path` names the state log in errors.
    """
    options = options or KpiOptions()
    if roster is not None and states is None:
        raise InputError("a roster needs an agent state log to measure adherence", hint="pass --states")
    if roster is not None and states is not None:
        check_roster_agents(states, roster, states_path)
    facts = contact_facts(contacts, options.answer_time_s, options.short_abandon_s)
    sums = contact_sums(facts, options.interval_ms)
    times = agent_times(states, roster, options.interval_ms) if states is not None else None

    per_interval = _with_all_rows(sums, times)
    levels = {
        "interval": per_interval.assign(period=from_ms(per_interval["bucket_ms"].to_numpy())),
        "daily": per_interval.assign(
            period=from_ms(per_interval["bucket_ms"].to_numpy() // MS_PER_DAY * MS_PER_DAY).strftime("%Y-%m-%d")
        ),
        "monthly": per_interval.assign(period=from_ms(per_interval["bucket_ms"].to_numpy()).strftime("%Y-%m")),
    }
    names = {"interval": "interval_start", "daily": "date", "monthly": "month"}
    reasons = times.aux_reasons if times is not None else ()
    has_roster = roster is not None
    tables = {}
    for level, frame in levels.items():
        rolled = _roll_up(frame.drop(columns="bucket_ms"))
        tables[level] = _derive(rolled, reasons, has_states=times is not None, has_roster=has_roster).rename(
            columns={"period": names[level]}
        )
    agents = _agent_table(facts, times, reasons, has_roster)
    contract_table = None
    if contract is not None:
        monthly_all = tables["monthly"][tables["monthly"]["queue"] == ALL_QUEUES]
        contract_table = evaluate_contract(contract, monthly_all)
    return KpiTables(tables["interval"], tables["daily"], tables["monthly"], agents, contract_table, options)


def _with_all_rows(sums: pd.DataFrame, times: AgentTimes | None) -> pd.DataFrame:
    """Per-queue contact sums plus `all` rows (contact totals joined with agent times)."""
    totals = sums.drop(columns="queue").groupby("bucket_ms").sum()
    if times is not None:
        totals = totals.join(times.by_bucket, how="outer").fillna(0.0)
    totals = totals.reset_index().assign(queue=ALL_QUEUES)
    return pd.concat([sums, totals], ignore_index=True)


def _roll_up(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum per (period, queue); agent columns stay NaN on per-queue rows. Sorted, `all` last."""
    rolled = frame.groupby(["period", "queue"], sort=False).sum(min_count=1).reset_index()
    order = np.lexsort(
        (
            rolled["queue"].to_numpy(dtype=str),
            (rolled["queue"] == ALL_QUEUES).to_numpy(),
            rolled["period"].to_numpy(),
        )
    )
    return rolled.iloc[order].reset_index(drop=True)


def _ratio(num: pd.Series | np.ndarray, den: pd.Series | np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _derive(s: pd.DataFrame, reasons: tuple[str, ...], *, has_states: bool, has_roster: bool) -> pd.DataFrame:
    """KPI columns from sums (see the module docstring for each definition)."""
    cols: dict[str, object] = {"period": s["period"].to_numpy(), "queue": s["queue"].to_numpy()}
    for col in COUNT_COLUMNS:
        cols[col] = s[col].to_numpy().astype(np.int64)
    cols |= {
        "service_level": _ratio(s["answered_within_t"], s["offered"]),
        "service_level_arrived": _ratio(s["answered_within_t"], s["offered"] + s["short_abandoned"]),
        "service_level_answered": _ratio(s["answered_within_t"], s["answered"]),
        "asa_seconds": _ratio(s["wait_answered_s"], s["answered"]),
        "abandon_rate": _ratio(s["abandoned"], s["offered"]),
        **_handle_time(s, "answered"),
        "fcr_rate": _ratio(s["fcr_resolved"], s["fcr_known"]),
    }
    if has_states:
        cols |= _agent_ratios(s, reasons, has_roster)
    return pd.DataFrame(cols)


def _handle_time(s: pd.DataFrame, count: str) -> dict[str, np.ndarray]:
    """AHT and its parts, seconds per handled contact."""
    out = {"aht_seconds": _ratio(s["talk_s"] + s["hold_s"] + s["acw_s"], s[count])}
    for part in ("talk", "hold", "acw"):
        out[f"{part}_seconds"] = _ratio(s[f"{part}_s"], s[count])
    return out


def _agent_ratios(s: pd.DataFrame, reasons: tuple[str, ...], has_roster: bool) -> dict[str, np.ndarray]:
    """Agent KPIs from ms totals; NaN where the row has no agent data (per-queue rows)."""

    def total(columns: list[str]) -> np.ndarray:
        values = s[columns].to_numpy(dtype=float)
        return np.where(np.isnan(values).all(axis=1), np.nan, np.nansum(values, axis=1))

    aux_cols = [f"aux_{r}_ms" for r in reasons]
    productive = total([f"{x}_ms" for x in PRODUCTIVE_STATES])
    busy = total(busy_columns())
    aux = total(aux_cols) if aux_cols else productive * 0.0
    logged_in = productive + aux
    out = {
        "logged_in_hours": logged_in / MS_PER_H,
        "occupancy": _ratio(busy, s["available_ms"].to_numpy() + busy),
        "productive_share": _ratio(productive, logged_in),
        "shrinkage": _ratio(aux, logged_in),
    }
    for reason, col in zip(reasons, aux_cols, strict=True):
        out[f"shrinkage_{reason}"] = _ratio(s[col], logged_in)
    if has_roster:
        scheduled = s["scheduled_ms"].to_numpy(dtype=float)
        out["scheduled_hours"] = scheduled / MS_PER_H
        out["adherence"] = _ratio(s["adherent_ms"], scheduled)
        out["conformance"] = _ratio(logged_in, scheduled)
    return out


def _agent_table(
    facts: pd.DataFrame, times: AgentTimes | None, reasons: tuple[str, ...], has_roster: bool
) -> pd.DataFrame:
    """One row per agent over the whole log, plus an `all` row: handled contacts and AHT from the
    contact log, state and adherence KPIs from the state log and roster when given."""
    handled = agent_contact_sums(facts)
    frames = [handled]
    if times is not None:
        frames.append(times.by_agent)
    merged = pd.concat(frames, axis=1).sort_index()
    merged.loc[ALL_AGENTS] = merged.sum(axis=0)
    merged[list(handled.columns)] = merged[list(handled.columns)].fillna(0.0)
    cols = {"agent_id": merged.index.astype(str), "handled": merged["handled"].to_numpy().astype(np.int64)}
    cols |= _handle_time(merged, "handled")
    if times is not None:
        cols |= _agent_ratios(merged.fillna(0.0), reasons, has_roster)
    return pd.DataFrame(cols)
