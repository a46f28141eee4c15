"""Forecast contacts and handle time per interval from history, with backtests and an upper quantile.

One job per module: `history` reads and grids `history.csv`; `calendar` holds public holidays and
special days; `opening` infers the horizon's opening hours; `methods` forecasts volume
(seasonal naive, the contact-centre profile method, statsforecast ETS); `handle_time` forecasts
AHT; `quantiles` the upper band; `backtest` the rolling-origin evaluation; `actuals` reads
today's actuals so far and `intraday` re-forecasts the rest of the day from them; `output` lays
out `forecast.csv`; `chart` draws it; `pipeline` puts them together.
"""

from wfm.forecasting.actuals import Actuals, read_actuals
from wfm.forecasting.backtest import BacktestPlan
from wfm.forecasting.history import History, QueueSeries, history_from_frame, read_history
from wfm.forecasting.intraday import IntradayParameters
from wfm.forecasting.methods import METHODS
from wfm.forecasting.pipeline import ForecastResult, backtest, backtest_file, forecast, forecast_file

__all__ = [
    "METHODS",
    "Actuals",
    "BacktestPlan",
    "ForecastResult",
    "History",
    "IntradayParameters",
    "QueueSeries",
    "backtest",
    "backtest_file",
    "forecast",
    "forecast_file",
    "history_from_frame",
    "read_actuals",
    "read_history",
]
