"""`wfm report`: one self-contained HTML page with every chart embedded, PNGs that decode, the chosen
day, the Gantt scope, the rule-violation table, and exit codes with exact messages."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from cli import app
from tests.report_fixture import make_schedule_output
from wfm.report import write_report

runner = CliRunner()
DATA_URI = re.compile(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = make_schedule_output(
        tmp_path_factory.mktemp("sched") / "out",
        violations=[
            {
                "agent_id": "A001",
                "date": "2026-03-03",
                "rule": "min_rest",
                "detail": "rest 10 h < 11 h <script>alert(1)</script>",
            }
        ],
    )
    files = write_report(folder)
    return folder, files, (folder / "report.html").read_text(encoding="utf-8")


def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def test_html_is_self_contained(built):
    _, _, page = built
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page  # the violation detail is escaped, and the page has no script
    assert "&lt;script&gt;" in page
    assert "<link" not in page and "@import" not in page


def test_one_embedded_image_per_chart_and_they_decode(built):
    folder, files, page = built
    names = sorted(p.name for p in files.images)
    assert names == sorted(
        [
            "report_gap_sales.png",
            "report_gap_support.png",
            "report_day.png",
            "report_roster.png",
            "report_service_level.png",
            "report_hours.png",
        ]
    )
    embedded = [base64.b64decode(m) for m in DATA_URI.findall(page)]
    assert len(embedded) == len(names)
    on_disk = {(folder / n).read_bytes() for n in names}
    assert set(embedded) == on_disk
    for png in embedded:
        pixels = decode(png)
        assert pixels.shape[0] > 100 and pixels.shape[1] > 500
        assert (pixels != pixels[0, 0]).any(axis=2).mean() > 0.02  # not blank: drawn beyond the background


def test_default_day_is_the_most_under_staffed(built):
    _, files, page = built
    assert files.day == dt.date(2026, 3, 3)  # the fixture requires 3 agents 10:00–12:00 that day only
    assert "Required vs scheduled on Tuesday 2026-03-03" in page


def test_violation_table_and_key_figures(built):
    _, _, page = built
    assert "Rule violations (1)" in page
    assert '<td class="text">A001</td><td class="text">2026-03-03</td><td class="text">min_rest</td>' in page
    assert "144 / 200" in page  # hours used / budget
    assert "Roster: all 6 agents, 3 day(s)." in page
    assert "weekend_shifts" in page and "spread" in page


def test_chosen_day_and_gantt_of_one_day(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    result = runner.invoke(app, ["report", str(folder), "--day", "2026-03-04", "--max-agents", "4"])
    assert result.exit_code == 0, result.output
    assert result.output == f"wfm report: {folder / 'report.html'} (6 charts; day shown 2026-03-04)\n"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Roster on 2026-03-04: 4 of 6 agents working that day" in page
    assert "The checker found no rule violation." in page


def test_minimal_summary_and_stale_charts(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    (folder / "summary.json").write_text(json.dumps({"status": "feasible"}), encoding="utf-8")
    (folder / "report_gap_old_queue.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    files = write_report(folder)
    # no service level per day nor hours in the summary: those charts are left out, not invented
    assert sorted(p.name for p in files.images) == [
        "report_day.png",
        "report_gap_sales.png",
        "report_gap_support.png",
        "report_roster.png",
    ]
    assert sorted(p.name for p in folder.glob("report_*.png")) == sorted(p.name for p in files.images)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        (
            None,
            ["--day", "2026-04-01"],
            "wfm: error: --day 2026-04-01 is outside the schedule, which covers 2026-03-02 to 2026-03-04\n",
        ),
        (None, ["--day", "03/03/2026"], "wfm: error: --day expects a date YYYY-MM-DD, got '03/03/2026'\n"),
        (None, ["--max-agents", "0"], "wfm: error: --max-agents must be at least 1, got 0\n"),
        (
            "summary.json",
            [],
            "{folder}: summary.json is missing — run `wfm schedule ... --out` into it first\n",
        ),
        (
            '{"hours_used": "lots"}',
            [],
            "{folder}/summary.json: key 'hours_used': Input should be a valid number",
        ),
    ],
)
def test_errors_exit_2(tmp_path, change, args, message):
    folder = make_schedule_output(tmp_path / "o")
    if change == "summary.json":
        (folder / "summary.json").unlink()
    elif change is not None:
        (folder / "summary.json").write_text(change, encoding="utf-8")
    result = runner.invoke(app, ["report", str(folder), *args])
    assert result.exit_code == 2
    assert message.format(folder=folder) in result.output
    assert not (folder / "report.html").exists()


def test_missing_folder(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {tmp_path / 'nope'}: schedule output folder not found — "
        "pass the --out folder of `wfm schedule`\n"
    )


def test_negative_required_agents(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    coverage = pd.read_csv(folder / "coverage.csv", dtype=str, keep_default_na=False)
    coverage.loc[2, "required_agents"] = "-1"  # file row 4
    coverage.to_csv(folder / "coverage.csv", index=False)
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {folder / 'coverage.csv'}, row 4, column 'required_agents': must be ≥ 0, got -1\n"
    )
