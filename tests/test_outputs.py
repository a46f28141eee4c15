"""Every command that writes refuses an `--out` that would destroy or hide the user's files (exit 2,
nothing written, every file byte-identical after), and an unwritable one without a traceback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from wfm.atomic import atomic_directory, check_output
from wfm.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "tests" / "fixtures" / "pipeline"
CONTACTS = ROOT / "tests" / "fixtures" / "kpi" / "contacts.csv"
runner = CliRunner()


def campaign(tmp_path: Path) -> Path:
    """A planner's folder: the tiny scenario, its inputs, a forecast and a note of their own."""
    folder = tmp_path / "campaign"
    shutil.copytree(PIPELINE, folder)
    shutil.copyfile(ROOT / "data" / "forecast.csv", folder / "forecast.csv")
    (folder / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` (hidden ones too) with its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


Args = Callable[[Path, Path], list[str]]
FOLDER_COMMANDS: dict[str, Args] = {
    "schedule": lambda c, out: ["schedule", str(c / "scenario.toml"), "--out", str(out), "--quiet"],
    "run": lambda c, out: ["run", str(c / "scenario.toml"), "--out", str(out)],
    "batch": lambda c, out: ["batch", str(c / "scenario.toml"), "--out", str(out)],
    "kpi": lambda c, out: ["kpi", str(CONTACTS), "--out", str(out)],
    "report": lambda c, out: ["report", str(out)],
}
FILE_COMMANDS: dict[str, Args] = {
    "requirements": lambda c, out: ["requirements", str(c / "forecast.csv"), "--out", str(out)],
    "forecast": lambda c, out: [
        "forecast",
        str(c / "history.csv"),
        "--start",
        "2026-03-02",
        "--days",
        "7",
        "--out",
        str(out),
    ],
    "forecast-chart": lambda c, out: [
        "forecast",
        str(c / "history.csv"),
        "--start",
        "2026-03-02",
        "--days",
        "7",
        "--out",
        str(c.parent / "f.csv"),
        "--chart",
        str(out),
    ],
    "backtest": lambda c, out: ["forecast", str(c / "history.csv"), "--backtest-weeks", "1", "--out", str(out)],
}


def refused(args: list[str], folder: Path, tmp_path: Path) -> str:
    """Run `args`; assert exit 2, no traceback, `folder` unchanged and nothing new beside it."""
    before, around = snapshot(folder), sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.startswith("wfm: error: ")
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == around
    return result.output


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_a_folder_of_the_users_is_refused_and_left_intact(command, tmp_path):
    c = campaign(tmp_path)
    output = refused(FOLDER_COMMANDS[command](c, c), c, tmp_path)
    if command != "report":  # report reads OUTDIR's summary.json first: "not a wfm result"
        assert f"{c}: the output folder is not empty and holds no wfm result" in output


def test_schedule_out_dot_keeps_the_scenario_and_its_inputs(tmp_path, monkeypatch):
    c = campaign(tmp_path)
    monkeypatch.chdir(c)
    output = refused(["schedule", "scenario.toml", "--out", ".", "--quiet"], c, tmp_path)
    assert "wfm refuses to replace or write into it — give --out a new or empty folder" in output


@pytest.mark.parametrize("command", sorted(set(FOLDER_COMMANDS) - {"report"}))
def test_a_file_where_a_folder_is_written_is_refused(command, tmp_path):
    c = campaign(tmp_path)
    output = refused(FOLDER_COMMANDS[command](c, c / "notes.txt"), c, tmp_path)
    assert output.startswith(f"wfm: error: {c / 'notes.txt'}: the output exists and is not a folder")


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_folder_where_a_file_is_written_is_refused(command, tmp_path):
    c = campaign(tmp_path)
    output = refused(FILE_COMMANDS[command](c, c), c, tmp_path)
    assert output.startswith(f"wfm: error: {c}: the output is a folder, but a file is written here")


def _read_only_place() -> Path | None:
    """A path in a file system even root cannot write (Linux sysfs), or None."""
    place = Path("/sys/wfm-no-such-output")
    try:
        fd = os.open(place.parent / ".wfm-probe", os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError:
        return place
    os.close(fd)
    os.unlink(place.parent / ".wfm-probe")
    return None


@pytest.mark.parametrize("command", sorted({**FOLDER_COMMANDS, **FILE_COMMANDS}.keys() - {"report"}))
def test_an_unwritable_out_is_exit_2_with_a_message(command, tmp_path):
    place = _read_only_place()
    if place is None:
        pytest.skip("no read-only file system to write to")
    c = campaign(tmp_path)
    args = {**FOLDER_COMMANDS, **FILE_COMMANDS}[command](c, place)
    output = refused(args, c, tmp_path)
    assert "cannot write here" in output


def test_atomic_directory_never_replaces_a_users_folder_or_file(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("a", encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("n", encoding="utf-8")
    for target in (mine, note):
        with pytest.raises(InputError), atomic_directory(target) as work:
            (work / "summary.json").write_text("{}", encoding="utf-8")
    assert (mine / "a.txt").read_text(encoding="utf-8") == "a" and note.read_text(encoding="utf-8") == "n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "note.txt"]  # no .NAME.new-* left


def test_check_output_accepts_new_empty_and_previous_results(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "result").mkdir()
    (tmp_path / "result" / "summary.json").write_text("{}", encoding="utf-8")
    for name in ("new", "empty", "result", "new/deeper"):
        assert check_output(tmp_path / name, "folder") == tmp_path / name
    assert check_output(tmp_path / "new.csv", "file") == tmp_path / "new.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "result"]  # the probe is gone


def test_batch_accepts_a_folder_of_run_results(tmp_path):
    out = tmp_path / "out"
    (out / "campaign-a").mkdir(parents=True)
    (out / "campaign-a" / "summary.json").write_text("{}", encoding="utf-8")
    (out / "campaign-a.failed.log").write_text("", encoding="utf-8")
    assert check_output(out, "folder", markers=("campaigns.csv",), results_inside=True) == out
    (out / "mine.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="holds no wfm result"):
        check_output(out, "folder", markers=("campaigns.csv",), results_inside=True)
