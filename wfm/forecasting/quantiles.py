"""The upper quantile of contacts per interval, from backtest errors.

`contacts` (P50) is the method's point forecast. For an upper quantile q (e.g. 0.8) we scale the
backtest errors of the chosen method like count noise, whose spread grows with the square root
of the volume,

    z = (actual − forecast) / √max(forecast, 1)        over the backtest's open intervals,

take their empirical q-quantile z_q, and forecast

    upper = forecast + z_q · √forecast      (never below the forecast).

The backtest errors carry everything the method gets wrong at that lead time — daily level,
intraday shape, noise — so the band is as wide as the method has been wrong, not as a model
assumes. With fewer than `MIN_RESIDUALS` errors (too little history to backtest) z_q is the
standard normal quantile: the Poisson band of a method that is right on average.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from wfm.errors import InputError

MIN_RESIDUALS = 30


def quantile_column(quantile: float) -> str:
    """The output column of an upper quantile: `contacts_p80` for 0.8."""
    return f"contacts_p{round(quantile * 100)}"


def check_quantile(quantile: float) -> None:
    """Refuse a quantile outside (0.5, 1) or one whose column name would collide with P50."""
    if not (0.5 < quantile < 1) or round(quantile * 100) in (50, 100):
        raise InputError(
            f"--quantile must be between 0.5 and 1 (exclusive), got {quantile:g}",
            hint="e.g. --quantile 0.8 for P80",
        )


def scaled_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Backtest errors scaled by √max(forecast, 1), for intervals open in the actuals or the forecast."""
    actual, forecast = np.asarray(actual, float).ravel(), np.asarray(forecast, float).ravel()
    live = (actual > 0) | (forecast > 0)
    return (actual[live] - forecast[live]) / np.sqrt(np.maximum(forecast[live], 1.0))


def error_quantile(errors: np.ndarray, quantile: float) -> float:
    """z_q: the empirical quantile of scaled errors, or the normal one if there are too few."""
    if errors.size < MIN_RESIDUALS:
        return NormalDist().inv_cdf(quantile)
    return float(np.quantile(errors, quantile))


def upper_contacts(forecast: np.ndarray, z: float) -> np.ndarray:
    """The upper quantile per interval: forecast + z·√forecast, never below the forecast."""
    return np.maximum(forecast + z * np.sqrt(np.maximum(forecast, 0.0)), forecast)
