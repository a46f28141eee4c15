"""`wfm forecast`: exit codes, messages, and files written only on success."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.forecast_synthetic import history_frame, write_history

FIXTURES = Path(__file__).parent / "fixtures" / "forecast"


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.csv"
    write_history(path, history_frame(6 * 7, seed=8))  # 2026-01-05 … 2026-02-14 (Saturday)
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["forecast", *map(str, args)])


def test_forecast_writes_the_file_and_summarises(history, tmp_path):
    out = tmp_path / "forecast.csv"
    result = run(
        history,
        "--start",
        "2026-02-16",
        "--days",
        "7",
        "--out",
        out,
        "--method",
        "profile",
        "--quantile",
        "0.9",
        "--interval-min",
        "30",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wfm forecast: 7 days from 2026-02-16, 144 open intervals → {out}\n")
    assert "profile" in result.output and "contacts_p90" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["interval_start", "queue", "contacts", "aht_seconds", "contacts_p90"]
    assert len(table) == 144 and table["interval_start"].iloc[1] == "2026-02-16T08:30"


def test_backtest_writes_metrics_per_window_and_pooled(history, tmp_path):
    out = tmp_path / "backtest.csv"
    result = run(history, "--backtest-weeks", "2", "--out", out, "--method", "profile")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wfm forecast: backtest, 2 window(s) of 7 days → {out}\n")
    table = pd.read_csv(out)
    assert set(table["method"]) == {"seasonal-naive", "profile"}
    assert sorted(set(table["cutoff"])) == ["2026-01-31", "2026-02-07", "all"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--days", "7", "--out", "x.csv"),
            "wfm: error: missing option(s): --start — or give --backtest-weeks W",
        ),
        (
            ("--start", "2026-02-16", "--days", "7", "--out", "x.csv", "--method", "prophet"),
            "unknown method 'prophet'",
        ),
        (
            ("--start", "2026-02-10", "--days", "7", "--out", "x.csv"),
            "--start 2026-02-10 is not after the history",
        ),
        (("--backtest-weeks", "2", "--start", "2026-02-16"), "--start not used with --backtest-weeks"),
        (
            ("--backtest-weeks", "9"),
            "history too short for a backtest of method 'seasonal-naive' over 9 window(s) of 7 days: "
            "needs at least 70 days per queue; 'q' has 41",
        ),
    ],
)
def test_bad_options_exit_2_with_one_message(history, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(history, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_broken_history_exits_2_naming_file_row_and_column(tmp_path):
    broken = FIXTURES / "negative_contacts.csv"
    out = tmp_path / "forecast.csv"
    result = run(broken, "--start", "2026-06-10", "--days", "7", "--out", out)
    assert result.exit_code == 2
    assert result.output == f"wfm: error: {broken}, row 3, column 'contacts': must be ≥ 0, got -3\n"
    assert not out.exists()


def test_forecast_command_is_documented():
    result = CliRunner().invoke(app, ["forecast", "--help"])
    assert result.exit_code == 0
    for option in (
        "--start",
        "--days",
        "--out",
        "--method",
        "--interval-min",
        "--country",
        "--special-days",
        "--quantile",
        "--chart",
        "--backtest-weeks",
    ):
        assert option in result.output
