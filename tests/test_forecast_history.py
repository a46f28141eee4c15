"""Reading history.csv: grid detection, how missing intervals are read, and broken files by defect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.forecast_synthetic import history_frame, write_history
from wfm.errors import InputError
from wfm.forecasting.history import history_from_frame, read_history

FIXTURES = Path(__file__).parent / "fixtures" / "forecast"


@pytest.mark.parametrize(
    ("fixture", "row", "column", "message"),
    [
        (
            "duplicate_interval.csv",
            4,
            "interval_start",
            "duplicate interval 2026-06-01T08:15 for queue 'voice' (first at row 3)",
        ),
        ("negative_contacts.csv", 3, "contacts", "must be ≥ 0, got -3"),
        ("off_grid_timestamp.csv", 6, "interval_start", "2026-06-01T09:05 is off the 15-minute grid"),
        ("timestamp_off_any_grid.csv", 4, "interval_start", "not on a 5-, 15-, 30- or 60-minute grid"),
        (
            "mixed_grids.csv",
            8,
            "interval_start",
            "mixed grids: rows 60 minutes apart for queue 'voice' on 2026-06-02",
        ),
        (
            "gap_inside_day.csv",
            5,
            "interval_start",
            "gap: no row for queue 'voice' from 2026-06-01T08:45 to 2026-06-01T09:00",
        ),
        (
            "gap_of_a_week.csv",
            4,
            "interval_start",
            "gap: queue 'voice' has no rows for 8 days before 2026-06-10",
        ),
        ("missing_handle_time.csv", 4, "aht_seconds", "handle time missing for a row with contacts"),
        ("incomplete_handle_time_parts.csv", 3, "acw_seconds", "handle-time parts incomplete"),
        ("aht_disagrees_with_parts.csv", 3, "aht_seconds", "aht_seconds 300 is not talk + hold + acw = 280"),
        ("unsupported_interval_length.csv", 3, "interval_start", "most rows are 10 minutes apart"),
        ("missing_contacts_column.csv", 1, None, "missing column(s): contacts; unknown column(s): calls"),
        (
            "unparsable_timestamp.csv",
            3,
            "interval_start",
            "an ISO 8601 date-time (YYYY-MM-DDTHH:MM) expected",
        ),
    ],
)
def test_broken_history_names_file_row_and_column(fixture, row, column, message):
    with pytest.raises(InputError) as caught:
        read_history(FIXTURES / fixture)
    error = caught.value
    assert message in error.message
    assert (error.path, error.row, error.column) == (str(FIXTURES / fixture), row, column)


@pytest.mark.parametrize("interval_min", [5, 15, 30, 60])
def test_interval_length_is_detected(tmp_path, interval_min):
    path = tmp_path / "history.csv"
    write_history(path, history_frame(8, interval_min=interval_min))
    history = read_history(path)
    assert history.interval_min == interval_min
    assert history.queues["q"].slots_per_day == 1440 // interval_min


def test_missing_rows_are_closed_and_zero_rows_are_open(tmp_path):
    frame = history_frame(8, closed_days=("2026-01-07",))
    frame.loc[frame["interval_start"] == pd.Timestamp("2026-01-06T09:00"), ["contacts", "aht_seconds"]] = [
        0,
        None,
    ]
    path = tmp_path / "history.csv"
    write_history(path, frame)
    series = read_history(path).queues["q"]
    assert series.n_days == 8  # 2026-01-05 (Mon) … 2026-01-12 (Mon)
    assert not series.is_open[6].any(), "Sunday has no rows: closed"
    assert not series.is_open[2].any(), "a day with no rows is closed"
    tuesday = series.is_open[1]
    assert tuesday[8:20].all() and not tuesday[:8].any() and not tuesday[20:].any(), "nights are closed"
    assert series.is_open[1, 9] and series.contacts[1, 9] == 0, "a row with 0 contacts is open"
    assert np.isnan(series.aht_s[1, 9])


def test_handle_time_parts_are_summed(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        "interval_start,queue,contacts,talk_seconds,hold_seconds,acw_seconds\n"
        "2026-06-01T08:00,voice,10,200,30,40\n"
        "2026-06-01T08:15,voice,0,,,\n"
    )
    series = read_history(path).queues["voice"]
    assert series.aht_s[0, 32] == 270
    assert series.is_open[0, 33] and np.isnan(series.aht_s[0, 33])


def test_queue_defaults_to_main_and_frame_rows_are_named():
    frame = history_frame(8).drop(columns="queue")
    assert list(history_from_frame(frame).queues) == ["main"]
    frame.loc[frame.index[3], "contacts"] = frame.loc[frame.index[2], "contacts"]
    frame.loc[frame.index[3], "interval_start"] = frame.loc[frame.index[2], "interval_start"]
    with pytest.raises(InputError) as caught:
        history_from_frame(frame, source="in memory")
    assert (caught.value.path, caught.value.row) == ("in memory", 5)


def test_bundled_history_is_the_documented_campaign():
    history = read_history(Path(__file__).parents[1] / "data" / "history.csv")
    assert history.interval_min == 15 and sorted(history.queues) == ["chat_es", "voice_es"]
    voice, chat = history.queues["voice_es"], history.queues["chat_es"]
    assert (str(voice.first_day), str(voice.last_day)) == ("2026-06-01", "2027-05-31")
    days = voice.days
    sundays = ((days.astype(np.int64) + 3) % 7) == 6
    spanish = np.isin(days, np.array(["2026-10-12", "2026-12-25", "2027-01-06"], dtype="datetime64[D]"))
    assert not voice.day_open[sundays | spanish].any()
    assert voice.day_open[~sundays].mean() > 0.95
    hours = voice.is_open[voice.day_open]
    assert hours[:, 32:80].all() and not hours[:, :32].any() and not hours[:, 80:].any()  # 08:00–20:00
    weekday = ((days.astype(np.int64) + 3) % 7 < 5) & voice.day_open
    recent_weekdays = voice.contacts.sum(axis=1)[weekday][-40:]
    assert 2800 <= recent_weekdays.mean() <= 3800, "the example campaign's ~3,300 a weekday in June 2027"
    peak = np.percentile(voice.contacts[voice.day_open].max(axis=1), 50)
    assert 80 <= peak <= 140
    assert 0.2 <= chat.contacts.sum() / voice.contacts.sum() <= 0.3
    aht = np.nansum(voice.aht_s * voice.contacts) / voice.contacts.sum()
    assert 240 <= aht <= 420


def test_bundled_history_is_what_its_seeded_generator_writes(tmp_path):
    from wfm.history_data import write_history as generate_history

    path = tmp_path / "history.csv"
    generate_history(path)
    assert path.read_bytes() == (Path(__file__).parents[1] / "data" / "history.csv").read_bytes()
