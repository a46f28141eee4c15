"""KPIs of a simulated M/M/N queue agree with Erlang C within their confidence intervals.

A seeded simulation of an FCFS queue with Poisson arrivals, exponential handle times and N agents
writes a contact log and an agent state log (each agent talking or available); `wfm kpi` measures
them. Erlang C gives the steady-state service level P(wait ≤ T), ASA and occupancy A/N (Gross &
Harris, Fundamentals of Queueing Theory, M/M/c). The confidence intervals come from batch means
over hourly batches (ratio estimator), which absorbs the autocorrelation of queue waits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.kpi import run_kpi

erlang = pytest.importorskip("wfm.erlang")

T0 = pd.Timestamp("2026-03-02 00:00")
AHT_S = 180.0
AGENTS = 10
TRAFFIC = 7.0  # Erlangs: λ · AHT
ANSWER_TIME_S = 20.0
WARM_UP = 500
CONTACTS = 10_000
Z = 3.0  # ±3 standard errors: the simulation is seeded, so this is a fixed, not a flaky, check


def simulate(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contact log and state log of an M/M/N FCFS queue (times in seconds after T0)."""
    rng = np.random.default_rng(seed)
    n = WARM_UP + CONTACTS
    arrival = np.cumsum(rng.exponential(AHT_S / TRAFFIC, n))
    service = rng.exponential(AHT_S, n)
    free_at = np.zeros(AGENTS)
    start = np.empty(n)
    agent = np.empty(n, dtype=int)
    for i in range(n):  # FCFS: the next contact goes to the agent free first
        k = int(np.argmin(free_at))
        start[i] = max(arrival[i], free_at[k])
        free_at[k] = start[i] + service[i]
        agent[i] = k
    keep = slice(WARM_UP, n)
    begin, end = arrival[WARM_UP], arrival[-1]

    def stamp(seconds: np.ndarray) -> pd.Series:
        return (
            pd.Series(T0 + pd.to_timedelta(np.round(seconds * 1000), unit="ms"))
            .dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
            .str[:-3]
        )

    contacts = pd.DataFrame(
        {
            "contact_id": np.arange(CONTACTS),
            "queue": "q1",
            "arrived_at": stamp(arrival[keep]),
            "answered_at": stamp(start[keep]),
            "ended_at": stamp(start[keep] + service[keep]),
            "talk_seconds": np.round(service[keep], 3),
            "hold_seconds": 0,
            "acw_seconds": 0,
            "agent_id": [f"a{k}" for k in agent[keep]],
        }
    )
    rows = []
    for k in range(AGENTS):  # each agent's busy spans inside [begin, end], available in between
        mine = agent == k
        busy = np.clip(np.column_stack([start[mine], start[mine] + service[mine]]), begin, end)
        busy = busy[busy[:, 1] > busy[:, 0]]
        edges = np.concatenate([[begin], busy.ravel(), [end]]).reshape(-1, 2)
        for s, e in busy:
            rows.append((f"a{k}", "talk", s, e))
        for s, e in edges:
            if e > s:
                rows.append((f"a{k}", "available", s, e))
    states = pd.DataFrame(rows, columns=["agent_id", "state", "start", "end"])
    states["start"], states["end"] = stamp(states["start"].to_numpy()), stamp(states["end"].to_numpy())
    return contacts, states


def ratio_ci(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """Ratio estimate Σnum/Σden and its batch-means standard error."""
    k = len(num)
    r = num.sum() / den.sum()
    weights = den / den.mean()
    se = np.sqrt(np.sum((weights * (num / den - r)) ** 2) / (k * (k - 1)))
    return float(r), float(se)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mmn")
    contacts, states = simulate(seed=20260302)
    contacts.to_csv(folder / "contacts.csv", index=False)
    states.to_csv(folder / "states.csv", index=False)
    run = run_kpi(
        folder / "contacts.csv",
        folder / "out",
        states_path=folder / "states.csv",
        answer_time_s=ANSWER_TIME_S,
        short_abandon_s=0,
        interval_min=60,
    )
    hourly = run.tables.interval[run.tables.interval["queue"] == "all"]
    return hourly.iloc[1:-1]  # whole hours only


def test_service_level_agrees_with_erlang_c(measured):
    expected = float(erlang.erlang_c_service_level(TRAFFIC, AGENTS, AHT_S, ANSWER_TIME_S))
    sl, se = ratio_ci(measured["answered_within_t"].to_numpy(float), measured["offered"].to_numpy(float))
    assert abs(sl - expected) <= Z * se, (sl, se, expected)
    # the check has power: one agent fewer would be rejected
    fewer = float(erlang.erlang_c_service_level(TRAFFIC, AGENTS - 1, AHT_S, ANSWER_TIME_S))
    assert abs(sl - fewer) > Z * se, (sl, se, fewer)


def test_asa_agrees_with_erlang_c(measured):
    expected = float(erlang.erlang_c_asa(TRAFFIC, AGENTS, AHT_S))
    asa, se = ratio_ci(
        (measured["asa_seconds"] * measured["answered"]).to_numpy(float), measured["answered"].to_numpy(float)
    )
    assert abs(asa - expected) <= Z * se, (asa, se, expected)


def test_occupancy_is_traffic_over_agents(measured):
    busy_h = (measured["occupancy"] * measured["logged_in_hours"]).to_numpy(float)
    occupancy, se = ratio_ci(busy_h, measured["logged_in_hours"].to_numpy(float))
    assert abs(occupancy - TRAFFIC / AGENTS) <= Z * se, (occupancy, se)
    assert measured["logged_in_hours"].to_numpy() == pytest.approx(AGENTS, rel=1e-6)


def test_everyone_answered_and_aht_matches(measured):
    assert (measured["abandoned"] == 0).all() and (measured["answered"] == measured["offered"]).all()
    aht, se = ratio_ci(
        (measured["aht_seconds"] * measured["answered"]).to_numpy(float), measured["answered"].to_numpy(float)
    )
    assert abs(aht - AHT_S) <= Z * se
