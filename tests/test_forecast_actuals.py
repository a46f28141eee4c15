"""`wfm forecast --actuals`: the actuals file (the history's format, checked against it), exit codes
and exact messages for bad actuals, nothing written, and the output's `source` column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.forecast_synthetic import history_frame, write_history

HISTORY_DAYS = 6 * 7  # 2026-01-05 … 2026-02-14 (Saturday), hourly 08:00–20:00, Sunday closed


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.csv"
    write_history(path, history_frame(HISTORY_DAYS, seed=8))
    return path


def later_days(*days: str, until: str = "11:00") -> pd.DataFrame:
    """Actual rows for `days` after the history, hourly from 08:00, the last day until `until`."""
    frame = history_frame(HISTORY_DAYS + 14, seed=9)
    stamps = pd.to_datetime(frame["interval_start"])
    keep = stamps.dt.strftime("%Y-%m-%d").isin(days)
    last = max(days)
    keep &= (stamps.dt.strftime("%Y-%m-%d") != last) | (stamps < pd.Timestamp(f"{last}T{until}"))
    return frame[keep]


def write(path: Path, frame: pd.DataFrame) -> Path:
    write_history(path, frame)
    return path


def run(*args: object):
    return CliRunner().invoke(app, ["forecast", *map(str, args)])


def forecast_args(history: Path, actuals: Path, out: Path, start: str = "2026-02-16", days: int = 2):
    return (history, "--start", start, "--days", days, "--out", out, "--actuals", actuals, "--method", "profile")


def test_actuals_so_far_are_carried_and_marked(history, tmp_path):
    actuals = write(tmp_path / "today.csv", later_days("2026-02-16"))
    out = tmp_path / "forecast.csv"
    result = run(*forecast_args(history, actuals, out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"wfm forecast: 2 days from 2026-02-16, actuals to 2026-02-16T11:00, 24 open intervals → {out}\n"
    )
    assert "today so far" in result.output and "× contacts" in result.output and "× AHT" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["interval_start", "queue", "contacts", "aht_seconds", "contacts_p80", "source"]
    assert list(table["source"][:4]) == ["actual", "actual", "actual", "forecast"]
    assert (table["source"][3:] == "forecast").all()
    expected = later_days("2026-02-16")["contacts"].to_list()
    assert table["contacts"][:3].to_list() == expected


def test_actuals_may_overlap_the_history_where_they_agree(history, tmp_path):
    overlap = pd.concat([history_frame(HISTORY_DAYS, seed=8).tail(5), later_days("2026-02-16")])
    actuals = write(tmp_path / "last_days.csv", overlap)
    out = tmp_path / "forecast.csv"
    result = run(*forecast_args(history, actuals, out))
    assert result.exit_code == 0, result.output
    assert (pd.read_csv(out)["source"] == "actual").sum() == 3


def test_one_interval_is_enough(history, tmp_path):
    actuals = write(tmp_path / "first.csv", later_days("2026-02-16", until="09:00"))
    result = run(*forecast_args(history, actuals, tmp_path / "forecast.csv"))
    assert result.exit_code == 0, result.output
    assert "actuals to 2026-02-16T09:00" in result.output


def _queue(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(queue=["q"] * (len(frame) - 1) + ["chat"])


def _off_grid(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.iloc[1, 0] = pd.Timestamp("2026-02-16T09:30")
    return frame


def _gap(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(frame.index[1])


def _other_contacts(frame: pd.DataFrame) -> pd.DataFrame:
    history = history_frame(HISTORY_DAYS, seed=8).tail(2).copy()
    history.loc[history.index[1], "contacts"] += 3
    return pd.concat([history, frame])


def _other_aht(frame: pd.DataFrame) -> pd.DataFrame:
    history = history_frame(HISTORY_DAYS, seed=8).tail(2).copy()
    history.loc[history.index[0], "aht_seconds"] += 5
    return pd.concat([history, frame])


def _history_closed(frame: pd.DataFrame) -> pd.DataFrame:
    before_opening = frame.head(1).assign(interval_start=pd.Timestamp("2026-02-14T07:00"))
    return pd.concat([before_opening, frame])


# (name of the defect, make the actuals, --start, --days, message) — the message is all of stderr
# after "wfm: error: <file>, ".
BAD = [
    (
        "unknown_queue",
        lambda: _queue(later_days("2026-02-16")),
        "2026-02-16",
        2,
        "row 4, column 'queue': queue 'chat' is not in the history — the history's queues: q",
    ),
    (
        "off_grid",
        lambda: _off_grid(later_days("2026-02-16")),
        "2026-02-16",
        2,
        "row 3, column 'interval_start': 2026-02-16T09:30 is off the 60-minute grid of the history — "
        "interval starts must be multiples of 60 minutes after midnight",
    ),
    (
        "gap_inside_day",
        lambda: _gap(later_days("2026-02-16")),
        "2026-02-16",
        2,
        "row 3, column 'interval_start': mixed grids: rows 120 minutes apart for queue 'q' on 2026-02-16, "
        "but 60 minutes apart in the history — give the whole history at one interval length (60 minutes)",
    ),
    (
        "contacts_contradict_history",
        lambda: _other_contacts(later_days("2026-02-16")),
        "2026-02-16",
        2,
        None,  # contacts differ: checked below with the values
    ),
    (
        "aht_contradicts_history",
        lambda: _other_aht(later_days("2026-02-16")),
        "2026-02-16",
        2,
        None,
    ),
    (
        "open_where_history_closed",
        lambda: _history_closed(later_days("2026-02-16")),
        "2026-02-16",
        2,
        "row 2, column 'interval_start': contradicts the history for queue 'q' at 2026-02-14T07:00: the "
        "history has no row there (closed) — actuals may overlap the history only where they agree with it",
    ),
    (
        "end_before_start",
        lambda: later_days("2026-02-16"),
        "2026-02-17",
        2,
        "row 4, column 'interval_start': the actuals end on 2026-02-16, before --start 2026-02-17: nothing to "
        "re-forecast — start the forecast on 2026-02-16, the day now falls in",
    ),
    (
        "only_history_days",
        lambda: history_frame(HISTORY_DAYS, seed=8).iloc[-14:-12],
        "2026-02-16",
        2,
        "row 3, column 'interval_start': the actuals end on 2026-02-13, before --start 2026-02-16: nothing to "
        "re-forecast — the history already ends on 2026-02-14: give actuals of the days after it",
    ),
    (
        "after_the_forecast",
        lambda: later_days("2026-02-16", "2026-02-17"),
        "2026-02-16",
        1,
        "row 14, column 'interval_start': the actuals run to 2026-02-17, after the forecast's last day "
        "2026-02-16 — forecast up to the day of the last actual, or drop later rows",
    ),
    (
        "day_between_history_and_start",
        lambda: later_days("2026-02-16", "2026-02-17"),
        "2026-02-17",
        2,
        "row 2, column 'interval_start': 2026-02-16 is neither in the history (it ends on 2026-02-14) nor in "
        "the forecast (from 2026-02-17) — start the forecast on that day, or add the day to the history",
    ),
    (
        "start_after_start",
        lambda: later_days("2026-02-17"),
        "2026-02-16",
        2,
        "row 2, column 'interval_start': the actuals start on 2026-02-17, after --start 2026-02-16: the "
        "forecast's days before now need their actuals — export the actuals from 2026-02-16, or start the "
        "forecast on 2026-02-17",
    ),
]


@pytest.mark.parametrize(("defect", "make", "start", "days", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_actuals_exit_2_naming_file_row_and_column_and_write_nothing(
    history, tmp_path, defect, make, start, days, message
):
    actuals = write(tmp_path / f"{defect}.csv", make())
    out = tmp_path / "forecast.csv"
    result = run(*forecast_args(history, actuals, out, start, days))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    if message is not None:
        assert result.output == f"wfm: error: {actuals}, {message}\n"


def test_contradicting_values_name_both(history, tmp_path):
    contacts = write(tmp_path / "contacts.csv", _other_contacts(later_days("2026-02-16")))
    result = run(*forecast_args(history, contacts, tmp_path / "f.csv"))
    frame = history_frame(HISTORY_DAYS, seed=8).tail(1)
    was = frame["contacts"].iloc[0]
    assert result.output == (
        f"wfm: error: {contacts}, row 3, column 'contacts': contradicts the history for queue 'q' at "
        f"2026-02-14T19:00: contacts {was + 3:g} here, {was:g} in the history — actuals may overlap the "
        "history only where they agree with it\n"
    )
    aht = write(tmp_path / "aht.csv", _other_aht(later_days("2026-02-16")))
    result = run(*forecast_args(history, aht, tmp_path / "f.csv"))
    assert result.output == (
        f"wfm: error: {aht}, row 2, column 'aht_seconds': contradicts the history for queue 'q' at "
        "2026-02-14T18:00: AHT 245 s here, 240 s in the history — actuals may overlap the history only "
        "where they agree with it\n"
    )


def test_empty_actuals_and_backtest_with_actuals_are_refused(history, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("interval_start,queue,contacts,aht_seconds\n")
    result = run(*forecast_args(history, empty, tmp_path / "f.csv"))
    assert result.exit_code == 2
    assert result.output == f"wfm: error: {empty}: no rows: the actuals need at least one interval\n"
    result = run(history, "--backtest-weeks", "2", "--actuals", empty)
    assert result.exit_code == 2
    assert result.output == "wfm: error: --actuals not used with --backtest-weeks\n"


def test_actuals_option_is_documented():
    result = CliRunner().invoke(app, ["forecast", "--help"])
    assert result.exit_code == 0 and "--actuals" in result.output
    docs = (Path(__file__).parents[1] / "docs" / "forecast.md").read_text(encoding="utf-8")
    assert "--actuals" in docs and "source" in docs
