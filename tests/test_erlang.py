"""Queueing formulas: published values, independent oracles, limits, properties, numerical range."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.optimize import brentq

from wfm.erlang import (
    erlang_a_metrics,
    erlang_b,
    erlang_b_table,
    erlang_c_asa,
    erlang_c_metrics,
    erlang_c_occupancy,
    erlang_c_service_level,
    erlang_c_staffing,
    erlang_c_wait_probability,
)

# --- oracles written independently of wfm.erlang ----------------------------------------------------


def erlang_c_exact(traffic: int, agents: int) -> float:
    """The textbook Erlang C formula in exact rational arithmetic (integer traffic only)."""
    a, n = Fraction(traffic), agents
    top = a**n / math.factorial(n) * Fraction(n, 1) / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    return float(top / bottom)


def erlang_b_recurrence(traffic: float, max_agents: int) -> np.ndarray:
    """E_B(n, A) for n = 0..max_agents by Erlang's recurrence E(n) = A·E(n−1)/(n + A·E(n−1))."""
    out = np.empty(max_agents + 1)
    e = 1.0
    out[0] = e
    for n in range(1, max_agents + 1):
        e = traffic * e / (n + traffic * e)
        out[n] = e
    return out


def erlang_a_birth_death(traffic: float, agents: int, aht_s: float, patience_s: float, answer_s: float) -> dict:
    """M/M/N+M by its truncated birth–death chain, and the service level by the tagged caller's CTMC.

    The tagged caller with j callers ahead moves to j−1 at rate Nμ + jθ (a service or an abandon
    ahead of it), is served from j = 0 at rate Nμ and abandons at rate θ; P(served by T | j) comes
    from the matrix exponential of that chain's generator.
    """
    lam, mu, th = traffic / aht_s, 1.0 / aht_s, 1.0 / patience_s
    probs = [1.0]
    j = 0
    while True:
        j += 1
        rate = min(j, agents) * mu + max(j - agents, 0) * th
        probs.append(probs[-1] * lam / rate)
        if j > agents + 5 and probs[-1] < 1e-18 * sum(probs):
            break
    p = np.array(probs) / sum(probs)
    wait = p[agents:].sum()
    queue = np.arange(len(p) - agents)
    lq = float((queue * p[agents:]).sum())
    abandon = th * lq / lam
    ahead = len(queue)
    # States 0..ahead−1 (callers ahead), then served, abandoned.
    gen = np.zeros((ahead + 2, ahead + 2))
    for k in range(ahead):
        move = agents * mu + k * th
        if k == 0:
            gen[k, ahead] = move
        else:
            gen[k, k - 1] = move
        gen[k, ahead + 1] = th
        gen[k, k] = -(move + th)
    served_by_t = expm(gen * answer_s)[:ahead, ahead]
    sl = p[:agents].sum() + float((p[agents:] * served_by_t).sum())
    return {
        "wait_probability": wait,
        "abandon_rate": abandon,
        "asa_seconds": lq / lam,
        "service_level": sl,
        "occupancy": lam * (1 - abandon) / (agents * mu),
    }


# --- published values ---------------------------------------------------------------------------------


def test_erlang_c_ten_erlangs_against_exact_formula():
    """10 Erlangs (100 calls in 30 minutes, AHT 180 s), T = 20 s, N = 11…15.

    The probability of waiting is checked against the textbook formula in exact arithmetic; the
    service level against 1 − C·e^{−(N−A)T/AHT} with that exact C. Rounded to 4 decimals these are
    the widely reproduced table P(wait) 0.6821, 0.4494, 0.2853, 0.1741, 0.1020 and service level
    0.3896, 0.6402, 0.7956, 0.8884, 0.9415.
    """
    agents = np.arange(11, 16)
    wait = erlang_c_wait_probability(10.0, agents)
    sl = erlang_c_service_level(10.0, agents, 180.0, 20.0)
    exact_wait = np.array([erlang_c_exact(10, n) for n in agents])
    np.testing.assert_allclose(wait, exact_wait, rtol=1e-12)
    np.testing.assert_allclose(sl, 1 - exact_wait * np.exp(-(agents - 10) * 20 / 180), rtol=1e-12)
    np.testing.assert_array_equal(np.round(wait, 4), [0.6821, 0.4494, 0.2853, 0.1741, 0.1020])
    np.testing.assert_array_equal(np.round(sl, 4), [0.3896, 0.6402, 0.7956, 0.8884, 0.9415])
    asa = erlang_c_asa(10.0, agents, 180.0)
    np.testing.assert_allclose(asa, exact_wait * 180 / (agents - 10), rtol=1e-12)


def test_erlang_c_pyworkforce_readme_example():
    """pyworkforce README (github.com/rodrigo-arenas/pyworkforce), Erlang C example:
    transactions=100 per 30 min, aht=3 min, asa=20 s → 14 positions with service_level 0.8884,
    occupancy 0.7143, waiting_probability 0.1741 (published to 4 decimals)."""
    assert round(float(erlang_c_service_level(10.0, 14, 180.0, 20.0)), 4) == 0.8884
    assert round(float(erlang_c_occupancy(10.0, 14)), 4) == 0.7143
    assert round(float(erlang_c_wait_probability(10.0, 14)), 4) == 0.1741


@pytest.mark.parametrize(
    ("agents", "table_traffic", "decimals"),
    # Erlang B traffic tables (the common "Erlang B table" of telephony handbooks): the offered
    # traffic at which N trunks block 1% of calls — 10 trunks: 4.461 Erlangs; 100 trunks: 84.06.
    [(10, 4.461, 3), (100, 84.06, 2)],
)
def test_erlang_b_published_tables(agents, table_traffic, decimals):
    traffic = brentq(lambda a: float(erlang_b(a, agents)) - 0.01, 0.1, agents)
    assert round(traffic, decimals) == table_traffic


def test_erlang_b_textbook_value():
    """E_B(10 trunks, 5 Erlangs) = 0.018385, the value of printed Erlang B tables."""
    assert round(float(erlang_b(5.0, 10)), 6) == 0.018385


def test_erlang_a_pyworkforce_regression_values():
    """pyworkforce's Erlang A test (pyworkforce/queuing/tests/test_abandonment.py) computes M/M/14+M
    with 100 calls per 30 min, AHT 3 min, patience 5 min, T = 20 s from the stationary birth–death
    chain and a uniformized tagged-caller chain: P(wait) 0.14526, P(abandon) 0.013984, occupancy
    0.704297, mean wait 0.069919 min (over all callers), service level 0.916792."""
    m = erlang_a_metrics(10.0, 14, 180.0, 300.0, 20.0)
    assert round(float(m["wait_probability"]), 5) == 0.14526
    assert round(float(m["abandon_rate"]), 6) == 0.013984
    assert round(float(m["occupancy"]), 6) == 0.704297
    assert round(float(m["asa_seconds"]) / 60, 6) == 0.069919
    assert round(float(m["service_level"]), 6) == 0.916792


# --- Erlang A: independent oracle and limits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("traffic", "agents", "aht_s", "patience_s", "answer_s"),
    [
        (10.0, 8, 180.0, 300.0, 20.0),  # under-staffed: stable only through abandonment
        (10.0, 11, 180.0, 300.0, 20.0),
        (3.0, 2, 240.0, 60.0, 30.0),  # impatient callers, T longer than a third of the patience
        (25.0, 30, 300.0, 900.0, 15.0),
        (0.4, 1, 200.0, 120.0, 0.0),  # T = 0: service level is P(no wait)
    ],
)
def test_erlang_a_matches_birth_death_chain(traffic, agents, aht_s, patience_s, answer_s):
    got = erlang_a_metrics(traffic, agents, aht_s, patience_s, answer_s)
    want = erlang_a_birth_death(traffic, agents, aht_s, patience_s, answer_s)
    for key, value in want.items():
        assert float(got[key]) == pytest.approx(value, rel=1e-8, abs=1e-12), key


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    agents = np.arange(11, 16)
    sl_c = erlang_c_service_level(10.0, agents, 180.0, 20.0)
    asa_c = erlang_c_asa(10.0, agents, 180.0)
    gaps = []
    for patience in (1e3, 1e4, 1e5, 1e6, 1e7):
        m = erlang_a_metrics(10.0, agents, 180.0, patience, 20.0)
        gaps.append(np.abs(m["service_level"] - sl_c).max())
    assert all(b < a for a, b in itertools.pairwise(gaps))
    m = erlang_a_metrics(10.0, agents, 180.0, 1e7, 20.0)
    np.testing.assert_allclose(m["service_level"], sl_c, atol=1e-4)
    np.testing.assert_allclose(m["asa_seconds"], asa_c, rtol=1e-3)
    # P(wait) differs from Erlang C's at first order in AHT/patience (here 2e-5 · N/(N − A)²).
    np.testing.assert_allclose(m["wait_probability"], erlang_c_wait_probability(10.0, agents), atol=1e-4)


def test_erlang_a_abandonment_vanishes_as_agents_grow():
    agents = np.arange(5, 60)
    abandon = erlang_a_metrics(20.0, agents, 180.0, 120.0, 20.0)["abandon_rate"]
    assert np.all(np.diff(abandon) < 0)
    assert abandon[-1] < 1e-9
    assert abandon[0] > 0.5  # 5 agents for 20 Erlangs: most callers hang up


# --- edges: zero traffic, no agents, instability ----------------------------------------------------


def test_zero_traffic_and_no_agents():
    assert float(erlang_b(0.0, 0)) == 1.0 and float(erlang_b(0.0, 3)) == 0.0
    assert float(erlang_c_wait_probability(0.0, 0)) == 0.0
    assert float(erlang_c_service_level(0.0, 0, 300.0, 20.0)) == 1.0
    assert float(erlang_c_asa(0.0, 0, 300.0)) == 0.0
    assert float(erlang_c_occupancy(0.0, 5)) == 0.0
    m = erlang_a_metrics(0.0, 0, 300.0, 60.0, 20.0)
    assert {k: float(v) for k, v in m.items()} == {
        "service_level": 1.0,
        "asa_seconds": 0.0,
        "abandon_rate": 0.0,
        "wait_probability": 0.0,
        "occupancy": 0.0,
    }
    m = erlang_a_metrics(2.0, 0, 300.0, 60.0, 20.0)
    assert float(m["abandon_rate"]) == 1.0 and float(m["service_level"]) == 0.0
    assert float(m["asa_seconds"]) == pytest.approx(60.0)


def test_erlang_c_unstable_when_agents_do_not_exceed_traffic():
    agents = np.array([0, 5, 9, 10])
    np.testing.assert_array_equal(erlang_c_wait_probability(10.0, agents), 1.0)
    np.testing.assert_array_equal(erlang_c_service_level(10.0, agents, 180.0, 20.0), 0.0)
    assert np.all(np.isinf(erlang_c_asa(10.0, agents, 180.0)))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="whole numbers"):
        erlang_b(1.0, 2.5)
    with pytest.raises(ValueError, match="≥ 0"):
        erlang_b(1.0, -1)
    with pytest.raises(ValueError, match="traffic"):
        erlang_b(-1.0, 2)
    with pytest.raises(ValueError, match="patience"):
        erlang_a_metrics(1.0, 2, 180.0, 0.0, 20.0)


# --- numerical range -------------------------------------------------------------------------------


@pytest.mark.parametrize("traffic", [0.3, 7.5, 120.0, 999.9, 5000.0, 6000.0])
def test_erlang_b_matches_recurrence_up_to_thousands_of_erlangs(traffic):
    max_n = int(traffic * 1.3) + 20
    want = erlang_b_recurrence(traffic, max_n)
    got = erlang_b(traffic, np.arange(max_n + 1))
    tiny = want < 1e-290  # the recurrence itself underflows there
    np.testing.assert_allclose(got[~tiny], want[~tiny], rtol=1e-9)
    assert np.all(got[tiny] < 1e-280)


def test_erlang_c_and_a_stable_at_5000_erlangs():
    agents = np.arange(5001, 5400)
    wait = erlang_c_wait_probability(5000.0, agents)
    sl = erlang_c_service_level(5000.0, agents, 300.0, 20.0)
    assert np.all(np.isfinite(wait)) and np.all(np.diff(wait) < 0) and 0 < wait[-1] < wait[0] <= 1
    assert np.all(np.diff(sl) >= 0) and np.all(np.diff(sl[:100]) > 0) and sl[-1] == 1.0
    m = erlang_a_metrics(5000.0, np.arange(4500, 5400, 10), 300.0, 180.0, 20.0)
    for key in ("service_level", "abandon_rate", "wait_probability", "occupancy"):
        assert np.all(np.isfinite(m[key])) and np.all((m[key] >= 0) & (m[key] <= 1)), key
    assert np.all(np.diff(m["service_level"]) > 0) and np.all(np.diff(m["abandon_rate"]) < 0)


# --- properties ----------------------------------------------------------------------------------------

traffic_st = st.floats(min_value=0.01, max_value=800.0, allow_nan=False)
aht_st = st.floats(min_value=30.0, max_value=900.0)
answer_st = st.floats(min_value=0.0, max_value=120.0)
patience_st = st.floats(min_value=10.0, max_value=3000.0)


@settings(max_examples=60, deadline=None)
@given(traffic=traffic_st, aht=aht_st, answer=answer_st, extra=st.integers(0, 40))
def test_erlang_c_service_level_rises_with_agents_and_threshold(traffic, aht, answer, extra):
    n = int(traffic) + 1 + extra
    sl = erlang_c_service_level(traffic, [n, n + 1], aht, answer)
    assert sl[1] >= sl[0]
    assert float(erlang_c_service_level(traffic, n, aht, answer + 10.0)) >= sl[0]
    assert float(erlang_c_service_level(traffic * 1.05, n, aht, answer)) <= sl[0]


@settings(max_examples=60, deadline=None)
@given(traffic=traffic_st, aht=aht_st, answer=answer_st, patience=patience_st, n=st.integers(1, 900))
def test_erlang_a_service_level_monotone(traffic, aht, answer, patience, n):
    base = erlang_a_metrics(traffic, [n, n + 1], aht, patience, answer)
    tol = 1e-12
    assert base["service_level"][1] >= base["service_level"][0] - tol
    assert base["abandon_rate"][1] <= base["abandon_rate"][0] + tol
    later = erlang_a_metrics(traffic, n, aht, patience, answer + 10.0)["service_level"]
    assert float(later) >= base["service_level"][0] - tol
    busier = erlang_a_metrics(traffic * 1.05, n, aht, patience, answer)["service_level"]
    assert float(busier) <= base["service_level"][0] + tol


@settings(max_examples=25, deadline=None)
@given(
    traffic=st.lists(st.floats(min_value=0.0, max_value=300.0), min_size=1, max_size=12),
    data=st.data(),
)
def test_vectorized_equals_scalar(traffic, data):
    agents = [data.draw(st.integers(0, int(a * 1.5) + 5)) for a in traffic]
    aht = data.draw(aht_st)
    vec_c = erlang_c_service_level(traffic, agents, aht, 20.0)
    vec_a = erlang_a_metrics(traffic, agents, aht, 240.0, 20.0)
    for i, (a, n) in enumerate(zip(traffic, agents, strict=True)):
        assert float(erlang_c_service_level(a, n, aht, 20.0)) == pytest.approx(vec_c[i], rel=1e-13, abs=1e-15)
        one = erlang_a_metrics(a, n, aht, 240.0, 20.0)
        for key, value in one.items():
            assert float(value) == pytest.approx(vec_a[key][i], rel=1e-13, abs=1e-15), key


def test_erlang_b_table_is_erlang_b_column_by_column():
    traffic = np.array([0.0, 0.4, 9.7, 123.4, 290.0])
    table = erlang_b_table(traffic, 300)
    np.testing.assert_array_equal(table, erlang_b(traffic[:, None], np.arange(301)[None, :]))


@settings(max_examples=40, deadline=None)
@given(
    traffic=st.lists(st.floats(min_value=0.05, max_value=6000.0), min_size=1, max_size=6),
    aht=aht_st,
    answer=answer_st,
    level=st.floats(0.5, 0.99),
    occupancy=st.one_of(st.none(), st.floats(0.6, 1.0)),
    max_asa=st.one_of(st.none(), st.floats(1.0, 60.0)),
    k=st.integers(1, 3),
)
def test_erlang_c_staffing_is_minimal_and_reports_erlang_c_metrics(traffic, aht, answer, level, occupancy, max_asa, k):
    a = np.array(traffic)
    agents, found = erlang_c_staffing(a, aht, answer, level, occupancy, max_asa, k)

    def meets(n):
        m = erlang_c_metrics(a, n * k, aht, answer)
        ok = m["service_level"] >= level
        if occupancy is not None:
            ok &= m["occupancy"] <= occupancy
        if max_asa is not None:
            ok &= m["asa_seconds"] <= max_asa
        return ok, m

    ok, m = meets(agents)
    below, _ = meets(agents - 1)
    assert ok.all() and not below.any()
    for key in ("service_level", "asa_seconds", "occupancy"):
        np.testing.assert_allclose(found[key], m[key], rtol=1e-9)  # exact below 300 agents
