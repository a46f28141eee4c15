"""Spanish Excel CSV (`;` separators, decimal commas, day-first dates) reads as wfm's own files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from wfm.agents import read_agents
from wfm.errors import InputError
from wfm.requirements import read_forecast
from wfm.tables import COMMA, SEMICOLON, sniff_dialect

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def as_spanish_excel(source: Path, target: Path) -> Path:
    """`source` as Excel in Spanish saves it: `;`, decimal commas, dates as 01/06/2027 8:00."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    for column in frame.columns:
        stamps = pd.to_datetime(frame[column], format="ISO8601", errors="coerce")
        if stamps.notna().all() and frame[column].str.contains("T").all():
            frame[column] = [f"{s.day:02d}/{s.month:02d}/{s.year} {s.hour}:{s.minute:02d}" for s in stamps]
        else:
            frame[column] = frame[column].str.replace(".", ",", regex=False)
    target.write_text(frame.to_csv(sep=";", index=False), encoding="utf-8-sig")
    return target


def test_the_dialect_is_sniffed_from_the_header():
    assert sniff_dialect("interval_start;queue;contacts\r\n") is SEMICOLON
    assert sniff_dialect("interval_start,queue,contacts\n") is COMMA


def test_a_spanish_forecast_reads_as_the_original(tmp_path):
    spanish = as_spanish_excel(ROOT / "data" / "forecast.csv", tmp_path / "forecast.csv")
    assert "01/06/2027 8:00;chat_es;9,1" in spanish.read_text(encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_forecast(spanish), read_forecast(ROOT / "data" / "forecast.csv"))


def test_requirements_from_a_spanish_forecast_are_byte_identical(tmp_path):
    spanish = as_spanish_excel(ROOT / "data" / "forecast.csv", tmp_path / "forecast_es.csv")
    for source, out in ((ROOT / "data" / "forecast.csv", "a.csv"), (spanish, "b.csv")):
        result = runner.invoke(
            app,
            [
                "requirements",
                str(source),
                "--out",
                str(tmp_path / out),
                "--scenario",
                str(ROOT / "data" / "scenario.toml"),
            ],
        )
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_spanish_agents_with_decimal_hours(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(
        "agent_id;name;skills;min_hours_week;max_hours_week;max_days_week\na1;Ana;voice_es;19,5;37,5;5\n",
        encoding="utf-8",
    )
    (agent,) = read_agents(path)
    assert (agent.min_hours_week, agent.max_hours_week) == (19.5, 37.5)


def test_a_tab_separated_file_is_named_as_such(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text("agent_id\tname\tmin_hours_week\n", encoding="utf-8")
    with pytest.raises(InputError, match="it looks tab-separated: save it as CSV"):
        read_agents(path)


def test_a_spanish_file_with_thousands_separators_names_how_it_was_read(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(
        "agent_id;name;skills;min_hours_week;max_hours_week;max_days_week\na1;Ana;voice_es;1.019,5;37,5;5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_agents(path)
    assert str(caught.value) == (
        f"{path}, row 2, column 'min_hours_week': a number expected, got '1.019,5' — the file was read as "
        "Excel's ';'-separated CSV with decimal commas and day-first dates (e.g. 1234,5 and 01/06/2027 8:00, "
        "no thousands separators)"
    )
