"""Contact KPIs: per-contact outcomes summed per queue and interval (sums roll up exactly).

Definitions (T = answer time, S = short-abandon threshold, both in seconds; wait = answered_at −
arrived_at for an answered contact, ended_at − arrived_at for an abandoned one):

- short abandon: abandoned with wait < S. Short abandons are counted apart (`short_abandoned`)
  and left out of `offered` and `abandoned`, so `answered + abandoned = offered`.
- answered within T: answered with wait ≤ T.
- handle time of an answered contact: talk + hold + acw seconds.
- first-contact resolution counts only answered contacts whose `resolved_first_contact` is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.kpi.segments import MS_PER_S, to_ms

CONTACT_SUMS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_t",
    "wait_answered_s",
    "talk_s",
    "hold_s",
    "acw_s",
    "fcr_known",
    "fcr_resolved",
)
"""Additive per-group totals from which every contact KPI is derived."""

COUNT_COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_t")


def contact_facts(contacts: pd.DataFrame, answer_time_s: float, short_abandon_s: float) -> pd.DataFrame:
    """One row per contact with the 0/1 outcomes and seconds of `CONTACT_SUMS`, plus `arrived_ms`,
    `queue` and `agent_id`."""
    arrived = to_ms(contacts["arrived_at"])
    answered = contacts["answered_at"].notna().to_numpy()
    answered_ms = np.where(answered, to_ms(contacts["answered_at"].fillna(contacts["arrived_at"])), arrived)
    wait_ms = np.where(answered, answered_ms, to_ms(contacts["ended_at"])) - arrived
    short = ~answered & (wait_ms < short_abandon_s * MS_PER_S)
    fcr = contacts["resolved_first_contact"].to_numpy(dtype=float)
    fcr_known = answered & ~np.isnan(fcr)
    return pd.DataFrame(
        {
            "queue": contacts["queue"].to_numpy(),
            "agent_id": contacts["agent_id"].to_numpy(),
            "arrived_ms": arrived,
            "offered": (~short).astype(np.int64),
            "answered": answered.astype(np.int64),
            "abandoned": (~answered & ~short).astype(np.int64),
            "short_abandoned": short.astype(np.int64),
            "answered_within_t": (answered & (wait_ms <= answer_time_s * MS_PER_S)).astype(np.int64),
            "wait_answered_s": np.where(answered, wait_ms / MS_PER_S, 0.0),
            "talk_s": np.where(answered, contacts["talk_seconds"].to_numpy(dtype=float), 0.0),
            "hold_s": np.where(answered, contacts["hold_seconds"].to_numpy(dtype=float), 0.0),
            "acw_s": np.where(answered, contacts["acw_seconds"].to_numpy(dtype=float), 0.0),
            "fcr_known": fcr_known.astype(np.int64),
            "fcr_resolved": (fcr_known & (np.nan_to_num(fcr) == 1.0)).astype(np.int64),
        },
        index=contacts.index,
    )


def contact_sums(facts: pd.DataFrame, interval_ms: int) -> pd.DataFrame:
    """Totals per (bucket_ms, queue): columns `bucket_ms, queue` and `CONTACT_SUMS`."""
    bucket = facts["arrived_ms"].to_numpy() // interval_ms * interval_ms
    keyed = facts[list(CONTACT_SUMS)].assign(bucket_ms=bucket, queue=facts["queue"])
    return keyed.groupby(["bucket_ms", "queue"], sort=True).sum().reset_index()


def agent_contact_sums(facts: pd.DataFrame) -> pd.DataFrame:
    """Per agent who answered (non-empty agent_id): `handled` and talk/hold/acw second totals."""
    mine = facts[(facts["answered"] == 1) & (facts["agent_id"] != "")]
    sums = mine.groupby("agent_id", sort=True)[["answered", "talk_s", "hold_s", "acw_s"]].sum()
    return sums.rename(columns={"answered": "handled"})
