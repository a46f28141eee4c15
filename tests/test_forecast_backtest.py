"""Backtest: metrics on hand-computed series, rolling-origin windows, no peeking past the cutoff."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.forecast_synthetic import history_frame
from wfm.errors import InputError
from wfm.forecasting.backtest import BacktestPlan, backtest_queue, metrics, metrics_table
from wfm.forecasting.calendar import Calendar
from wfm.forecasting.history import history_from_frame
from wfm.forecasting.pipeline import backtest


def test_metrics_match_hand_computation():
    # |errors| 2, 1, 0, 4 over 20 contacts; relative errors on nonzero actuals 0.2, 0, 0.8.
    result = metrics(np.array([10, 0, 5, 5]), np.array([8, 1, 5, 9]))
    assert result == pytest.approx({"wape": 7 / 20, "mape": 1 / 3, "bias": 3 / 20})


def test_metrics_of_an_empty_actual_are_undefined():
    result = metrics(np.zeros(3), np.ones(3))
    assert all(np.isnan(v) for v in result.values())


def test_plan_cutoffs_are_a_step_apart_and_end_a_horizon_before_the_last_day():
    plan = BacktestPlan(windows=3, horizon_days=7, step_days=7)
    cutoffs = plan.cutoffs(np.datetime64("2026-03-01"))
    assert [str(c) for c in cutoffs] == ["2026-02-08", "2026-02-15", "2026-02-22"]
    assert plan.holdout_days == 21 and plan.history_needed("profile") == 14 + 21
    with pytest.raises(InputError):
        BacktestPlan(windows=0, horizon_days=7)


@pytest.fixture(scope="module")
def noisy():
    return history_from_frame(history_frame(10 * 7, seed=11)).queues["q"]


def test_windows_never_see_past_their_cutoff(noisy):
    plan = BacktestPlan(windows=2, horizon_days=7)
    result = backtest_queue(noisy, ["seasonal-naive", "profile"], plan, Calendar())
    changed = dataclasses.replace(noisy, contacts=np.where(noisy.is_open, noisy.contacts * 3, 0.0))
    changed = dataclasses.replace(changed, contacts=np.concatenate([noisy.contacts[:-7], changed.contacts[-7:]]))
    again = backtest_queue(changed, ["seasonal-naive", "profile"], plan, Calendar())
    for method in ("seasonal-naive", "profile"):
        np.testing.assert_array_equal(result.forecast[method][1], again.forecast[method][1])
    np.testing.assert_array_equal(result.actual[1] * 3, again.actual[1])


def test_metrics_table_pools_windows_and_compares_with_seasonal_naive(noisy):
    plan = BacktestPlan(windows=3, horizon_days=7)
    result = backtest_queue(noisy, ["seasonal-naive", "profile"], plan, Calendar())
    table = metrics_table([result])
    assert list(table.columns) == [
        "queue",
        "method",
        "level",
        "cutoff",
        "wape",
        "mape",
        "bias",
        "relative_wape",
    ]
    assert len(table) == 2 * 2 * (3 + 1)
    naive = table[table["method"] == "seasonal-naive"]
    assert (naive["relative_wape"] == 1).all()
    pooled = table.set_index(["method", "level", "cutoff"])
    actual, forecast = np.concatenate(result.actual), np.concatenate(result.forecast["profile"])
    assert pooled.loc[("profile", "interval", "all"), "wape"] == pytest.approx(metrics(actual, forecast)["wape"])
    daily = metrics(actual.sum(axis=1), forecast.sum(axis=1))
    assert pooled.loc[("profile", "daily", "all"), "mape"] == pytest.approx(daily["mape"])
    ratio = (
        pooled.loc[("profile", "interval", "all"), "wape"] / pooled.loc[("seasonal-naive", "interval", "all"), "wape"]
    )
    assert pooled.loc[("profile", "interval", "all"), "relative_wape"] == pytest.approx(ratio)
    assert ratio < 0.9, "on Poisson noise the profile method beats last week's copy"


def test_backtest_refuses_a_history_shorter_than_the_plan_listing_queues():
    short = history_from_frame(history_frame(20))
    with pytest.raises(InputError, match=r"needs at least 35 days per queue; 'q' has 20"):
        backtest(short, BacktestPlan(windows=4, horizon_days=7))


def test_a_method_short_of_history_for_the_earliest_window_is_left_out():
    series = history_from_frame(history_frame(40, seed=2)).queues["q"]  # 26 days before the first window
    result = backtest_queue(series, ["seasonal-naive", "profile", "ets"], BacktestPlan(2, 7), Calendar())
    assert set(result.forecast) == {"seasonal-naive", "profile"}
    assert all(len(runs) == len(result.actual) == 2 for runs in result.forecast.values())
    assert np.isnan(result.pooled_wape("ets")) and result.errors("ets").size == 0
