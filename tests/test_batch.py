"""`wfm batch`: campaign names, the exit-code rule, a local process pool where one broken campaign never
stops the others, and the same on a Dask `LocalCluster`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.pipeline_fixture import FIXTURE, SCENARIO, variant
from wfm.batch import CAMPAIGN_COLUMNS, batch_exit_code, plan_campaigns, run_batch
from wfm.forecasting import forecast_file


@pytest.mark.parametrize(
    ("codes", "expected"),
    [([0, 0, 0], 0), ([0, 4, 0], 4), ([4, 2, 3], 2), ([5, 130, 0], 5), ([130, 4], 4), ([0, 1, 2], 1)],
)
def test_the_batch_exits_with_the_most_serious_campaign_code(codes, expected):
    assert batch_exit_code(codes) == expected


@pytest.fixture()
def broken(tmp_path):
    """A campaign whose scenario names an agents file that does not exist; named like the fixture's."""
    return variant(
        tmp_path / "broken", name="Pipeline tiny", inputs={"history": FIXTURE / "history.csv", "agents": "missing.csv"}
    )


def test_campaigns_are_named_by_scenario_name_or_file_stem_and_made_unique(tmp_path, broken):
    unnamed = variant(tmp_path / "c", "Client C.toml")
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("name = \n")
    campaigns = plan_campaigns([SCENARIO, broken, unnamed, bad_toml, unnamed], tmp_path / "out")
    assert [c.name for c in campaigns] == ["pipeline-tiny", "pipeline-tiny-2", "client-c", "bad", "client-c-2"]
    assert [c.out_dir for c in campaigns] == [tmp_path / "out" / c.name for c in campaigns]
    assert [c.error is None for c in campaigns] == [True, True, True, False, True]
    assert "not valid TOML" in campaigns[3].error


def test_a_broken_campaign_never_stops_the_others_in_the_process_pool(tmp_path, broken):
    other = tmp_path / "b"
    other.mkdir()
    forecast_file(FIXTURE / "history.csv", other / "forecast.csv", "2026-03-02", 7, interval_min=30)
    from_forecast = variant(
        other, "client-b.toml", inputs={"forecast": "forecast.csv", "agents": FIXTURE / "agents.csv"}
    )
    unreadable = tmp_path / "bad.toml"
    unreadable.write_text("name = \n")
    out = tmp_path / "out"
    args = ["batch", SCENARIO, from_forecast, broken, unreadable, "--out", out, "--workers", "2"]
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 2, result.output

    table = pd.read_csv(out / "campaigns.csv", keep_default_na=False)
    assert tuple(table.columns) == CAMPAIGN_COLUMNS
    assert table["campaign"].tolist() == ["pipeline-tiny", "client-b", "pipeline-tiny-2", "bad"]
    assert table["exit_code"].tolist() == [0, 0, 2, 2]
    assert table["status"].tolist()[2:] == ["bad-input", "bad-input"]
    assert "key 'inputs.agents': file 'missing.csv' not found" in table.loc[2, "message"]
    assert "not valid TOML" in table.loc[3, "message"]
    for i, name in enumerate(["pipeline-tiny", "client-b"]):
        summary = json.loads((out / name / "summary.json").read_text())
        row = table.loc[i]
        assert row["status"] == summary["status"] and row["status"] in ("optimal", "feasible")
        assert float(row["hours_used"]) == pytest.approx(summary["hours_used"], rel=1e-5)
        assert float(row["budget_hours"]) == summary["budget_hours"] == 200
        assert float(row["projected_service_level"]) == pytest.approx(summary["projected_service_level"], rel=1e-5)
        assert float(row["seconds"]) > 0
    assert json.loads((out / "client-b" / "summary.json").read_text())["run"]["started_from"] == "forecast"
    assert not (out / "client-b" / "forecast.csv").exists()  # it was given, not made
    assert sorted(p.name for p in out.iterdir()) == ["campaigns.csv", "client-b", "pipeline-tiny"]
    assert not (tmp_path / "out.lock").exists()


def test_workers_are_for_the_local_pool_only():
    result = CliRunner().invoke(app, ["batch", str(SCENARIO), "--workers", "2", "--address", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.output == (
        "wfm: error: --workers sets the local pool; a Dask cluster (--address) has its own workers\n"
    )


def test_the_batch_runs_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    infeasible = variant(tmp_path / "infeasible", "over-budget.toml")
    infeasible.write_text(infeasible.read_text().replace("hours = 200", "hours = 50"))  # below the minimum hours
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster:
        result = run_batch([SCENARIO, infeasible], tmp_path / "out", address=cluster.scheduler_address, echo=False)
    assert result.exit_code == 3
    table = pd.read_csv(tmp_path / "out" / "campaigns.csv", keep_default_na=False)
    assert table["campaign"].tolist() == ["pipeline-tiny", "over-budget"]
    assert table["exit_code"].tolist() == [0, 3]
    assert table["status"].tolist()[1] == "infeasible"
    assert table.loc[1, "message"].startswith("the scenario admits no roster")
    assert (tmp_path / "out" / "pipeline-tiny" / "roster.csv").is_file()
    assert not (tmp_path / "out" / "over-budget").exists()
