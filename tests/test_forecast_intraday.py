"""The intraday re-forecast: known factors, shrinkage at the start of the day, invariants, and the
pipeline's output with `--actuals` (elapsed intervals carry the actuals, marked `source`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests.forecast_synthetic import history_frame
from wfm.forecasting import forecast, history_from_frame
from wfm.forecasting.actuals import Observed
from wfm.forecasting.intraday import IntradayParameters, day_factors, reforecast
from wfm.forecasting.output import QueueForecast

SLOTS = 12
RAW = IntradayParameters(prior_contacts=1.0, prior_share=0.0, aht_prior_contacts=0.0)
"""The least shrinkage allowed: a prior of one contact."""


def day(volume: float, elapsed_slots: int, hot: float = 1.2, aht_hot: float = 1.0):
    """One day of `SLOTS` intervals of `volume` forecast contacts and 300 s AHT, running `hot`
    times the forecast's contacts (and `aht_hot` times its AHT) over the first `elapsed_slots`."""
    forecast = np.full(SLOTS, float(volume))
    elapsed = np.arange(SLOTS) < elapsed_slots
    actual = np.where(elapsed, hot * forecast, 0.0)
    aht = np.full(SLOTS, 300.0)
    actual_aht = np.where(elapsed, aht_hot * aht, np.nan)
    return actual, actual_aht, forecast, aht, elapsed


def test_a_day_running_20_percent_hot_scales_its_rest_towards_1_2():
    assert day_factors(*day(10, 6), RAW).contacts_factor == pytest.approx((72 + 1) / (60 + 1))
    assert day_factors(*day(1e6, 6), RAW).contacts_factor == pytest.approx(1.2)
    # Defaults: k = 200 + 0.1 × 120 = 212 contacts; A = 72, F = 60.
    factors = day_factors(*day(10, 6), IntradayParameters())
    assert factors.actual_contacts == pytest.approx(72) and factors.forecast_contacts == pytest.approx(60)
    assert factors.contacts_factor == pytest.approx((72 + 212) / (60 + 212))
    # A large queue late in the day: k = 200 + 1,200; A = 13,200, F = 11,000.
    late = day_factors(*day(1000, 11), IntradayParameters()).contacts_factor
    assert late == pytest.approx((13200 + 1400) / (11000 + 1400))
    assert 1.17 < late < 1.2


def test_shrinkage_towards_1_at_the_start_of_the_day():
    start = day_factors(*day(10, 0), IntradayParameters())
    assert start.contacts_factor == 1.0 and start.aht_factor == 1.0
    ratios = [day_factors(*day(100, n), IntradayParameters()).contacts_factor for n in range(SLOTS + 1)]
    assert all(a < b for a, b in itertools.pairwise(ratios)), "grows as the day passes"
    assert 1.0 < ratios[1] < 1.05, "one interval in, the ratio barely moves"
    assert ratios[-1] < 1.2, "never past the raw ratio"


def test_handle_time_factor_is_weighted_by_contacts_and_shrunk():
    assert day_factors(*day(10, 6, aht_hot=1.1), RAW).aht_factor == pytest.approx(1.1)
    # Z = A / (A + 200) with A = 72 actual contacts.
    shrunk = day_factors(*day(10, 6, aht_hot=1.1), IntradayParameters()).aht_factor
    assert shrunk == pytest.approx(1 + 72 / 272 * 0.1)
    actual, actual_aht, forecast, aht, elapsed = day(10, 2, aht_hot=1.0)
    actual[0], actual_aht[0] = 30.0, 600.0  # 30 contacts at twice the AHT, 12 at the forecast's
    factors = day_factors(actual, actual_aht, forecast, aht, elapsed, RAW)
    assert factors.aht_factor == pytest.approx((30 * 600 + 12 * 300) / (42 * 300))


def observed_for(actual: np.ndarray, actual_aht: np.ndarray, elapsed: np.ndarray, today: int = 0) -> Observed:
    is_open = elapsed & (actual > 0)
    aht = np.where(is_open & (actual > 0), actual_aht, np.nan)
    return Observed(elapsed, is_open, np.where(is_open, actual, 0.0), aht, today)


def test_reforecast_keeps_actuals_scales_the_rest_of_today_and_leaves_other_days():
    actual, actual_aht, forecast, aht, elapsed = day(10, 6)
    grid = np.vstack([forecast, forecast])
    aht_grid = np.vstack([aht, aht])
    seen = observed_for(
        np.vstack([actual, np.zeros(SLOTS)]),
        np.vstack([actual_aht, actual_aht]),
        np.vstack([elapsed, np.zeros(SLOTS, bool)]),
    )
    again = reforecast(np.ones_like(grid, bool), grid, aht_grid, seen, RAW)
    np.testing.assert_allclose(again.contacts[0, :6], 12.0)
    np.testing.assert_allclose(again.contacts[0, 6:], 10.0 * (72 + 1) / (60 + 1))
    np.testing.assert_array_equal(again.contacts[1], forecast)
    np.testing.assert_array_equal(again.actual[0], elapsed)
    assert not again.actual[1].any()


def test_an_elapsed_interval_without_an_actual_row_is_closed():
    actual, actual_aht, forecast, aht, elapsed = day(10, 6)
    actual[2] = 0.0  # no row: closed (observed_for opens only intervals with contacts)
    seen = observed_for(actual[None], actual_aht[None], elapsed[None])
    again = reforecast(np.ones((1, SLOTS), bool), forecast[None], aht[None], seen)
    assert not again.is_open[0, 2] and again.contacts[0, 2] == 0.0 and again.is_open[0, 6:].all()


@st.composite
def plain_and_actuals(draw):
    n = draw(st.integers(1, 16))
    values = st.floats(0, 500, allow_nan=False, allow_subnormal=False)
    forecast = draw(arrays(np.float64, n, elements=values))
    actual = draw(arrays(np.float64, n, elements=values))
    aht = draw(arrays(np.float64, n, elements=st.floats(1, 3000)))
    actual_aht = draw(arrays(np.float64, n, elements=st.floats(1, 3000)))
    elapsed = np.arange(n) < draw(st.integers(0, n))
    params = IntradayParameters(draw(st.floats(1, 1000)), draw(st.floats(0, 1)), draw(st.floats(0, 1000)))
    return forecast, actual, aht, actual_aht, elapsed, params


@settings(max_examples=200, deadline=None)
@given(plain_and_actuals())
def test_reforecast_is_non_negative_with_positive_handle_time(case):
    forecast, actual, aht, actual_aht, elapsed, params = case
    seen = observed_for(actual[None], actual_aht[None], elapsed[None])
    again = reforecast(np.ones((1, forecast.size), bool), forecast[None], aht[None], seen, params)
    assert (again.contacts >= 0).all() and np.isfinite(again.contacts).all()
    assert (again.aht_s > 0).all() and np.isfinite(again.aht_s).all()
    assert again.factors.contacts_factor >= 0 and again.factors.aht_factor > 0


@settings(max_examples=200, deadline=None)
@given(plain_and_actuals())
def test_actuals_equal_to_the_forecast_give_the_plain_forecast(case):
    forecast, _, aht, _, elapsed, params = case
    is_open = forecast > 0  # the plain forecast's open intervals; the actuals open the same ones
    seen = Observed(
        elapsed[None],
        (is_open & elapsed)[None],
        np.where(elapsed & is_open, forecast, 0.0)[None],
        np.where(elapsed & is_open, aht, np.nan)[None],
        0,
    )
    again = reforecast(is_open[None], forecast[None], aht[None], seen, params)
    assert again.factors.contacts_factor == 1.0 and again.factors.aht_factor == 1.0
    np.testing.assert_array_equal(again.contacts, forecast[None])
    np.testing.assert_array_equal(again.aht_s, aht[None])
    np.testing.assert_array_equal(again.is_open, is_open[None])


def test_parameters_refuse_a_prior_below_one_contact():
    with pytest.raises(ValueError, match="prior_contacts must be ≥ 1"):
        IntradayParameters(prior_contacts=0.5)
    with pytest.raises(ValueError, match="must be ≥ 0"):
        IntradayParameters(prior_share=-0.1)


def test_a_day_forecast_at_zero_stays_finite():
    actual, actual_aht, forecast, aht, elapsed = day(0, 6)
    actual[:6] = 4.0
    factors = day_factors(actual, actual_aht, forecast, aht, elapsed, RAW)
    assert factors.contacts_factor == pytest.approx(25.0)


def test_a_coarser_output_interval_is_actual_only_when_all_of_it_has_elapsed():
    is_open = np.zeros((1, 96), bool)
    is_open[0, 32:40] = True  # 08:00–10:00 at 15 minutes
    contacts = np.where(is_open, 4.0, 0.0)
    actual = np.zeros((1, 96), bool)
    actual[0, :35] = True  # now is 08:45
    fc = QueueForecast("q", np.datetime64("2026-02-16"), 15, is_open, contacts, np.full((1, 96), 300.0), None, actual)
    half_hours = fc.resample(30)
    assert half_hours.actual[0, 16] and not half_hours.actual[0, 17]  # 08:00 elapsed; 08:30 half
    assert fc.resample(5).actual[0, 104] and not fc.resample(5).actual[0, 105]


# --- the pipeline ----------------------------------------------------------------------------------

MONDAY = "2026-02-16"  # the day after the six weeks of history (Sunday 02-15 is closed)


@pytest.fixture(scope="module")
def periodic():
    """Six weeks of exact weekly volume, hourly 08:00–20:00 Monday–Saturday."""
    return history_from_frame(history_frame(6 * 7))


@pytest.fixture(scope="module")
def plain(periodic):
    return forecast(periodic, MONDAY, 2, method="profile", quantile=0.8)


def actuals_frame(plain_table: pd.DataFrame, until: str, factor: float) -> pd.DataFrame:
    """Actuals in the history's format: `factor` × the plain forecast's contacts before `until`."""
    rows = plain_table[plain_table["interval_start"] < until].copy()
    rows["contacts"] = rows["contacts"] * factor
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    rows.index = pd.RangeIndex(2, 2 + len(rows))
    return rows[["interval_start", "queue", "contacts", "aht_seconds"]]


def test_forecast_with_actuals_marks_the_elapsed_rows_and_scales_the_rest_of_today(periodic, plain):
    hot = actuals_frame(plain.table, f"{MONDAY}T13:00", 1.2)  # 08:00–12:00 running 20 % hot
    result = forecast(periodic, MONDAY, 2, method="profile", quantile=0.8, actuals=hot)
    table = result.table
    assert list(table.columns) == ["interval_start", "queue", "contacts", "aht_seconds", "contacts_p80", "source"]
    assert str(result.now) == f"{MONDAY}T13:00"
    elapsed = table["interval_start"] < f"{MONDAY}T13:00"
    assert (table.loc[elapsed, "source"] == "actual").all() and (table.loc[~elapsed, "source"] == "forecast").all()
    np.testing.assert_allclose(table.loc[elapsed, "contacts"], hot["contacts"].round(2), atol=0.006)
    np.testing.assert_allclose(table.loc[elapsed, "contacts_p80"], table.loc[elapsed, "contacts"])
    factors = result.intraday["q"]
    assert factors.actual_contacts == pytest.approx(1.2 * factors.forecast_contacts, rel=1e-3)
    assert 1.0 < factors.contacts_factor < 1.2
    rest_of_today = ~elapsed & (table["interval_start"] < "2026-02-17")
    ratio = table.loc[rest_of_today, "contacts"].to_numpy() / plain.table.loc[rest_of_today, "contacts"].to_numpy()
    np.testing.assert_allclose(ratio, factors.contacts_factor, rtol=2e-3)
    tomorrow = table["interval_start"] >= "2026-02-17"
    np.testing.assert_array_equal(table.loc[tomorrow, "contacts"], plain.table.loc[tomorrow, "contacts"])
    summary = result.summary()
    assert {"actual_contacts", "forecast_contacts", "contacts_factor", "aht_factor"} <= set(summary.columns)


def test_actuals_as_forecast_leave_the_forecast_as_it_was(periodic, plain):
    same = actuals_frame(plain.table, f"{MONDAY}T10:00", 1.0)
    result = forecast(periodic, MONDAY, 2, method="profile", quantile=0.8, actuals=same)
    np.testing.assert_allclose(result.table["contacts"], plain.table["contacts"], atol=0.011)
    np.testing.assert_allclose(result.table["aht_seconds"], plain.table["aht_seconds"], atol=0.11)
    assert result.intraday["q"].contacts_factor == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_the_intraday_benchmark_runs_on_one_day_and_cut():
    from benchmarks.bench_forecast import ROOT, intraday

    rows, per_cut = intraday(ROOT / "data" / "history.csv", 1, ["11:00"])
    assert [row["queues"] for row in rows] == ["chat_es", "voice_es", "all"]
    assert list(per_cut["cut"]) == ["11:00"] * 3
    assert (per_cut[["plain_mae", "intraday_mae", "plain_wape", "intraday_wape"]] > 0).all().all()
