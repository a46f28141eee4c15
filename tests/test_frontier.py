"""`wfm frontier`: the grid, the bracket and its refinement on a stubbed solver, the relaxation's bound
against real rosters, the CLI's exit codes and messages, and the files it writes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from tests.test_planning import FIXTURES, scenario_copy
from wfm.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from wfm.frontier.bound import ServiceBound
from wfm.frontier.estimate import contract_target, extra_agent_intervals
from wfm.frontier.grid import check_grid, check_target, default_budgets, parse_budgets
from wfm.frontier.points import COLUMNS, PointRequest, solve_point, with_budget
from wfm.frontier.search import Bracket, Verdict, bracket, inner_budgets, refine
from wfm.scenario import load_scenario
from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule

OFFICE = FIXTURES / "office" / "scenario.toml"

# --- the grid --------------------------------------------------------------------------------------


def test_budgets_from_lo_to_hi_by_step_include_hi_when_the_steps_land_on_it() -> None:
    assert parse_budgets("1000:1200:100") == (1000.0, 1100.0, 1200.0)
    assert parse_budgets("1000:1250:100") == (1000.0, 1100.0, 1200.0)
    assert parse_budgets("0.5:0.7:0.1") == (0.5, 0.6, 0.7)
    assert parse_budgets("800:800:50") == (800.0,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1000:1200", "--budgets expects LO:HI:STEP in hours (e.g. 1200:1800:100), got '1000:1200'"),
        ("a:1200:100", "--budgets expects three numbers LO:HI:STEP in hours, got 'a:1200:100'"),
        ("1000:1200:0", "--budgets: LO and STEP must be positive hours, got '1000:1200:0'"),
        ("-5:1200:10", "--budgets: LO and STEP must be positive hours, got '-5:1200:10'"),
        ("1200:1000:100", "--budgets: HI (1000) is below LO (1200)"),
        ("1:100000:1", "--budgets: 100000 budgets from '1:100000:1'; at most 200 — use a larger STEP"),
    ],
)
def test_a_bad_grid_is_one_message(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_budgets(text)
    assert err.value.message == message


def test_the_default_grid_spans_70_to_130_percent_of_the_budget() -> None:
    assert default_budgets(1000, 7) == (700.0, 800.0, 900.0, 1000.0, 1100.0, 1200.0, 1300.0)
    # narrowed to what the agents can work, when that still holds the budget
    assert default_budgets(1000, 3, min_h=899.5, max_h=1100.7) == (900.0, 1000.0, 1100.0)
    assert default_budgets(1000, 3, min_h=1050, max_h=990) == (700.0, 1000.0, 1300.0)
    with pytest.raises(InputError, match="--points must be between 2 and 200, got 1"):
        default_budgets(1000, 1)


@pytest.mark.parametrize("target", [0.0, 1.0, -0.2, 80.0])
def test_a_target_outside_0_1_is_refused(target: float) -> None:
    with pytest.raises(InputError, match="--target-service-level must be a share between 0 and 1"):
        check_target(target)


def test_a_grid_entirely_below_the_contracted_minimum_says_what_to_change() -> None:
    with pytest.raises(InputError) as err:
        check_grid((100.0, 120.0), 150.4)
    assert "no budget in the grid reaches the agents' contracted minimum of 150.4 h" in str(err.value)
    assert "HI at least 151" in str(err.value)
    check_grid((100.0, 151.0), 150.4)


# --- the bracket and its refinement -----------------------------------------------------------------


def _stub(answer: float, provable: float, calls: list[list[float]]):
    """A monotone 'solver': rosters hold the target from `answer` hours, the bound from `provable`."""

    def evaluate(budgets: list[float]) -> dict[float, Verdict]:
        calls.append(list(budgets))
        return {b: Verdict(b >= answer, b >= provable) for b in budgets}

    return evaluate


@pytest.mark.parametrize("parallel", [1, 2, 3])
def test_refining_a_monotone_solver_finds_its_answer_within_one_percent(parallel: int) -> None:
    calls: list[list[float]] = []
    evaluate = _stub(1234.5, 1100.0, calls)
    grid = evaluate([1000.0, 1100.0, 1200.0, 1300.0, 1400.0])
    found, seen = refine(evaluate, grid, tolerance=0.01, parallel=parallel)
    assert 1234.5 <= found.holds_h <= 1234.5 * 1.0101
    assert found.short_h < 1234.5
    assert found.width() <= 0.01
    assert found.proven_short_h == max(b for b in seen if b < 1100.0)
    assert all(len(c) <= parallel for c in calls[1:])


def test_refining_stops_when_the_time_is_spent() -> None:
    calls: list[list[float]] = []
    evaluate = _stub(1234.5, 1100.0, calls)
    found, _ = refine(evaluate, evaluate([1000.0, 1500.0]), time_left=lambda: False)
    assert found == Bracket(1000.0, 1500.0, 1000.0) and len(calls) == 1


def test_no_bracket_without_a_budget_that_holds() -> None:
    verdicts = {1000.0: Verdict(False, True), 1200.0: Verdict(None, False)}
    found, _ = refine(lambda b: pytest.fail("nothing to refine"), verdicts)
    assert found == Bracket(1200.0, None, 1200.0) and found.width() is None


def test_a_short_roster_above_the_least_holding_budget_does_not_move_the_bracket() -> None:
    # heuristic rosters are not monotone: a failure above a success says nothing about the least budget
    b = bracket({1000.0: Verdict(False, True), 1100.0: Verdict(True, True), 1200.0: Verdict(False, True)})
    assert (b.short_h, b.holds_h) == (1000.0, 1100.0)


@settings(max_examples=60, deadline=None)
@given(answer=st.floats(1001, 1999), parallel=st.integers(1, 4), tolerance=st.sampled_from([0.01, 0.005, 0.02]))
def test_refining_brackets_any_answer(answer: float, parallel: int, tolerance: float) -> None:
    evaluate = _stub(answer, answer * 0.9, [])
    found, _ = refine(evaluate, evaluate([1000.0, 2000.0]), tolerance=tolerance, parallel=parallel)
    assert found.short_h < answer <= found.holds_h
    assert found.width() <= tolerance or len(inner_budgets(found, parallel)) == 0


# --- the relaxation's bound against real rosters -----------------------------------------------------


@pytest.mark.parametrize(("kind", "budget_h"), [("office", 50.0), ("office", 70.0), ("nonstop", None)])
def test_the_bound_is_at_least_the_service_level_of_a_checked_roster(kind: str, budget_h: float | None) -> None:
    inputs = load_inputs(FIXTURES / kind / "scenario.toml")
    bound = ServiceBound(inputs)
    budget_h = budget_h or inputs.scenario.config.budget.hours
    upper = bound.at(budget_h, 30.0).service_level_upper
    assert upper is not None
    checked = 0
    for objective in ("service", "coverage"):
        result = solve_schedule(
            with_budget(inputs, budget_h), ScheduleOptions(time_limit_s=10, workers=1, objective=objective)
        )
        if result.report.ok:  # a roster that keeps every rule (under load the scheduler may find none in time)
            checked += 1
            assert result.summary["projected_service_level"] <= upper + 1e-9
    assert checked >= 1


def test_the_bound_does_not_fall_as_the_budget_grows() -> None:
    bound = ServiceBound(load_inputs(FIXTURES / "nonstop" / "scenario.toml"))
    levels = [bound.at(b, 30.0).service_level_upper for b in (bound.min_budget_h + 1, bound.max_hours_h, None)]
    assert levels == sorted(levels)


def test_a_point_below_every_roster_is_infeasible_not_an_error(tmp_path: Path) -> None:
    point = solve_point(PointRequest(OFFICE, None, 1.0, 2.0, 1, 0))
    assert point.status == "infeasible" and "budget" in point.message and not point.validated
    assert point.holds(0.5) is None


# --- the budget as operating hours × positions -------------------------------------------------------


def test_operating_hours_times_positions_is_the_budget(tmp_path: Path) -> None:
    path = scenario_copy(tmp_path, scenario={"hours = 100": "operating_hours = 312\npositions = 5"})
    budget = load_scenario(path).config.budget
    assert (budget.hours, budget.operating_hours, budget.positions) == (1560.0, 312.0, 5.0)


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        (
            "hours = 100\noperating_hours = 20\npositions = 5",
            "key 'budget': give either hours or operating_hours and positions, not both",
        ),
        ("operating_hours = 20", "key 'budget': operating_hours and positions go together: add positions"),
    ],
)
def test_the_budget_in_two_forms_at_once_is_bad_input(tmp_path: Path, replacement: str, message: str) -> None:
    path = scenario_copy(tmp_path, scenario={"hours = 100": replacement})
    result = CliRunner().invoke(app, ["frontier", str(path), "--out", str(tmp_path / "f")])
    assert result.exit_code == EXIT_BAD_INPUT
    assert message in result.output
    assert not (tmp_path / "f").exists()


# --- the command line and its files ------------------------------------------------------------------


def _frontier(*args: str):
    return CliRunner().invoke(app, ["frontier", *args])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--target-service-level", "1.5"], "--target-service-level must be a share between 0 and 1"),
        (["--budgets", "10:20"], "--budgets expects LO:HI:STEP in hours"),
        (["--budgets", "10:30:10"], "no budget in the grid reaches the agents' contracted minimum of 36.0 h"),
        (["--budgets", "40:60:10", "--points", "3"], "give --budgets or --points, not both"),
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--quiet", "--json"], "give --quiet or --json, not both"),
    ],
)
def test_bad_options_exit_2_with_what_to_change(tmp_path: Path, options: list[str], message: str) -> None:
    result = _frontier(str(OFFICE), "--out", str(tmp_path / "f"), *options)
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert message in result.output
    assert not (tmp_path / "f").exists()


def test_a_folder_that_is_no_frontier_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = _frontier(
        str(OFFICE), "--out", str(out), "--budgets", "40:60:20", "--time-limit-s", "1", "--workers", "1", "--quiet"
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert "holds no wfm result (no target.json)" in result.output
    assert (out / "notes.txt").read_text() == "keep me"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("frontier") / "f"
    result = _frontier(
        str(OFFICE),
        "--out",
        str(out),
        "--budgets",
        "40:100:60",
        "--time-limit-s",
        "2",
        "--workers",
        "1",
        "--target-service-level",
        "0.6",
        "--json",
    )
    assert result.exit_code == EXIT_OK, result.output
    printed = json.loads(result.stdout)
    assert printed["event"] == "result" and printed["target"]["target_service_level"] == 0.6
    assert [set(r) for r in printed["frontier"]] == [set(COLUMNS)] * len(printed["frontier"])
    return out


def test_frontier_csv_has_the_documented_columns_one_row_per_budget(written: Path) -> None:
    frame = pd.read_csv(written / "frontier.csv")
    assert tuple(frame.columns) == COLUMNS
    assert list(frame["budget_hours"]) == sorted(frame["budget_hours"])
    assert {40.0, 100.0} <= set(frame["budget_hours"])
    ok = frame[frame["validated"]]
    assert (ok["projected_service_level"] <= ok["service_level_upper_bound"] + 1e-9).all()
    assert (ok["hours_used"] <= ok["budget_hours"] + 1e-6).all()


def test_target_json_names_the_target_the_bracket_and_the_diagnosis(written: Path) -> None:
    target = json.loads((written / "target.json").read_text())
    assert target["target_service_level"] == 0.6
    assert set(target["bracket"]) == {"short_hours", "holds_hours", "width", "proven_short_hours"}
    assert target["agents_min_hours"] == 36.0
    # three agents cannot answer 60% of these contacts in time at any budget: said, with the hiring answer
    assert target["reachable"] is False and target["min_budget_hours"] is None
    assert any(
        line.startswith(
            "60% is out of reach with these agents: with every hour they can work, no roster can exceed 48."
        )
        for line in target["message"]
    )
    hiring = target["diagnosis"]["hiring"]
    assert hiring["estimate"] is True and hiring["agents"] >= 1 and hiring["reaches_target"] is True
    assert {p.name for p in written.iterdir()} == {"frontier.csv", "target.json", "frontier.svg", "frontier.png"}
    assert (written / "frontier.svg").read_text().lstrip().startswith("<?xml")


def test_a_reachable_target_writes_the_roster_that_proves_it(tmp_path: Path) -> None:
    out = tmp_path / "f"
    scenario = scenario_copy(tmp_path / "in", scenario={"hours = 100": "operating_hours = 10\npositions = 10"})
    result = _frontier(
        str(scenario),
        "--out",
        str(out),
        "--budgets",
        "50:70:20",
        "--time-limit-s",
        "3",
        "--workers",
        "1",
        "--target-service-level",
        "0.02",
        "--quiet",
    )
    assert result.exit_code == EXIT_OK, result.output
    target = json.loads((out / "target.json").read_text())
    assert target["min_budget_hours"] is not None and target["roster"]["validated"] is True
    assert target["positions"] == 10
    assert target["min_budget_operating_hours"] == pytest.approx(target["min_budget_hours"] / 10)
    check = CliRunner().invoke(app, ["check", str(OFFICE), str(out / "target_roster.csv")])
    assert check.exit_code == EXIT_OK, check.output


# --- wfm run's target --------------------------------------------------------------------------------


def test_the_contracts_target_wins_over_the_service_tables(tmp_path: Path) -> None:
    cfg = load_scenario(OFFICE).config
    assert contract_target(cfg) == 0.8
    assert contract_target(cfg.model_copy(update={"contract": {"service_level": 0.9}})) == 0.9


def test_the_hours_estimate_adds_the_agent_intervals_that_answer_the_most() -> None:
    cfg = load_scenario(OFFICE).config
    stamps = pd.to_datetime(["2026-03-02T08:00", "2026-03-02T08:30"])
    req = pd.DataFrame({"interval_start": stamps, "queue": "es", "contacts": [30.0, 30.0], "aht_seconds": 300.0})
    cover = pd.DataFrame({"interval_start": stamps, "queue": "es", "scheduled_agents": [0, 0]})
    one = extra_agent_intervals(cfg, cover, req, 0.3)
    more = extra_agent_intervals(cfg, cover, req, 0.9)
    assert one is not None and more is not None and 1 <= one < more
    assert extra_agent_intervals(cfg, cover.assign(scheduled_agents=[50, 50]), req, 0.9) == 0
    assert np.isfinite(more)


def test_wfm_run_says_whether_the_budget_holds_the_target(tmp_path: Path) -> None:
    from tests.pipeline_fixture import SCENARIO
    from wfm.pipeline import run

    result = run(SCENARIO, tmp_path / "out", echo=False)
    target = json.loads((result.out_dir / "summary.json").read_text())["target"]
    assert target["target_service_level"] == 0.8  # no [contract]: the [service] table's
    assert target["holds"] == (target["projected_service_level"] >= 0.8)
    assert target["projected_service_level"] == result.summary["projected_service_level"]
    if not target["holds"]:
        assert target["estimate"] is True and "estimate_method" in target
        needed = target["estimated_hours_needed"]
        assert target["target_hours"] == needed  # what `wfm report` reads
        assert needed is None or needed > result.summary["hours_used"]


def test_the_bound_alone_bisects_the_largest_budget_proven_short() -> None:
    from types import SimpleNamespace

    from wfm.frontier.bound import BoundPoint
    from wfm.frontier.run import _bound_bisection

    def at(budget_h: float, _seconds: float) -> BoundPoint:  # a monotone bound: 80% from 1,600 h
        return BoundPoint(budget_h, min(1.0, budget_h / 2000), 0.0, 0.0)

    fake = SimpleNamespace(
        bound=SimpleNamespace(at=at),
        target=0.8,
        bound_s=1.0,
        bound_only={},
        bounds={1000.0: at(1000.0, 0), 2000.0: at(2000.0, 0)},
    )
    lo = _bound_bisection(fake, 0.01, lambda: True)  # type: ignore[arg-type]
    assert lo is not None and 1600 * 0.99 <= lo < 1600
    assert all(p.service_level_upper is not None for p in fake.bound_only.values())


def test_abandonment_is_projected_where_the_scenario_uses_erlang_a(tmp_path: Path) -> None:
    scenario = scenario_copy(
        tmp_path, scenario={"shrinkage = 0.0": 'shrinkage = 0.0\nmodel = "erlang-a"\npatience_s = 60'}
    )
    point = solve_point(PointRequest(scenario, None, 70.0, 10.0, 1, 0))
    assert point.abandon_rate is not None and 0 < point.abandon_rate < 1
    assert point.asa_seconds is not None and np.isfinite(point.asa_seconds)
    erlang_c = solve_point(PointRequest(OFFICE, None, 70.0, 10.0, 1, 0))
    assert erlang_c.abandon_rate == 0.0


@settings(max_examples=25, deadline=None)
@given(low=st.floats(0.05, 0.9), extra=st.floats(0.0, 0.09))
def test_a_higher_target_never_needs_fewer_agent_intervals(low: float, extra: float) -> None:
    cfg = load_scenario(OFFICE).config
    stamps = pd.to_datetime(["2026-03-02T08:00", "2026-03-02T08:30", "2026-03-02T09:00"])
    req = pd.DataFrame({"interval_start": stamps, "queue": "es", "contacts": [30.0, 12.0, 5.0], "aht_seconds": 300.0})
    cover = pd.DataFrame({"interval_start": stamps, "queue": "es", "scheduled_agents": [1, 0, 2]})
    a, b = (extra_agent_intervals(cfg, cover, req, t) for t in (low, low + extra))
    assert a is not None and b is not None and a <= b


def test_the_rosters_run_on_a_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster:
        result = _frontier(
            str(OFFICE),
            "--out",
            str(tmp_path / "f"),
            "--budgets",
            "50:70:20",
            "--time-limit-s",
            "3",
            "--address",
            cluster.scheduler_address,
            "--target-service-level",
            "0.02",
            "--quiet",
        )
    assert result.exit_code == EXIT_OK, result.output
    frame = pd.read_csv(tmp_path / "f" / "frontier.csv")
    assert {50.0, 70.0} <= set(frame["budget_hours"]) and frame["status"].notna().all()


def test_an_unreachable_dask_scheduler_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    result = _frontier(
        str(OFFICE), "--out", str(tmp_path / "f"), "--budgets", "50:70:20", "--address", "tcp://127.0.0.1:9", "--quiet"
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert not (tmp_path / "f").exists()


def test_the_row_families_are_the_models_agent_and_budget_rows() -> None:
    from models import aggregate
    from wfm.frontier.bound import NO_BUDGET_MIN, row_families

    bound = ServiceBound(load_inputs(FIXTURES / "nonstop" / "scenario.toml"))
    p = dataclasses.replace(bound.plan.problem, budget_min=NO_BUDGET_MIN)
    model = aggregate.build(p, service_segments=True)[0]
    rows = row_families(model, p)
    a, lo, hi = model.matrix()[:3]
    assert list(hi[rows["budget"]]) == [NO_BUDGET_MIN]
    assert np.array_equal(hi[rows["class_day"]], p.class_day_cap.reshape(-1))
    assert np.array_equal(lo[rows["class_week_paid"]], p.class_week_min_paid.reshape(-1))
    # each class-day row sums the options of its class and day
    first = a[rows["class_day"][0]]
    assert set(first.indices) == set(np.flatnonzero((p.opt_class == 0) & (p.opt_day == 0)))
