"""The forecast pipeline: the forecast.csv contract, interval lengths, calendar, quantile, bad options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.forecast_synthetic import history_frame, write_history
from wfm.errors import InputError
from wfm.forecasting import forecast, forecast_file, history_from_frame
from wfm.forecasting.history import History

FIXTURES = Path(__file__).parent / "fixtures" / "forecast"


@pytest.fixture(scope="module")
def two_queues() -> History:
    frames = [
        history_frame(8 * 7, queue="voice", seed=1),
        history_frame(8 * 7, queue="chat", seed=2, open_min=9 * 60, close_min=18 * 60, aht_s=400),
    ]
    return history_from_frame(pd.concat(frames, ignore_index=True))


@pytest.fixture(scope="module")
def result(two_queues):
    return forecast(two_queues, "2026-03-02", 14, method="profile", quantile=0.8)


def test_forecast_csv_columns_rows_and_rounding(result):
    table = result.table
    assert list(table.columns) == ["interval_start", "queue", "contacts", "aht_seconds", "contacts_p80"]
    assert table.equals(table.sort_values(["queue", "interval_start"], ignore_index=True))
    stamps = pd.to_datetime(table["interval_start"], format="%Y-%m-%dT%H:%M")
    assert (stamps.dt.weekday < 6).all(), "Sundays are closed in the history: no rows"
    chat = stamps[table["queue"] == "chat"]
    assert chat.dt.hour.min() == 9 and chat.dt.hour.max() == 17, "chat is open 09:00–18:00"
    assert len(table) == 12 * (12 + 9)
    assert (table["contacts"] >= 0).all() and (table["aht_seconds"] > 0).all()
    assert (table["contacts_p80"] >= table["contacts"]).all()
    assert (table["contacts"] == table["contacts"].round(2)).all()
    assert (table["aht_seconds"] == table["aht_seconds"].round(1)).all()
    chat_aht = table.loc[table["queue"] == "chat", "aht_seconds"]
    morning = chat_aht[chat.dt.hour < 14]
    assert chat_aht.between(340, 400).all() and morning.min() > chat_aht[chat.dt.hour >= 14].max()


def test_forecast_is_deterministic(two_queues, result):
    again = forecast(two_queues, "2026-03-02", 14, method="profile", quantile=0.8)
    pd.testing.assert_frame_equal(result.table, again.table)


@pytest.mark.parametrize(("interval_min", "rows_per_hour"), [(15, 4), (30, 2), (60, 1)])
def test_other_interval_lengths_keep_the_totals(two_queues, result, interval_min, rows_per_hour):
    other = forecast(two_queues, "2026-03-02", 14, method="profile", interval_min=interval_min).table
    assert len(other) == rows_per_hour * len(result.table)
    for column in ("contacts", "contacts_p80"):
        assert other[column].sum() == pytest.approx(result.table[column].sum(), abs=0.01 * len(other))
    first = other.groupby("queue").head(rows_per_hour)
    assert (
        first["aht_seconds"].to_numpy()
        == np.repeat(result.table.groupby("queue").head(1)["aht_seconds"], rows_per_hour)
    ).all()


def test_coarser_interval_weighs_handle_time_by_contacts():
    history = history_from_frame(history_frame(6 * 7, interval_min=30, seed=5))
    fine = forecast(history, "2026-02-16", 7, method="profile", quantile=None).table
    coarse = forecast(history, "2026-02-16", 7, method="profile", interval_min=60, quantile=None).table
    hour = pd.to_datetime(fine["interval_start"]).dt.floor("60min").dt.strftime("%Y-%m-%dT%H:%M")
    work = (fine["contacts"] * fine["aht_seconds"]).groupby(hour).sum()
    expected = (work / fine["contacts"].groupby(hour).sum()).to_numpy()
    np.testing.assert_allclose(coarse["aht_seconds"].to_numpy(), expected, atol=0.11)  # both rounded
    assert "contacts_p80" not in coarse.columns


def test_auto_chooses_per_queue_and_reports_backtest_wape(two_queues):
    auto = forecast(two_queues, "2026-03-02", 7)
    choices = {c.queue: c for c in auto.choices}
    assert set(choices) == {"chat", "voice"}
    for choice in choices.values():
        assert choice.method in {"seasonal-naive", "profile", "ets"}
        assert 0 < choice.backtest_wape <= choice.naive_wape
    summary = auto.summary()
    assert list(summary.columns) == [
        "queue",
        "method",
        "contacts",
        "contacts_p80",
        "backtest_wape",
        "naive_wape",
    ]


def test_upper_quantile_covers_about_its_share_of_actuals():
    full = history_from_frame(history_frame(14 * 7, seed=9))
    series = full.queues["q"]
    train = History(full.interval_min, {"q": series.truncate(series.last_day - 14)}, "train")
    result = forecast(train, str(series.last_day - 13), 14, method="profile", quantile=0.8)
    fc = result.forecasts[0]
    actual = series.contacts[-14:][fc.is_open]
    coverage = np.mean(actual <= fc.upper[fc.is_open])
    assert 0.7 <= coverage <= 0.9


def test_special_days_close_a_day_or_scale_it(tmp_path, two_queues, result):
    special = tmp_path / "special.csv"
    special.write_text("date,label,effect\n2026-03-03,strike,closed\n2026-03-04,campaign,1.5\n")
    table = forecast(two_queues, "2026-03-02", 14, method="profile", special_days=special).table
    day = table["interval_start"].str[:10]
    base_day = result.table["interval_start"].str[:10]
    assert "2026-03-03" not in set(day)
    scaled = table.loc[day == "2026-03-04", "contacts"].sum()
    assert scaled == pytest.approx(1.5 * result.table.loc[base_day == "2026-03-04", "contacts"].sum(), rel=1e-3)


def test_country_holidays_close_days_the_history_closed():
    # 2026-01-06 (Epiphany) and 2026-03-19 (not national) — Spain's national holidays close the first.
    history = history_from_frame(history_frame(8 * 7, closed_days=("2026-01-06",)))
    table = forecast(history, "2026-04-01", 7, method="profile", country="ES").table
    assert "2026-04-03" not in set(table["interval_start"].str[:10]), "Good Friday is closed"
    assert "2026-04-02" in set(table["interval_start"].str[:10])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2026-02-27"}, "--start 2026-02-27 is not after the history, which ends on 2026-02-28"),
        ({"start": "02/03/2026"}, "--start must be a date YYYY-MM-DD, got '02/03/2026'"),
        ({"days": 0}, "--days must be between 1 and 400, got 0"),
        ({"method": "arima"}, "unknown method 'arima'"),
        ({"quantile": 0.3}, "--quantile must be between 0.5 and 1 (exclusive), got 0.3"),
        ({"interval_min": 20}, "--interval-min must be one of 5, 15, 30, 60, got 20"),
        ({"country": "XX"}, "unknown country code 'XX'"),
        (
            {"special_days": FIXTURES / "special_days_bad_effect.csv"},
            "effect must be a factor > 0 or 'closed', got 'shut'",
        ),
    ],
)
def test_bad_options_are_refused(two_queues, kwargs, message):
    options = {"start": "2026-03-02", "days": 7, "method": "profile", **kwargs}
    with pytest.raises(InputError) as caught:
        forecast(two_queues, options.pop("start"), options.pop("days"), **options)
    assert message in str(caught.value)


def test_too_short_history_lists_every_short_queue():
    frames = [history_frame(30, queue="a"), history_frame(60, queue="b"), history_frame(20, queue="c")]
    history = history_from_frame(pd.concat(frames, ignore_index=True))
    with pytest.raises(InputError) as caught:
        forecast(history, "2026-03-10", 7, method="ets")
    assert "history too short for method 'ets': needs at least 35 days per queue; 'a' has 30, 'c' has 20" in str(
        caught.value
    )


def test_forecast_file_writes_csv_and_chart_and_nothing_on_bad_input(tmp_path):
    path = tmp_path / "history.csv"
    write_history(path, history_frame(3 * 7, seed=4))
    out, chart = tmp_path / "forecast.csv", tmp_path / "forecast.png"
    result = forecast_file(path, out, "2026-01-26", 7, chart=chart, method="seasonal-naive")
    assert pd.read_csv(out).shape == result.table.shape
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out.unlink()
    chart.unlink()
    with pytest.raises(InputError):
        forecast_file(path, out, "2026-01-26", 7, chart=chart, special_days=FIXTURES / "special_days_bad_effect.csv")
    assert not out.exists() and not chart.exists()
