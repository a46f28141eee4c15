"""Forecast methods: one contract every method keeps, and known values for each."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.forecast_synthetic import history_frame, periodic_volume
from wfm.errors import InputError
from wfm.forecasting.calendar import Calendar
from wfm.forecasting.handle_time import HandleTime
from wfm.forecasting.history import history_from_frame
from wfm.forecasting.methods import METHODS, DayProfile, Ets, SeasonalNaive, make_method, poisson_regression
from wfm.forecasting.opening import Horizon, horizon_for, weekday

# statsforecast is the `forecast` extra, not the `test` one: it pins pandas below 3 (README, Development).
NEEDS_STATSFORECAST = pytest.mark.skipif(not Ets.available(), reason="needs the forecast extra (statsforecast)")
NEEDS = {"ets": NEEDS_STATSFORECAST}

NO_CALENDAR = Calendar()


def series(days: int, **kwargs):
    return history_from_frame(history_frame(days, **kwargs)).queues["q"]


def horizon(history, days: int = 14, calendar: Calendar = NO_CALENDAR) -> Horizon:
    return horizon_for(history, history.last_day + 1, days, calendar)


@pytest.fixture(scope="module")
def noisy():
    return series(12 * 7, seed=3, growth_per_day=0.002)


@pytest.mark.parametrize("name", [pytest.param(n, marks=NEEDS.get(n, ())) for n in METHODS])
def test_contract_shape_nonnegative_closed_and_deterministic(name, noisy):
    h = horizon(noisy)
    first = make_method(name).fit(noisy).predict(h)
    again = make_method(name).fit(noisy).predict(h)
    assert first.shape == (14, 24)
    assert np.isfinite(first).all() and (first >= 0).all()
    assert (first[~h.is_open] == 0).all(), "closed intervals stay closed"
    assert first[h.is_open].sum() > 0
    np.testing.assert_array_equal(first, again)
    # Sunday and the night are closed in the history, so in the horizon too.
    sundays = weekday(h.days) == 6
    assert not h.is_open[sundays].any() and not h.is_open[:, :8].any() and h.is_open[~sundays][:, 8:20].all()


@pytest.mark.parametrize("name", [pytest.param(n, marks=NEEDS.get(n, ())) for n in METHODS])
def test_contract_too_short_history_says_how_much_is_needed(name):
    method = METHODS[name]
    short = series(method.min_history_days - 1)
    with pytest.raises(InputError, match=f"needs at least {method.min_history_days}"):
        method().fit(short)


def test_seasonal_naive_reproduces_last_week_exactly(noisy):
    forecast = SeasonalNaive().fit(noisy).predict(horizon(noisy, 14))
    last_week = noisy.contacts[-7:]
    np.testing.assert_array_equal(forecast[:7], last_week)
    np.testing.assert_array_equal(forecast[7:], last_week)


def test_seasonal_naive_skips_a_holiday_a_week_earlier(noisy):
    holiday = dataclasses.replace(noisy, holiday=noisy.days == noisy.last_day - 2)
    forecast = SeasonalNaive().fit(holiday).predict(horizon(holiday, 7))
    np.testing.assert_array_equal(forecast[4], noisy.contacts[-3 - 7])


def test_profile_forecasts_a_weekly_periodic_series_exactly():
    periodic = series(10 * 7)
    forecast = DayProfile().fit(periodic).predict(horizon(periodic, 21))
    days = periodic.last_day + 1 + np.arange(21)
    expected = np.array(
        [[round(periodic_volume(int(w), h), 6) if 8 <= h < 20 else 0.0 for h in range(24)] for w in weekday(days)]
    )
    np.testing.assert_allclose(forecast, expected, rtol=1e-8, atol=1e-9)


def test_profile_follows_a_trend():
    growing = series(16 * 7, growth_per_day=0.01)
    forecast = DayProfile().fit(growing).predict(horizon(growing, 7))
    last_week = growing.contacts[-7:].sum()
    assert forecast.sum() > 1.04 * last_week  # about 7 % a week at the end of the history


def test_poisson_regression_recovers_known_coefficients():
    X = np.column_stack([np.ones(50), np.linspace(-1, 1, 50)])
    beta = np.array([2.0, 0.5])
    fitted = poisson_regression(X, np.exp(X @ beta), np.ones(50))
    np.testing.assert_allclose(fitted, beta, atol=1e-9)


@NEEDS_STATSFORECAST
def test_ets_tracks_a_weekly_periodic_series():
    periodic = series(10 * 7)
    forecast = make_method("ets").fit(periodic).predict(horizon(periodic, 14))
    naive = SeasonalNaive().fit(periodic).predict(horizon(periodic, 14))
    np.testing.assert_allclose(forecast.sum(axis=1), naive.sum(axis=1), rtol=0.02, atol=1.0)


def test_holidays_closed_in_history_are_closed_in_the_horizon():
    history = series(8 * 7, closed_days=("2026-01-21",))  # a Wednesday
    calendar = Calendar(holiday_days=frozenset({np.datetime64("2026-01-21"), np.datetime64("2026-03-04")}))
    marked = calendar.mark(history)
    monday = np.datetime64("2026-03-02")
    h = horizon_for(marked, monday, 7, calendar)
    assert not h.is_open[2].any() and h.is_open[1].any() and h.holiday[2]
    open_holiday = Calendar(holiday_days=frozenset({np.datetime64("2026-01-22"), np.datetime64("2026-03-04")}))
    h = horizon_for(open_holiday.mark(history), monday, 7, open_holiday)
    assert h.is_open[2].any(), "holidays the centre worked stay open"


def test_handle_time_differs_by_time_of_day_and_borrows_when_thin():
    history = series(4 * 7)
    monday = 1  # the horizon starts on a Sunday
    exact = HandleTime(prior_contacts=1e-9).fit(history).predict(horizon(history, 7))
    assert exact[monday, 9] == pytest.approx(300) and exact[monday, 15] == pytest.approx(240)
    aht = HandleTime().fit(history).predict(horizon(history, 7))
    assert 280 < aht[monday, 9] < 300 and 240 < aht[monday, 15] < 260, "shrunk to the queue mean, not flat"
    assert (aht > 0).all()
    thin = dataclasses.replace(history, contacts=np.where(history.is_open, 0.01, 0.0))
    thin_aht = HandleTime().fit(thin).predict(horizon(thin, 7))
    queue_mean = np.nansum(thin.aht_s * thin.contacts) / thin.contacts.sum()
    assert thin_aht[monday, 9] == pytest.approx(queue_mean, rel=0.05), "thin cells shrink to the queue mean"
