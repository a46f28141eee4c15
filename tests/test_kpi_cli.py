"""`wfm kpi`: exit codes, exact messages, written files and their columns, the contract table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

FIX = Path(__file__).parent / "fixtures" / "kpi"
runner = CliRunner()

CONTACT_COLUMNS = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_t",
    "service_level",
    "service_level_arrived",
    "service_level_answered",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "fcr_rate",
]
AGENT_COLUMNS = [
    "logged_in_hours",
    "occupancy",
    "productive_share",
    "shrinkage",
    "shrinkage_break",
    "shrinkage_lunch",
    "shrinkage_training",
    "scheduled_hours",
    "adherence",
    "conformance",
]


def kpi(*args: str):
    return runner.invoke(app, ["kpi", *map(str, args)])


def full_args(out: Path) -> list[str]:
    return [
        str(FIX / "contacts.csv"),
        "--states",
        str(FIX / "states.csv"),
        "--roster",
        str(FIX / "roster.csv"),
        "--scenario",
        str(FIX / "scenario.toml"),
        "--out",
        str(out),
    ]


def test_full_run_writes_every_file(tmp_path):
    out = tmp_path / "kpi"
    result = kpi(*full_args(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"wfm kpi: 6 files → {out}"
    assert "contract: 5 of 8 targets met" in result.output
    assert "  fail: 2026-03 service_level 0.5714 (target >= 0.8)" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "kpi_interval.csv",
            "kpi_daily.csv",
            "kpi_monthly.csv",
            "kpi_agents.csv",
            "kpi_contract.csv",
            "kpi.html",
        ]
    )
    monthly = pd.read_csv(out / "kpi_monthly.csv")
    assert list(monthly.columns) == ["month", "queue", *CONTACT_COLUMNS, *AGENT_COLUMNS]
    assert list(pd.read_csv(out / "kpi_interval.csv").columns)[:2] == ["interval_start", "queue"]
    assert list(pd.read_csv(out / "kpi_daily.csv").columns)[:2] == ["date", "queue"]
    agents = pd.read_csv(out / "kpi_agents.csv")
    assert list(agents["agent_id"]) == ["a1", "a2", "a3", "all"]
    assert list(agents.columns[:6]) == [
        "agent_id",
        "handled",
        "aht_seconds",
        "talk_seconds",
        "hold_seconds",
        "acw_seconds",
    ]
    total = monthly[monthly["queue"] == "all"].iloc[0]
    assert total["service_level"] == pytest.approx(4 / 7) and total["adherence"] == pytest.approx(0.75)


def test_contract_table(tmp_path):
    assert kpi(*full_args(tmp_path)).exit_code == 0
    table = pd.read_csv(tmp_path / "kpi_contract.csv")
    assert list(table.columns) == ["month", "measure", "comparison", "target", "actual", "result"]
    results = dict(zip(table["measure"], table["result"], strict=True))
    assert results == {
        "service_level": "fail",
        "abandon_rate": "fail",
        "asa_seconds": "fail",
        "aht_seconds": "pass",
        "fcr_rate": "pass",
        "occupancy": "pass",
        "adherence": "pass",
        "delivered_hours": "pass",
    }


def test_contract_hours_tolerance(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text("[contract]\ncontracted_hours = 8\nhours_tolerance = 0.05\n", encoding="utf-8")
    args = [
        FIX / "contacts.csv",
        "--states",
        FIX / "states.csv",
        "--scenario",
        scenario,
        "--out",
        tmp_path / "o",
    ]
    assert kpi(*args).exit_code == 0
    row = pd.read_csv(tmp_path / "o" / "kpi_contract.csv").iloc[0]
    # delivered 7.5 h against 8 h less 5 % = 7.6 h
    assert (row["measure"], row["target"], row["actual"], row["result"]) == (
        "delivered_hours",
        7.6,
        7.5,
        "fail",
    )


def test_kpi_html_is_self_contained(tmp_path):
    assert kpi(*full_args(tmp_path)).exit_code == 0
    page = (tmp_path / "kpi.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 1
    assert '<td class="text fail">fail</td>' in page


def test_contacts_only(tmp_path):
    result = kpi(FIX / "contacts.csv", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    monthly = pd.read_csv(tmp_path / "kpi_monthly.csv")
    assert list(monthly.columns) == ["month", "queue", *CONTACT_COLUMNS]
    assert not (tmp_path / "kpi_contract.csv").exists()
    assert "SL 20s" in result.output


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "contacts_answered_before_arrival.csv",
            "row 3, column 'answered_at': answered before it arrived (answered_at < arrived_at)",
        ),
        ("contacts_missing_columns.csv", "row 1: missing column(s): ended_at, agent_id"),
        ("contacts_negative_talk_seconds.csv", "row 3, column 'talk_seconds': must be ≥ 0, got -5"),
    ],
)
def test_bad_contact_log_exits_2_and_writes_nothing(tmp_path, name, message):
    out = tmp_path / "out"
    result = kpi(FIX / name, "--out", out)
    assert result.exit_code == 2
    assert result.output.startswith(f"wfm: error: {FIX / name}, {message}")
    assert not out.exists()


def test_bad_state_log_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = kpi(FIX / "contacts.csv", "--states", FIX / "states_overlapping_states.csv", "--out", out)
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {FIX / 'states_overlapping_states.csv'}, row 4, column 'start': "
        "state overlaps the previous state of agent a1 (row 2)\n"
    )
    assert not out.exists()


def test_unknown_agent_in_state_log(tmp_path):
    result = kpi(
        FIX / "contacts.csv",
        "--states",
        FIX / "states_unknown_agent.csv",
        "--roster",
        FIX / "roster.csv",
        "--out",
        tmp_path / "o",
    )
    assert result.exit_code == 2
    assert f"{FIX / 'states_unknown_agent.csv'}, row 3, column 'agent_id': agent is not in the roster" in result.output


def test_missing_file(tmp_path):
    result = kpi(tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.output == f"wfm: error: {tmp_path / 'nope.csv'}: contact log file not found\n"


def test_option_contradicting_contract(tmp_path):
    result = kpi(*full_args(tmp_path), "--answer-time-s", "30")
    assert result.exit_code == 2
    assert result.output == (
        f"wfm: error: {FIX / 'scenario.toml'}: --answer-time-s 30 contradicts [contract] "
        "answer_time_s = 20 — drop --answer-time-s or change the contract\n"
    )


def test_contract_answer_time_is_used(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text("[contract]\nanswer_time_s = 30\nservice_level = 0.8\n", encoding="utf-8")
    result = kpi(FIX / "contacts.csv", "--scenario", scenario, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "SL 30s" in result.output
    monthly = pd.read_csv(tmp_path / "o" / "kpi_monthly.csv")
    assert monthly.loc[monthly["queue"] == "all", "answered_within_t"].item() == 5


def test_roster_without_states(tmp_path):
    result = kpi(FIX / "contacts.csv", "--roster", FIX / "roster.csv", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.output == "wfm: error: a roster needs an agent state log to measure adherence — pass --states\n"


def test_contract_needing_states(tmp_path):
    result = kpi(FIX / "contacts.csv", "--scenario", FIX / "scenario.toml", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "the contract has agent targets (occupancy, adherence or hours) but no state log" in result.output
    assert result.output.rstrip().endswith("— pass --states")


def test_bad_contract_key(tmp_path):
    result = kpi(FIX / "contacts.csv", "--scenario", FIX / "scenario_unknown_contract_key.toml", "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(
        f"wfm: error: {FIX / 'scenario_unknown_contract_key.toml'}: unknown key 'contract.max_abandon' — "
        "[contract] keys: service_level, answer_time_s,"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval-min", "7"], "wfm: error: interval must be one of 5, 10, 15, 30, 60 minutes, got 7\n"),
        (["--short-abandon-s", "-1"], "wfm: error: short-abandon time must be ≥ 0 s, got -1\n"),
    ],
)
def test_bad_options(tmp_path, args, message):
    result = kpi(FIX / "contacts.csv", "--out", tmp_path / "o", *args)
    assert result.exit_code == 2
    assert result.output == message


def test_out_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = kpi(FIX / "contacts.csv", "--out", target)
    assert result.exit_code == 2
    assert result.output.startswith(f"wfm: error: {target}: the output exists and is not a folder")


def test_rerun_keeps_other_files_and_replaces_outputs(tmp_path):
    assert kpi(*full_args(tmp_path)).exit_code == 0
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")  # kept in a folder that holds a kpi result
    assert kpi(FIX / "contacts.csv", "--out", tmp_path, "--answer-time-s", "0").exit_code == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    monthly = pd.read_csv(tmp_path / "kpi_monthly.csv")
    assert "adherence" not in monthly and (monthly["answered_within_t"] == 0).all()
    assert not (tmp_path / "kpi_contract.csv").exists()  # stale: it judged the earlier run
    assert not list(tmp_path.glob(".*tmp"))
