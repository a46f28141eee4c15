"""An independent discrete-event simulation (ciw) agrees with Erlang C and Erlang A.

Each case simulates one stationary queue for about 10,000 callers (time unit: one mean handle
time), drops a warm-up, and forms a 99% confidence interval for the service level and the
abandon rate by batch means over 20 consecutive batches of arrivals. The formulas must fall inside.
Seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

import ciw
import numpy as np
import pytest
from scipy import stats

from wfm.erlang import erlang_a_metrics, erlang_c_service_level

BATCHES = 20


def simulate(traffic: float, agents: int, answer_t: float, patience: float | None, seed: int) -> dict:
    """Per-batch service level and abandon rate of an M/M/N(+M) queue with mean handle time 1."""
    params = {
        "arrival_distributions": [ciw.dists.Exponential(rate=traffic)],
        "service_distributions": [ciw.dists.Exponential(rate=1.0)],
        "number_of_servers": [agents],
    }
    if patience is not None:
        params["reneging_time_distributions"] = [ciw.dists.Exponential(rate=1.0 / patience)]
    horizon = 10_000 / traffic
    warmup, cutoff = 0.05 * horizon, 0.97 * horizon  # callers arriving after cutoff may be unfinished
    ciw.seed(seed)
    sim = ciw.Simulation(ciw.create_network(**params))
    sim.simulate_until_max_time(horizon)
    recs = [r for r in sim.get_all_records() if warmup <= r.arrival_date < cutoff]
    arrival = np.array([r.arrival_date for r in recs])
    served = np.array([r.record_type == "service" for r in recs])
    wait = np.array([r.waiting_time for r in recs])
    fast = served & (wait <= answer_t)
    batch = np.minimum(((arrival - warmup) / (cutoff - warmup) * BATCHES).astype(int), BATCHES - 1)
    counts = np.bincount(batch, minlength=BATCHES)
    return {
        "service_level": np.bincount(batch, weights=fast, minlength=BATCHES) / counts,
        "abandon_rate": np.bincount(batch, weights=~served, minlength=BATCHES) / counts,
    }


def assert_in_interval(samples: np.ndarray, value: float) -> None:
    half = stats.t.ppf(0.995, len(samples) - 1) * samples.std(ddof=1) / np.sqrt(len(samples))
    mean = samples.mean()
    assert abs(mean - value) <= half, f"formula {value:.4f} outside {mean:.4f} ± {half:.4f}"


@pytest.mark.parametrize(
    ("traffic", "agents", "answer_t", "seed"),  # utilisation 0.6: fast mixing, a tight interval
    [(3.0, 5, 0.1, 11)],
)
def test_erlang_c_service_level_matches_simulation(traffic, agents, answer_t, seed):
    sim = simulate(traffic, agents, answer_t, None, seed)
    assert_in_interval(sim["service_level"], float(erlang_c_service_level(traffic, agents, 1.0, answer_t)))
    assert np.all(sim["abandon_rate"] == 0.0)


@pytest.mark.parametrize(
    ("traffic", "agents", "answer_t", "patience", "seed"),
    [(10.0, 9, 0.1, 2.0, 21), (5.0, 6, 0.2, 0.5, 22)],
)
def test_erlang_a_service_level_and_abandonment_match_simulation(traffic, agents, answer_t, patience, seed):
    sim = simulate(traffic, agents, answer_t, patience, seed)
    m = erlang_a_metrics(traffic, agents, 1.0, patience, answer_t)
    assert_in_interval(sim["service_level"], float(m["service_level"]))
    assert_in_interval(sim["abandon_rate"], float(m["abandon_rate"]))
