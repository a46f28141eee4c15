"""`wfm export`: calendars (ics), per-agent CSV and the planners' workbook read back with their own
libraries; time zones; determinism; the target folder's safety; exit codes with exact messages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.report_fixture import make_schedule_output
from wfm.export import export_result, file_stems
from wfm.kpi.readers import read_roster

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
MADRID = {"campaign": {"name": "Campaña ES — junio 2027", "time_zone": "Europe/Madrid"}}


def invoke(*args: str | Path):
    return runner.invoke(app, ["export", *map(str, args)])


def events(path: Path) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


def test_ics_one_calendar_per_agent_in_the_campaigns_time_zone(tmp_path):
    folder = make_schedule_output(tmp_path / "out", summary=MADRID)
    result = invoke(folder, "--to", tmp_path / "cal", "--format", "ics")
    assert result.exit_code == 0, result.output
    assert result.output == f"wfm export: 18 shifts of 6 agents → {tmp_path / 'cal'} (6 ics file(s))\n"
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == [f"A{a:03d}.ics" for a in range(6)] + ["export.json"]
    cal = icalendar.Calendar.from_ical((tmp_path / "cal" / "A001.ics").read_bytes())
    assert str(cal["X-WR-CALNAME"]) == "Campaña ES — junio 2027 — Agent Name 1"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Madrid"]
    first = events(tmp_path / "cal" / "A001.ics")[0]
    assert first.decoded("DTSTART") == dt.datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert first.decoded("DTEND") == dt.datetime(2026, 3, 2, 16, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert str(first["UID"]) == "A001-20260302T0800@wfm"
    assert str(first["SUMMARY"]) == "Shift support"
    assert str(first["DESCRIPTION"]) == "Queue: support\nPaid hours: 8.00\nBreaks:\n  lunch 11:30–12:00"
    assert len(events(tmp_path / "cal" / "A001.ics")) == 3


def test_ics_without_a_time_zone_is_floating_and_the_same_twice(tmp_path):
    folder = make_schedule_output(tmp_path / "out", layout="numbered")
    a = export_result(folder, tmp_path / "a", "ics")
    b = export_result(folder, tmp_path / "b", "ics")
    assert [p.read_bytes() for p in a.files] == [p.read_bytes() for p in b.files]  # same roster, same bytes
    cal = icalendar.Calendar.from_ical(a.files[0].read_bytes())
    assert not list(cal.walk("VTIMEZONE"))
    start = events(a.files[0])[0].decoded("DTSTART")
    assert start == dt.datetime(2026, 3, 2, 8, 0) and start.tzinfo is None
    assert b"DTSTART:20260302T080000\r\n" in a.files[0].read_bytes()  # floating, CRLF lines (RFC 5545)


def test_the_bundled_scenario_gives_the_time_zone(tmp_path):
    folder = make_schedule_output(tmp_path / "out")
    result = invoke(folder, "--to", tmp_path / "cal", "--format", "ics", "--scenario", ROOT / "data" / "scenario.toml")
    assert result.exit_code == 0, result.output
    assert "DTSTART;TZID=Europe/Madrid:20260302T080000" in (tmp_path / "cal" / "A000.ics").read_text()


def test_csv_files_hold_each_agents_roster_rows(tmp_path):
    folder = make_schedule_output(tmp_path / "out")
    result = export_result(folder, tmp_path / "csv", "csv")
    assert [p.name for p in result.files] == [f"A{a:03d}.csv" for a in range(6)]
    header = (folder / "roster.csv").read_text().splitlines()[0]
    rows = []
    for path in result.files:
        lines = path.read_text().splitlines()
        assert lines[0] == header
        rows += lines[1:]
    assert sorted(rows) == sorted((folder / "roster.csv").read_text().splitlines()[1:])
    back = pd.concat([read_roster(p) for p in result.files], ignore_index=True)
    assert len(back) == 18 and set(back["name"]) == {f"Agent Name {a}" for a in range(6)}


def test_xlsx_has_a_sheet_per_iso_week_agents_by_days(tmp_path):
    folder = make_schedule_output(tmp_path / "out", days=9, start="2026-03-05")  # Thu 5 to Fri 13 March
    result = export_result(folder, tmp_path / "xlsx", "xlsx")
    assert [p.name for p in result.files] == ["roster.xlsx"]
    wb = openpyxl.load_workbook(result.files[0])
    assert wb.sheetnames == ["2026-W10", "2026-W11"]
    first = [[c.value for c in row] for row in wb["2026-W10"].iter_rows()]
    assert first[0] == ["agent", "id", "paid h", "Thu 05 Mar", "Fri 06 Mar", "Sat 07 Mar", "Sun 08 Mar"]
    assert first[1] == ["Agent Name 0", "A000", 32, "08:00–16:00", "08:00–16:00", "08:00–16:00", "08:00–16:00"]
    assert len(first) == 7 and len(list(wb["2026-W11"].iter_rows())) == 7
    assert wb["2026-W11"]["D1"].value == "Mon 09 Mar" and wb["2026-W11"].max_column == 3 + 5


def test_file_stems_are_safe_and_unique():
    assert file_stems(["A1", "../etc", "a b", "A b", ".hidden", "x/y"]) == {
        "A1": "A1",
        "../etc": "_etc",
        "a b": "a_b",
        "A b": "A_b-2",
        ".hidden": "hidden",
        "x/y": "x_y",
    }


def test_an_earlier_export_is_replaced_whole(tmp_path):
    folder = make_schedule_output(tmp_path / "out")
    export_result(folder, tmp_path / "to", "csv")
    export_result(folder, tmp_path / "to", "xlsx")
    assert sorted(p.name for p in (tmp_path / "to").iterdir()) == ["export.json", "roster.xlsx"]
    marker = json.loads((tmp_path / "to" / "export.json").read_text())
    assert marker == {"agents": 6, "format": "xlsx", "shifts": 18, "source": str(folder.resolve())}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("format", "wfm: error: --format must be ics, csv or xlsx, got 'pdf'\n"),
        ("no-roster", "wfm: error: {folder}: roster.csv is missing — run `wfm schedule ... --out` into it first\n"),
        ("no-summary", "wfm: error: {folder}: summary.json is missing — run `wfm schedule ... --out` into it first\n"),
        ("to-file", "wfm: error: {to}: --to is a file, not a folder — give a new or empty folder\n"),
        (
            "to-other",
            "wfm: error: {to}: --to is a folder that holds other files (no export.json): an export replaces its "
            "folder whole, so it refuses to delete them — give a new or empty folder, or an earlier export's\n",
        ),
        (
            "time-zone",
            "wfm: error: {folder}/summary.json: unknown time zone 'Mars/Olympus' (campaign.time_zone; the "
            "scenario's horizon.time_zone) — use an IANA name such as Europe/Madrid\n",
        ),
        ("bad-roster", "wfm: error: {folder}/roster.csv, row 3, column 'shift_start': "),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, case, message):
    summary = {"campaign": {"time_zone": "Mars/Olympus"}} if case == "time-zone" else None
    folder = make_schedule_output(tmp_path / "out", summary=summary)
    to = tmp_path / "to"
    if case == "no-roster":
        (folder / "roster.csv").unlink()
    elif case == "no-summary":
        (folder / "summary.json").unlink()
    elif case == "to-file":
        to.write_text("mine")
    elif case == "to-other":
        to.mkdir()
        (to / "notes.txt").write_text("mine")
    elif case == "bad-roster":
        lines = (folder / "roster.csv").read_text().splitlines()
        lines[2] = lines[2].replace("2026-03-02T08:00", "8 o'clock", 1)
        (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = invoke(folder, "--to", to, "--format", "pdf" if case == "format" else "ics")
    assert result.exit_code == 2
    assert result.output.startswith(message.format(folder=folder, to=to))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, nothing removed
    if case == "to-other":
        assert (to / "notes.txt").read_text() == "mine"
