"""The benchmark suite's own machinery: generator, suites, runner, peer metrics, report rendering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import filecmp
import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from benchmarks import bounds, peer, report, runner
from benchmarks import generate as gen
from benchmarks.__main__ import main as benchmarks_main
from benchmarks.suites import SUITES, SuiteInstance, Targets, find_instance
from wfm.agents import read_agents, read_unavailability
from wfm.requirements import make_requirements, read_requirements
from wfm.schedule import load_inputs
from wfm.service_config import load_service_config

FILES = (
    "scenario.toml",
    "forecast.csv",
    "requirements.csv",
    "agents.csv",
    "unavailability.csv",
    "preferences.csv",
    "instance.json",
)
WEEK = gen.InstanceSpec("t-week", days=7, agents=40, time_off_rate=0.1, seed=5)
NIGHT = gen.InstanceSpec(
    "t-night",
    days=9,
    agents=30,
    operation="24x7",
    interval_min=30,
    queues=("voice_en", "chat_en"),
    budget="non-binding",
    seed=6,
)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    return gen.generate(WEEK, tmp_path_factory.mktemp("gen") / "week")


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return gen.generate(NIGHT, tmp_path_factory.mktemp("gen") / "night")


# --- generator ----------------------------------------------------------------------------------


def test_same_spec_and_seed_give_identical_files(week, tmp_path):
    again = gen.generate(WEEK, tmp_path / "again")
    match, mismatch, errors = filecmp.cmpfiles(week.folder, again.folder, FILES, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert sorted(match) == sorted(FILES)


def test_another_seed_gives_other_agents_and_forecast(week, tmp_path):
    other = gen.generate(dataclasses.replace(WEEK, seed=WEEK.seed + 1), tmp_path / "other")
    for name in ("agents.csv", "forecast.csv"):
        assert (week.folder / name).read_bytes() != (other.folder / name).read_bytes()


@pytest.mark.parametrize("fixture", ["week", "night"])
def test_generated_inputs_pass_wfm_readers(fixture, request):
    inst = request.getfixturevalue(fixture)
    spec = inst.spec
    inputs = load_inputs(inst.scenario_path)
    cfg = inputs.scenario.config
    assert (cfg.horizon.days, cfg.horizon.interval_min, len(inputs.agents)) == (
        spec.days,
        spec.interval_min,
        spec.agents,
    )
    assert inputs.requirements.attrs["interval_min"] == spec.interval_min
    assert set(inputs.requirements["queue"]) == set(spec.queues)
    horizon = set(inputs.scenario.horizon_dates)
    assert all(u.date in horizon for u in inputs.unavailability)
    assert all(p.date in horizon for p in inputs.preferences)
    for a in inputs.agents:
        assert a.skills and a.skills <= set(spec.queues)
        assert (a.min_hours_week, a.max_hours_week) == gen.FULL_TIME or (
            a.max_hours_week in gen.PART_TIME_CONTRACTS_H
            and a.min_hours_week == pytest.approx(gen.PART_TIME_MIN_SHARE * a.max_hours_week)
        )


def test_requirements_are_what_wfm_requirements_computes(week, tmp_path):
    out = tmp_path / "requirements.csv"
    summary = make_requirements(week.folder / "forecast.csv", out, load_service_config(week.scenario_path))
    assert out.read_bytes() == (week.folder / "requirements.csv").read_bytes()
    assert summary.required_agent_hours == week.required_agent_hours


def test_24x7_shifts_may_cross_midnight(night):
    cfg = load_inputs(night.scenario_path).scenario.config
    assert all(v == "00:00-24:00" for v in cfg.operating_hours.values()) and len(cfg.operating_hours) == 7
    full = next(t for t in cfg.shift_templates if t.name == "full")
    assert full.latest_start == "23:30" and max(full.lengths_h) == 10  # 23:30 + 10 h ends next morning
    assert all(b.duration_min % 30 == 0 for t in cfg.shift_templates for b in t.breaks)


def test_forecast_is_sized_to_the_agents(week):
    req = read_requirements(week.folder / "requirements.csv")
    hours = req["required_agents"].sum() * WEEK.interval_min / 60
    assert hours == week.required_agent_hours
    # one percent per queue, summed over queues
    assert week.required_agent_hours == pytest.approx(WEEK.load * week.contracted_hours, rel=gen.SIZING_TOLERANCE)


def test_contracted_and_minimum_hours_follow_the_weekly_rule(week):
    agents = read_agents(week.folder / "agents.csv")
    off = read_unavailability(week.folder / "unavailability.csv", agents)
    whole = {(u.agent_id, u.date) for u in off if u.whole_day}
    assert whole, "the spec's 10% time off gives some whole days off"
    dates = [WEEK.start + dt.timedelta(days=d) for d in range(WEEK.days)]  # one ISO week
    minimum = contracted = 0.0
    for a in agents:
        n_off = sum((a.agent_id, d) in whole for d in dates)
        lo, hi = gen.pro_rated_week(a, 7, n_off)
        minimum += lo
        contracted += hi - n_off * a.max_hours_week / a.max_days_week
    assert week.min_hours == pytest.approx(minimum, abs=1e-3)
    assert week.contracted_hours == pytest.approx(contracted, abs=1e-3)


def test_binding_budget_lies_between_minimum_and_contracted_hours(week, night):
    assert week.min_hours <= week.budget_hours < week.contracted_hours
    assert week.budget_hours == math.ceil(week.min_hours + 0.5 * (week.contracted_hours - week.min_hours))
    max_hours = pd.read_csv(night.folder / "agents.csv")["max_hours_week"].sum() * NIGHT.days / 7
    assert night.budget_hours > max_hours  # non-binding: no roster can reach it


def test_pure_coverage_weights_count_under_staffing_alone():
    text = gen._scenario_toml(dataclasses.replace(WEEK, weights="under-only", budget="cover90"), 1000.0)
    objective = tomllib.loads(text)["objective"]
    assert objective["under_weight"] == 1.0
    assert objective["over_weight"] == objective["preference_weight"] == objective["fairness_weight"] == 0.0
    assert tomllib.loads(gen._scenario_toml(WEEK, 1000.0))["objective"]["under_weight"] == 10.0


def test_skills_mix_single_and_multi_skilled_agents(week):
    skills = pd.read_csv(week.folder / "agents.csv")["skills"].str.split(";").map(len)
    assert set(skills) == {1, 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"interval_min": 20}, "interval_min"),
        ({"operation": "9x5"}, "operation"),
        ({"queues": ("voice_xx",)}, "queues"),
        ({"start_step_min": 20}, "start_step_min"),
        ({"start": dt.date(2027, 3, 2)}, "Monday"),
        ({"agents": 2}, "agents"),
        ({"weights": "over-only"}, "weights"),
        ({"budget": "cover80"}, "budget"),
    ],
)
def test_spec_rejects_bad_parameters(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(WEEK, **change)


# --- suites -------------------------------------------------------------------------------------


def test_suites_fit_their_time_budgets():
    assert all(i.time_limit_s <= 10 for i in SUITES["smoke"].instances)
    assert SUITES["standard"].total_time_limit_s <= 420  # + generation and checking: within 10 minutes
    month = {i.spec.agents: i.time_limit_s for i in SUITES["scale"].instances if i.spec.days >= 30}
    assert month == {300: 60.0, 500: 120.0, 1000: 300.0}
    assert {i.spec.operation for i in SUITES["smoke"].instances} == set(gen.OPERATIONS)


def test_instance_names_are_unique_across_suites():
    names = [i.spec.name for s in SUITES.values() for i in s.instances]
    assert len(names) == len(set(names))
    assert find_instance("scale-m1000-24x7").spec.agents == 1000
    with pytest.raises(KeyError, match="unknown instance 'nope'"):
        find_instance("nope")


def test_targets_report_what_is_missed():
    t = Targets(max_first_feasible_s=10.0, max_gap=0.03, max_peak_rss_mb=4096.0)
    assert t.missed(9.0, 0.03, 4000.0) == []
    assert t.missed(11.0, None, 5000.0) == ["first feasible > 10 s", "gap > 3%", "peak memory > 4096 MB"]


# --- runner -------------------------------------------------------------------------------------


def test_runner_solves_checks_and_records_a_tiny_instance(tmp_path):
    spec = gen.InstanceSpec("t-tiny", days=7, agents=12, interval_min=30, queues=("voice_es",), seed=7)
    row = runner.run_instance(SuiteInstance(spec, 4.0), "test", tmp_path, None, workers=2, seed=0)
    assert row["status"] in runner.OK_STATUSES, row.get("error")
    assert row["validated"] is True and row["violations"] == 0
    assert row["checker_objective"] == pytest.approx(row["objective"], rel=runner.OBJECTIVE_RTOL)
    assert 0 < row["peak_rss_mb"] < 4096 and 0 < row["wall_seconds"] < 30
    assert row["paid_hours"] <= row["budget_hours"]
    assert runner.failure(row) is None
    assert set(row) <= set(runner.COLUMNS)
    results = tmp_path / "test.csv"
    runner.append_rows(results, [row])
    runner.append_rows(results, [row])
    back = pd.read_csv(results)
    assert list(back.columns) == list(runner.COLUMNS) and len(back) == 2


def test_stronger_bounds_lie_between_the_lp_and_a_checked_roster(tmp_path):
    from models import aggregate
    from models.linear import lp_relaxation
    from wfm.planning import build_plan
    from wfm.schedule import ScheduleOptions, solve_schedule

    spec = gen.InstanceSpec("t-tiny", days=7, agents=12, interval_min=30, queues=("voice_es",), seed=7)
    inputs = load_inputs(gen.generate(spec, tmp_path / "tiny").scenario_path)
    rules = inputs.scenario.config.rules
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    model, lay = aggregate.build(plan.problem)
    lp = lp_relaxation(model).value / plan.objective_scale
    weeks = bounds.pattern_bound(plan, model, lay.x, rules.max_consecutive_days, rules.max_weekends, 120.0)
    dual, _ = bounds.mip_bound(model, lay.x, 2.0)
    roster = solve_schedule(inputs, ScheduleOptions(time_limit_s=3.0)).report
    assert not roster.violations
    assert weeks.converged and weeks.columns > len(inputs.agents)  # weeks were generated, then none priced out
    assert weeks.lagrangian == pytest.approx(weeks.master, rel=1e-6)
    assert lp - 1e-6 <= weeks.master <= roster.objective + 1e-6
    assert lp - 1e-6 <= dual / plan.objective_scale <= roster.objective + 1e-6


def test_the_agent_week_bound_refuses_a_horizon_of_two_weeks(night):
    from models import aggregate
    from wfm.planning import build_plan

    inputs = load_inputs(night.scenario_path)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    model, lay = aggregate.build(plan.problem)
    with pytest.raises(ValueError, match="one-week horizons only"):
        bounds.pattern_bound(plan, model, lay.x, 6, None, 10.0)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "infeasible", "error": "budget too low"}, "status infeasible: budget too low"),
        ({"violations": 3, "validated": False}, "3 rule violation(s)"),
        ({"validated": False}, "not validated"),
    ],
)
def test_failure_names_why_a_row_fails(change, reason):
    row = {"status": "feasible", "validated": True, "violations": 0, **change}
    assert reason in runner.failure(row)


def test_run_exits_1_and_names_failed_instances(monkeypatch, tmp_path, capsys):
    def fake(item, suite_name, *args):
        ok = item.spec.name != "smoke-w30-12x6"
        return {
            "instance": item.spec.name,
            "status": "feasible" if ok else "infeasible",
            "validated": ok,
            "violations": 0,
            "error": None if ok else "no roster",
            "peak_rss_mb": 1.0,
        }

    monkeypatch.setattr(runner, "run_instance", fake)
    code = benchmarks_main(["run", "--suite", "smoke", "--results-dir", str(tmp_path), "--work-dir", str(tmp_path)])
    assert code == 1
    assert "FAILED smoke-w30-12x6: status infeasible: no roster" in capsys.readouterr().err
    assert len(pd.read_csv(tmp_path / "smoke.csv")) == 3


def test_the_instance_digest_names_the_generated_files(tmp_path):
    spec = find_instance("smoke-w30-12x6").spec
    first = runner.instance_digest(gen.generate(spec, tmp_path / "a").folder)
    assert first == runner.instance_digest(gen.generate(spec, tmp_path / "b").folder)  # same spec, same files
    other = dataclasses.replace(spec, seed=spec.seed + 1)
    assert first != runner.instance_digest(gen.generate(other, tmp_path / "c").folder)


def test_a_long_run_sets_the_best_known_and_later_runs_are_measured_against_it(monkeypatch, tmp_path):
    objectives = iter([100.0, 90.0, 120.0, 80.0])

    def fake(item, suite_name, *args):
        return {
            "suite": suite_name,
            "instance": item.spec.name,
            "instance_digest": "d1",
            "status": "feasible",
            "objective": next(objectives),
            "validated": True,
            "violations": 0,
            "peak_rss_mb": 1.0,
            "time_limit_s": item.time_limit_s,
        }

    monkeypatch.setattr(runner, "run_instance", fake)
    args = ["run", "--suite", "smoke", "--instance", "smoke-w30-12x6", "--results-dir", str(tmp_path)]
    for extra in (["--best-known"], ["--best-known"]):
        assert benchmarks_main([*args, "--work-dir", str(tmp_path), *extra]) == 0
    assert not (tmp_path / "smoke.csv").exists()  # long runs are kept apart
    assert runner.best_known(tmp_path, "smoke-w30-12x6", "d1") == 90.0
    assert runner.best_known(tmp_path, "smoke-w30-12x6", "another instance") is None
    assert benchmarks_main([*args, "--work-dir", str(tmp_path)]) == 0
    assert benchmarks_main([*args, "--work-dir", str(tmp_path)]) == 0
    rows = pd.read_csv(tmp_path / "smoke.csv")
    assert rows["best_known"].tolist() == [90.0, 80.0]  # a better ordinary run is its own best
    assert rows["gap_to_best_known"].tolist() == pytest.approx([30 / 90, 0.0])
    markdown = report.render(tmp_path, tmp_path / "R.md", tmp_path / "charts")
    section = markdown.split("## Best known rosters")[1]
    assert "| smoke | smoke-w30-12x6 | 90 |" in section and "| 80 | -11.11 |" in section  # latest beside it


def test_generate_command(tmp_path, capsys):
    assert benchmarks_main(["generate", "smoke-w20-12x6-service", "--out", str(tmp_path / "i")]) == 0
    assert "wfm schedule" in capsys.readouterr().out
    assert load_inputs(tmp_path / "i" / "scenario.toml").scenario.config.objective.kind == "service"
    assert benchmarks_main(["generate", "nope", "--out", str(tmp_path / "j")]) == 2
    assert not (tmp_path / "j").exists()


# --- peer ---------------------------------------------------------------------------------------


def test_deviation_of_a_known_coverage():
    a, b = peer.Shift(32, 16), peer.Shift(40, 16)  # 08:00–12:00, 10:00–14:00
    cover = peer.coverage_matrix(1, [(0, a, 2), (0, b, 1)])
    assert cover[0, 32:40].tolist() == [2] * 8 and cover[0, 40:48].tolist() == [3] * 8
    assert cover[0, 48:56].tolist() == [1] * 8 and cover.sum() == 3 * 16
    required = np.zeros((1, peer.PERIODS), dtype=np.int64)
    required[0, 32:56] = 2  # 08:00–14:00
    # over: 8 intervals × 1; under: 8 intervals × 1 → 2 h each at 15 minutes
    assert peer.deviation(cover, required) == {
        "abs_deviation_agent_hours": 4.0,
        "under_agent_hours": 2.0,
        "over_agent_hours": 2.0,
    }


def test_fixed_shifts_end_by_closing_time():
    shifts = peer.fixed_shifts()
    assert {s.length * 15 // 60 for s in shifts} == set(peer.LENGTHS_H)
    assert all(s.start * 15 >= peer.OPEN_MIN and (s.start + s.length) * 15 <= peer.CLOSE_MIN for s in shifts)
    assert len({s.name for s in shifts}) == len(shifts)


def test_our_deviation_equals_pyworkforce_own_cost():
    pytest.importorskip("pyworkforce")
    rng = np.random.default_rng(0)
    required = np.zeros((2, peer.PERIODS), dtype=np.int64)
    required[:, 32:80] = rng.integers(0, 6, size=(2, 48))
    fig = peer.solve_pyworkforce("MinAbsDifference", required, peer.fixed_shifts(), 20, 5.0, 1)
    assert fig["status"] == "optimal"
    ours = peer.deviation(peer.coverage_matrix(2, fig["triples"]), required)
    assert ours["abs_deviation_agent_hours"] == pytest.approx(fig["solver_objective"] * 15 / 60)
    mrr = peer.solve_pyworkforce("MinRequiredResources", required, peer.fixed_shifts(), 20, 5.0, 1)
    assert peer.deviation(peer.coverage_matrix(2, mrr["triples"]), required)["under_agent_hours"] == 0


# --- report -------------------------------------------------------------------------------------


def _suite_rows(commit: str, date: str, objective: float, validated: bool) -> list[dict]:
    base = {
        "suite": "smoke",
        "operation": "12x6",
        "agents": 30,
        "days": 7,
        "interval_minutes": 15,
        "status": "feasible" if validated else "timeout",
        "gap": 0.0123,
        "wall_seconds": 3.5,
        "peak_rss_mb": 240.0,
        "validated": validated,
        "machine": "Test CPU, 2 cpu",
        "commit": commit,
        "date": date,
    }
    return [
        {**base, "instance": "i-one", "objective": objective},
        {**base, "instance": "i-two", "objective": 2 * objective, "validated": True, "status": "feasible"},
    ]


@pytest.fixture()
def fake_results(tmp_path):
    results = tmp_path / "results"
    runner.append_rows(results / "smoke.csv", _suite_rows("aaaaaaaaaaaaaaaa", "2026-01-01T10:00:00", 100.0, True))
    runner.append_rows(results / "smoke.csv", _suite_rows("bbbbbbbbbbbb-dirty", "2026-01-02T11:00:00", 90.0, False))
    pd.DataFrame(
        [
            {
                "instance": "Instance1",
                "objective": 607,
                "best_known": 607,
                "machine": "Other box",
                "commit": "c1",
                "date": "2026-01-01T09:00:00",
            },
            {
                "instance": "Instance1",
                "objective": 606,
                "best_known": 607,
                "machine": "Other box",
                "commit": "c2",
                "date": "2026-01-03T09:00:00",
            },
        ]
    ).to_csv(results / "curtois.csv", index=False)
    return results


def test_report_renders_latest_rows_trend_environment_and_charts(fake_results, tmp_path):
    out, charts = tmp_path / "RESULTS.md", tmp_path / "charts"
    text = report.render(fake_results, out, charts)
    assert out.read_text() == text
    latest = text.split("### Latest result per instance")[1].split("###")[0]
    assert "_Machine Test CPU, 2 cpu, commit bbbbbbbbbbbb-dirty, date 2026-01-02 11:00_" in latest
    assert "| i-one | 12x6 | 30 | 7 | 15 | timeout | 90 | 1.23 |" in latest and "**no**" in latest
    trend = text.split("### Trend across runs")[1].split("![")[0]
    assert "| 2026-01-01 10:00 | aaaaaaaaaaaa | Test CPU, 2 cpu | 100 (1.23) | 200 (1.23) |" in trend
    assert "| 2026-01-02 11:00 | bbbbbbbbbbbb-dirty | Test CPU, 2 cpu | 90 (1.23) **no** (timeout) |" in trend
    curtois = text.split("## Curtois & Qu")[1].split("##")[0]
    assert "_Machine Other box, commit c2, date 2026-01-03 09:00_" in curtois
    assert "| Instance1 | whole | 1 | 606 | 606–606 | 607 | -0.16 | 1/1 | yes |" in curtois  # empty columns left out
    assert "## Environments" in text and "Other box" in text.split("## Environments")[1]
    png = (charts / "smoke.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](charts/smoke.png)" in text
    assert report.render(fake_results, out, charts) == text  # same rows, same document


def test_report_gives_the_median_of_the_latest_run_of_each_curtois_method(fake_results, tmp_path):
    base = {"instance": "Instance7", "employees": 20, "days": 28, "best_known": 1056, "time_limit_s": 60.0}
    stamp = {"machine": "Box", "commit": "c3", "date": "2026-01-04T09:00:00"}
    rows = [
        {**base, **stamp, "method": "lns", "seed": seed, "objective": objective, "validated": objective is not None}
        for seed, objective in ((0, 1070), (1, None), (2, 1058))
    ]
    old = {
        **base,
        "method": "lns",
        "seed": 0,
        "objective": 1200,
        "validated": True,
        "commit": "c0",
        "date": "2026-01-01",
    }
    runner.append_rows(fake_results / "curtois.csv", [old, *rows])
    text = report.render(fake_results, tmp_path / "RESULTS.md", tmp_path / "charts")
    section = text.split("## Curtois & Qu")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("| Instance7 |")]
    assert len(lines) == 1  # the latest run only
    cells = [c.strip() for c in lines[0].split("|")[1:-1]]
    assert cells[3:12] == ["lns", "60", "3", "1,070", "1,058–1,070", "1,056", "1.33", "2/3", "**no**"]


def test_report_keeps_the_latest_row_per_instance_and_time_limit(fake_results, tmp_path):
    longer = [
        {**row, "time_limit_s": 300, "objective": 80.0}
        for row in _suite_rows("cccccccccccc", "2026-01-03T12:00:00", 0.0, True)[:1]
    ]
    runner.append_rows(fake_results / "smoke.csv", longer)
    text = report.render(fake_results, tmp_path / "RESULTS.md", tmp_path / "charts")
    latest = text.split("### Latest result per instance and time limit")[1].split("###")[0]
    rows = [line for line in latest.splitlines() if line.startswith("| i-")]
    assert [r.split(" | ")[0] for r in rows] == ["| i-one", "| i-two", "| i-one"]  # 300 s beside the default
    assert "| 90 |" in rows[0] and "| 80 |" in rows[2] and "| 300 |" in rows[2]


def test_report_without_results_says_how_to_get_them(tmp_path):
    text = report.render(tmp_path / "none", tmp_path / "R.md", tmp_path / "c")
    assert "No results yet: run `python -m benchmarks run --suite smoke`." in text


def test_the_lean_guide_benchmark_records_its_rows(tmp_path):
    """`lean-guide` on a smoke week: one row with the greedy, guide and LP aggregates, each a roster's
    objective (≥ 0), and an unknown instance is refused without a row written."""
    args = ["lean-guide", "--instance", "smoke-w40-24x7-30m", "--full", "smoke-w40-24x7-30m", "--time-limit-s", "60"]
    assert benchmarks_main([*args, "--results-dir", str(tmp_path), "--work-dir", str(tmp_path)]) == 0
    rows = pd.read_csv(tmp_path / "lean_guide.csv")
    assert len(rows) == 1 and rows["instance"][0] == "smoke-w40-24x7-30m"
    for column in ("greedy_aggregate", "guide_aggregate", "lp_aggregate"):
        assert rows[column][0] >= 0
    assert rows["guide_seconds"][0] >= rows["guide_build_seconds"][0] >= 0
    with pytest.raises(SystemExit, match="unknown instance"):
        benchmarks_main(["lean-guide", "--instance", "nope", "--results-dir", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()
