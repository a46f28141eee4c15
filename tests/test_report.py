"""`wfm report`: one self-contained HTML page with inline SVG charts, the campaign's name, alerts with
what to do, per-queue figures, open-hours heatmaps on one colour scale, the month view, the chosen
day, the Gantt scope, the rule-violation table, and exit codes with exact messages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.report_fixture import make_schedule_output
from wfm.render.html import number, percent
from wfm.report import write_report
from wfm.report.alerts import day_runs, day_span
from wfm.report.svg import diverging_color

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = {"name": "Campaña ES — junio 2027", "service_level_target": 0.8, "queue_service_level_targets": {}}
LEVELS = {"2026-03-02": 0.85, "2026-03-03": 0.72, "2026-03-04": 0.7}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = make_schedule_output(
        tmp_path_factory.mktemp("sched") / ".out.new-feim638c",  # a staging folder, as `wfm run` writes into
        violations=[
            {
                "agent_id": "A001",
                "date": "2026-03-03",
                "rule": "min_rest",
                "detail": "rest 10 h < 11 h <script>alert(1)</script>",
            }
        ],
        summary={
            "campaign": CAMPAIGN,
            "service_level_by_day": LEVELS,
            "objective": 13056.8,
            "frontier": {"target_hours": 230.0},
        },
    )
    files = write_report(folder)
    return folder, files, (folder / "report.html").read_text(encoding="utf-8")


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.DOTALL)
    assert match, f"no section {anchor}"
    return match.group(1)


def test_html_is_self_contained(built):
    _, _, page = built
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert page.count("<script") == 1 and "<script>" in page  # the inline sorting script only, no src
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<link" not in page and "@import" not in page and "<img" not in page


def test_charts_are_inline_svg_and_no_png_is_written(built):
    folder, files, page = built
    assert files.images == () and not list(folder.glob("report_*.png"))
    kinds = re.findall(r'<svg class="chart ([a-z-]+)"', page)
    assert sorted(kinds) == sorted(
        ["service-level", "hours", "heat-scale", "heatmap", "heatmap", "day", "day", "gantt"]
    )
    assert files.charts == 7  # service level, hours, two heatmaps, the day of each queue, the Gantt


def test_header_names_the_campaign_not_the_folder(built):
    _, _, page = built
    assert "<h1>Campaña ES — junio 2027</h1>" in page and "<title>Campaña ES — junio 2027</title>" in page
    assert "feim638c" not in page


def test_alerts_come_first_with_what_to_do(built):
    _, _, page = built
    alerts = section(page, "alerts")
    assert page.index('id="alerts"') < page.index('id="key-figures"')
    assert '<li class="bad"><div class="what">3–4 Mar 2026 at 70–72% service level (target 80%).</div>' in alerts
    assert "Add agent-hours on these days" in alerts
    assert "1 rule violation(s) in the roster (min_rest)." in alerts and "Do not publish this roster" in alerts
    # the worst interval: support needs 5 at 14:00 on Tuesday and has 3
    assert "Worst intervals: Tue 03 Mar 14:00–14:15 support 2 short (3 of 5);" in alerts
    assert "56.0 h of the budget unused (144.0 of 200.0 h) while 3.5 agent-h are under-staffed." in alerts
    assert "The service-level target needs about 230.0 h: 30.0 h more than the budget of 200.0 h." in alerts


def test_service_level_chart_has_the_target_line_and_red_bars_below_it(built):
    _, _, page = built
    chart = section(page, "service-level")
    assert re.search(r'<line class="target" data-value="0.8"', chart)
    bars = re.findall(r'<rect class="bar" data-label="([^"]+)" data-value="([^"]+)"[^>]*fill="(#[0-9a-f]+)"', chart)
    assert [(label, float(v), fill) for label, v, fill in bars] == [
        ("Mon 02", 0.85, "#0b8a8a"),
        ("Tue 03", 0.72, "#c62828"),
        ("Wed 04", 0.7, "#c62828"),
    ]
    hours = section(page, "hours")
    assert re.findall(r'data-label="([^"]+)" data-value="([^"]+)"', hours) == [
        ("hours used", "144"),
        ("budget", "200"),
        ("hours the target needs", "230"),
    ]


def test_numbers_are_for_people(built):
    _, _, page = built
    assert "13,056.8" in page and not re.search(r"\de[+-]\d", page)
    assert number(13056.8) == "13,056.8" and number(float("inf")) == "∞" and number(None) == "—"
    assert percent(0.2634) == "26.3%" and percent(float("nan")) == "—"


def test_queue_table(built):
    _, _, page = built
    queues = section(page, "queues")
    head = re.findall(r"<th[^>]*>([^<]+)</th>", queues)
    assert head == [
        "queue",
        "contacts",
        "service level",
        "target",
        "ASA s",
        "occupancy",
        "abandoned",
        "overloaded intervals",
        "required agent-h",
        "scheduled agent-h",
        "under-staffed agent-h",
    ]
    # support: 8 open hours × 3 days × 2 agents + 1 extra hour on day 2 + 3 more agents at 14:00 → 50.75 h
    assert re.search(
        r'<td class="text">support</td><td class="text">960</td><td class="text">80.0%</td>'
        r'<td class="text">80%</td><td class="text">12.5</td><td class="text">75.0%</td>'
        r'<td class="text">2.0%</td><td class="text">0</td><td class="text">50.8</td>',
        queues,
    )


def test_heatmaps_span_open_hours_on_one_colour_scale(built):
    _, _, page = built
    heat = section(page, "heatmaps")
    hours = re.findall(r'font-size="9">(\d\d:00)</text>', heat)
    assert hours[0] == "08:00" and "07:00" not in hours and "16:00" not in hours  # open 08:00–16:00
    # one scale: support's −2 (14:00 Tuesday) is the deepest red; sales' −1 is half as deep in both maps
    assert "agents: -2 (short)" in heat
    maps = "".join(re.findall(r'<svg class="chart heatmap".*?</svg>', heat, re.DOTALL))
    assert maps.count(f'fill="{diverging_color(-2, 2)}"') == 1 and diverging_color(-2, 2) == "#c62828"
    assert f'fill="{diverging_color(-1, 2)}"><title>Tue 2026-03-03 11:00: -1 agents' in heat
    cells = re.findall(r"<title>([A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d): ", heat)
    assert len(cells) == 2 * 3 * 32  # 2 queues × 3 days × 32 quarter-hours from 08:00 to 15:45


def test_month_view_has_a_row_per_agent_with_names_and_shifts(built):
    _, _, page = built
    month = section(page, "month")
    assert '<table class="month sortable">' in month
    rows = re.findall(r"<tr><td class=\"name\">([^<]+)</td><td class=\"text\">([^<]+)</td>", month)
    assert rows == [(f"Agent Name {a}", f"A{a:03d}") for a in range(6)]
    assert month.count(">08:00–16:00</td>") == 18
    assert 'title="support · lunch 11:30–12:00">08:00–16:00' in month


def test_fairness_table_has_readable_labels(built):
    _, _, page = built
    fairness = section(page, "fairness")
    assert re.findall(r"<th[^>]*>([^<]+)</th>", fairness) == ["figure", "fewest", "most", "spread (most − fewest)"]
    assert "weekend shifts" in fairness and "paid hours per agent" in fairness and "weekend_shifts" not in fairness


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


def test_day_runs_and_spans():
    days = [dt.date(2027, 6, d) for d in (28, 29, 30)] + [dt.date(2027, 7, 2), dt.date(2027, 6, 5)]
    runs = day_runs(days)
    assert [day_span(r) for r in runs] == ["5 Jun 2027", "28–30 Jun 2027", "2 Jul 2027"]
    assert day_span([dt.date(2027, 6, 30), dt.date(2027, 7, 1)]) == "30 Jun–1 Jul 2027"


def test_old_roster_layout_and_no_campaign(tmp_path):
    folder = make_schedule_output(tmp_path / "out", layout="numbered")
    files = write_report(folder)
    page = files.html.read_text(encoding="utf-8")
    assert "<h1>Schedule report: out</h1>" in page  # no campaign: the folder's name
    assert "no target known: pass --scenario." in page and 'class="target"' not in page
    month = section(page, "month")
    assert '<td class="name">A000</td>' in month  # no name column: the id
    assert 'title="sales · break1 11:00–11:30"' in month


def test_scenario_option_gives_the_campaign(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    result = runner.invoke(app, ["report", str(folder), "--scenario", str(ROOT / "data" / "scenario.toml")])
    assert result.exit_code == 0, result.output
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h1>Campaña ES — junio 2027</h1>" in page
    assert re.search(r'<line class="target" data-value="0.8"', page)


def test_chosen_day_and_gantt_of_one_day(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    result = runner.invoke(app, ["report", str(folder), "--day", "2026-03-04", "--max-agents", "4"])
    assert result.exit_code == 0, result.output
    assert result.output == f"wfm report: {folder / 'report.html'} (7 charts; day shown 2026-03-04)\n"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Roster on 2026-03-04: 4 of 6 agents working that day" in page
    assert "The checker found no rule violation." in page


def test_minimal_summary_and_stale_charts(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    (folder / "summary.json").write_text(json.dumps({"status": "feasible"}), encoding="utf-8")
    (folder / "report_gap_old_queue.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    files = write_report(folder)
    page = files.html.read_text(encoding="utf-8")
    # no service level per day nor hours in the summary: those charts are left out, not invented
    assert 'id="service-level"' not in page and 'id="hours"' not in page
    assert files.charts == 5  # two heatmaps, the day of each queue, the Gantt
    assert not list(folder.glob("report_*.png"))  # the PNG report's files are removed
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
        f"wfm: error: {tmp_path / 'nope'}: schedule output folder not found — pass the --out folder of `wfm schedule`\n"
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


def test_campaign_of_the_bundled_scenario_and_of_one_without_time_zone(tmp_path):
    from wfm.campaign import campaign_of
    from wfm.scenario import load_scenario

    c = campaign_of(load_scenario(ROOT / "data" / "scenario.toml"), ["voice_es", "chat_es"])
    assert (c.name, c.time_zone, c.service_level_target, c.answer_time_s) == (
        "Campaña ES — junio 2027",
        "Europe/Madrid",
        0.8,
        20.0,
    )
    assert c.queue_service_level_targets == {"chat_es": 0.8, "voice_es": 0.8}
    assert c.operating_hours["sunday"] == "closed" and c.target_for("other") == 0.8
    text = (ROOT / "data" / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('time_zone = "Europe/Madrid"\n', "").replace('name = "Campaña ES — junio 2027"\n', "")
    (tmp_path / "s.toml").write_text(text.replace('"forecast.csv"', f'"{ROOT / "data" / "forecast.csv"}"'))
    bare = campaign_of(load_scenario(tmp_path / "s.toml"))
    assert bare.time_zone is None and bare.name is None  # floating calendars; the header names the folder


def test_coverage_measures_accept_inf_and_name_a_bad_cell(tmp_path):
    folder = make_schedule_output(tmp_path / "o")
    coverage = pd.read_csv(folder / "coverage.csv", dtype=str, keep_default_na=False)
    assert coverage.loc[32, ["interval_start", "queue"]].tolist() == ["2026-03-02T08:00", "sales"]
    coverage.loc[32, ["scheduled_agents", "asa_seconds"]] = ["0", "inf"]  # no agent: ASA is infinite
    coverage.to_csv(folder / "coverage.csv", index=False)
    queues = section(write_report(folder).html.read_text(encoding="utf-8"), "queues")
    # ASA over the intervals where it is finite (12.5 s everywhere else), the overloaded one counted apart
    assert re.search(
        r'<td class="text">sales</td>(<td class="text">[^<]*</td>){3}<td class="text">12.5</td>'
        r'(<td class="text">[^<]*</td>){2}<td class="text">1</td>',
        queues,
    )
    coverage.loc[41, "occupancy"] = "1.5"  # file row 43
    coverage.to_csv(folder / "coverage.csv", index=False)
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {folder / 'coverage.csv'}, row 43, column 'occupancy': a number ≥ 0 and ≤ 1 expected, got '1.5'\n"
    )


def test_many_runs_of_days_below_target_list_the_worst_first(tmp_path):
    from wfm.report.alerts import _days_below

    levels = {
        f"2027-06-{d:02d}": v
        for d, v in {28: 0.30, 29: 0.26, 30: 0.32, 1: 0.76, 3: 0.51, 4: 0.67, 7: 0.70, 9: 0.72, 10: 0.85}.items()
    }
    alerts = _days_below(levels, 0.8)
    assert [a.what for a in alerts] == [
        "28–30 Jun 2027 at 26–32% service level (target 80%).",
        "3–4 Jun 2027 at 51–67% service level (target 80%).",
        "7 Jun 2027 at 70% service level (target 80%).",
        "2 more day(s) below the target: 1 Jun 2027 (76%), 9 Jun 2027 (72%).",
    ]


def test_the_speed_benchmarks_month_renders(tmp_path):
    from benchmarks.bench_report import generate_output

    folder = generate_output(tmp_path / "g", agents=30, days=10)
    page = write_report(folder).html.read_text(encoding="utf-8")
    assert len(re.findall(r'<td class="name">Agent \d{4}</td>', page)) == 30
    assert page.count('<svg class="chart heatmap"') == 4
