"""The independent checker: one broken fixture per rule, hand-computed coverage and objective, the CLI.

Fixtures (tests/fixtures/checker/):
- office/: 3 agents, 2 weeks from Monday 2026-03-02, 30-minute intervals, open 08:00–20:00 Monday–Saturday;
- nonstop/: 2 agents, 1 week, 15-minute intervals, open 24/7 (night shifts cross midnight);
- weekrules/: office/ with the week rules on (max_late_shifts_week = 2, start_time_spread_min = 60);
- */rosters/valid.csv breaks no rule; */rosters/<rule>.csv is valid.csv changed to break exactly <rule>.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli import app
from wfm.agents import read_agents, read_preferences, read_unavailability
from wfm.checker import RULES, CheckReport, check_files, check_roster
from wfm.errors import EXIT_BAD_INPUT, EXIT_RULES_BROKEN, InputError
from wfm.requirements import read_requirements
from wfm.roster import Break, RosterShift, read_roster
from wfm.scenario import BudgetConfig, Scenario, load_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "checker"
RULE_FIXTURES = sorted((p.parent.parent.name, p.stem) for p in FIXTURES.glob("*/rosters/*.csv") if p.stem != "valid")


def _check(kind: str, roster: str = "valid") -> CheckReport:
    return check_files(FIXTURES / kind / "scenario.toml", FIXTURES / kind / "rosters" / f"{roster}.csv")


def _inputs(kind: str) -> tuple[Scenario, list[RosterShift], dict]:
    scenario = load_scenario(FIXTURES / kind / "scenario.toml")
    agents = read_agents(FIXTURES / kind / "agents.csv")
    inputs = {
        "requirements_df": read_requirements(FIXTURES / kind / "requirements.csv"),
        "agents": agents,
        "unavailability": read_unavailability(FIXTURES / kind / "unavailability.csv", agents),
    }
    if kind == "office":
        names = {t.name for t in scenario.config.shift_templates}
        inputs["preferences"] = read_preferences(FIXTURES / kind / "preferences.csv", agents, names)
    return scenario, read_roster(FIXTURES / kind / "rosters" / "valid.csv", scenario), inputs


def _changed(scenario: Scenario, **tables: object) -> Scenario:
    """The scenario with some of its top-level tables replaced (budget, service, objective, …)."""
    return dataclasses.replace(scenario, config=scenario.config.model_copy(update=tables))


@pytest.mark.parametrize("kind", ["office", "nonstop", "weekrules"])
def test_valid_roster_breaks_no_rule(kind: str) -> None:
    report = _check(kind)
    assert report.violations == ()
    assert report.ok


@pytest.mark.parametrize(("kind", "rule"), RULE_FIXTURES)
def test_fixture_breaks_exactly_the_rule_it_is_named_after(kind: str, rule: str) -> None:
    report = _check(kind, rule)
    assert {v.rule for v in report.violations} == {rule}, [v.detail for v in report.violations]


def test_every_rule_has_a_broken_fixture_or_its_own_test() -> None:
    assert {rule for _, rule in RULE_FIXTURES} | {"budget"} == set(RULES)


def test_violations_name_agent_date_and_detail() -> None:
    (v,) = _check("office", "rest").violations
    assert (v.agent_id, v.date, v.rule) == ("a3", dt.date(2026, 3, 7), "rest")
    assert v.detail == (
        "12 h between the shift ending 2026-03-06T20:00 and the one starting 2026-03-07T08:00 (min 12.5 h)"
    )
    (v,) = _check("nonstop", "unavailable").violations
    assert (v.agent_id, v.date) == ("n2", dt.date(2026, 3, 3))
    assert "overlaps unavailability on 2026-03-04 00:00–02:00" in v.detail  # after midnight
    (v,) = _check("office", "operating-hours").violations
    assert v.detail == "works 13:00–19:00 on 2026-03-08 (Sunday, closed)"


# --- coverage and objective, computed by hand on the office fixture -----------------------------------


def test_office_coverage_by_hand() -> None:
    cov = _check("office").coverage
    assert list(cov.columns) == [
        "interval_start",
        "queue",
        "required_agents",
        "scheduled_agents",
        "under",
        "over",
        "service_level",
        "asa_seconds",
        "contacts",
        "occupancy",
        "abandon_rate",
    ]
    assert len(cov) == 14 * 48 * 2  # every 30-minute interval of 14 days × queues en, es
    es = cov[(cov["queue"] == "es") & (cov["interval_start"].dt.date == dt.date(2026, 3, 2))]
    on = es.set_index(es["interval_start"].dt.strftime("%H:%M"))["scheduled_agents"]
    # a1 08:00–16:00 with coffee 09:00–09:30 and lunch 12:00–13:00 (breaks removed; end exclusive)
    assert on["07:30"] == 0 and on["08:00"] == 1 and on["08:30"] == 1
    assert on["09:00"] == 0 and on["09:30"] == 1
    assert on["12:00"] == 0 and on["12:30"] == 0 and on["13:00"] == 1
    assert on["15:30"] == 1 and on["16:00"] == 0
    assert on.sum() == 13  # 16 intervals − 1 coffee − 2 lunch


def test_office_objective_by_hand() -> None:
    r = _check("office")
    # required (es, Mar 2): 08:00 → 1 (a1 on), 09:00 → 2 (a1 on coffee), 12:00 → 1 (lunch), 16:00 → 1 (ended);
    # (en, Mar 2) 09:00 → 1 (a2 on). Under: 0 + 2 + 1 + 1 = 4 intervals = 2 agent-hours.
    assert r.under_agent_hours == 2.0
    # on-phone intervals: a1 6 shifts × 13, a2 2 × 7, a3 2 × 11 = 114;
    # 2 of them meet a requirement → 112 × 0.5 h
    assert r.over_agent_hours == 56.0
    # paid hours a1 6 × 7, a2 2 × 4, a3 2 × 6 = 62; cost a1 42 × 10 + a2 8 × 12 + a3 12 × 0 = 516
    assert r.hours_used == 62.0 and r.budget_hours == 100.0
    # preferences: a1 prefers 'day' on Mar 2 (met); a2 avoids a 09:00 start on Mar 3 (starts 09:00: +2);
    # a3 prefers 'late' on Mar 9 (no shift: +1) → 3.
    # fairness: weekend days a3 1, others 0 → spread 1; late shifts (end ≥ 19:00) a3 2 → spread 2.
    assert r.fairness == {
        "weekend_days": {"min": 0.0, "max": 1.0, "spread": 1.0},
        "late_shifts": {"min": 0.0, "max": 2.0, "spread": 2.0},
    }
    expected = {
        "under_staffing": 10 * 2.0,
        "over_staffing": 1 * 56.0,
        "cost": 0.1 * 516,
        "preferences": 2 * 3.0,
        "fairness": 0.5 * 3.0,
    }
    assert r.objective_terms == pytest.approx(expected, rel=1e-12)
    assert r.objective == pytest.approx(135.1, rel=1e-12)


def test_office_service_level_by_hand() -> None:
    r = _check("office")
    # M/M/1 (Erlang C with N = 1): P(wait > T) = ρ·exp(−(1 − ρ)·T/AHT), ρ = contacts × AHT / 1800 s.
    sl_es_0800 = 1 - 0.5 * math.exp(-(1 - 0.5) * 20 / 300)  # 3 contacts × 300 s, a1 on the phone
    sl_en_0900 = 1 - (2 / 3) * math.exp(-(1 / 3) * 20 / 240)  # 5 contacts × 240 s, a2 on the phone
    # the other contacts (20 + 10 + 10 on es) meet no agent on the phone: service level 0
    expected = (3 * sl_es_0800 + 5 * sl_en_0900) / 48
    assert r.projected_service_level == pytest.approx(expected, rel=1e-9)
    assert r.service_level_by_day == pytest.approx({"2026-03-02": expected}, rel=1e-9)
    row = r.coverage[(r.coverage["queue"] == "es") & (r.coverage["interval_start"] == "2026-03-02T09:00")]
    assert row["service_level"].item() == 0.0 and math.isinf(row["asa_seconds"].item())


def test_shrinkage_lowers_agents_on_the_phone() -> None:
    scenario, shifts, inputs = _inputs("office")
    half = _changed(scenario, service=scenario.config.service.model_copy(update={"shrinkage": 0.5}))
    # ⌊1 × (1 − 0.5)⌋ = 0 agents on the phone wherever one is scheduled: no contact answered in time
    assert check_roster(half, shifts, **inputs).projected_service_level == 0.0
    assert check_roster(scenario, shifts, **inputs).projected_service_level > 0.0


@pytest.mark.parametrize(
    ("hours", "counted_on", "broken"),
    [
        (62, "paid", False),
        (61.5, "paid", True),  # paid hours: 62
        (57, "productive", False),
        (56.5, "productive", True),
    ],  # productive: 62 − 10 paid coffee breaks × 0.5 h
)
def test_budget_rule(hours: float, counted_on: str, broken: bool) -> None:
    scenario, shifts, inputs = _inputs("office")
    budget = BudgetConfig(hours=hours, counted_on=counted_on)
    report = check_roster(_changed(scenario, budget=budget), shifts, **inputs)
    assert report.hours_used == (62.0 if counted_on == "paid" else 57.0)
    if broken:
        (v,) = report.violations
        assert (v.agent_id, v.date, v.rule) == ("*", None, "budget")
        assert v.detail == f"{report.hours_used:g} {counted_on} hours used, budget {hours:g}"
    else:
        assert report.violations == ()


# --- 24/7: shifts across midnight ---------------------------------------------------------------------


def test_night_shift_covers_both_days_with_its_break_removed() -> None:
    r = _check("nonstop")
    cov = r.coverage
    assert len(cov) == 7 * 96
    night = cov[(cov["interval_start"] >= "2026-03-02T21:45") & (cov["interval_start"] < "2026-03-03T06:15")]
    on = night.set_index(night["interval_start"].dt.strftime("%d %H:%M"))["scheduled_agents"]
    # n1 22:00 Mon – 06:00 Tue, meal 02:00–02:30 Tue
    assert on["02 21:45"] == 0 and on["02 22:00"] == 1 and on["02 23:45"] == 1 and on["03 00:00"] == 1
    assert on["03 01:45"] == 1 and on["03 02:00"] == 0 and on["03 02:15"] == 0 and on["03 02:30"] == 1
    assert on["03 05:45"] == 1 and on["03 06:00"] == 0
    assert cov["scheduled_agents"].sum() == 3 * 30 + 16  # three nights of 32 − 2, one early shift of 16
    # under: 22:00 needs 2 (1 on), 02:00 and 02:15 need 1 (meal) → 3 quarter-hours
    assert r.under_agent_hours == 0.75
    assert r.over_agent_hours == (106 - 3) * 0.25
    # productive hours (meal unpaid: productive = paid): 3 × 7.5 + 4
    assert r.hours_used == 26.5
    assert r.fairness["late_shifts"] == {"min": 0.0, "max": 3.0, "spread": 3.0}  # nights end on a later date


def test_shift_past_the_horizon_end_counts_only_inside() -> None:
    scenario, shifts, inputs = _inputs("nonstop")
    start = dt.datetime(2026, 3, 8, 22, 0)  # the horizon's last day, a Sunday
    last = RosterShift(
        "n2",
        start.date(),
        "main",
        "night",
        start,
        start + dt.timedelta(hours=8),
        (Break("meal", start + dt.timedelta(hours=4), start + dt.timedelta(hours=4.5)),),
        7.5,
    )
    report = check_roster(scenario, [*shifts, last], **inputs)
    assert report.violations == ()
    assert report.coverage["scheduled_agents"].sum() == 106 + 8  # 22:00–24:00 only
    assert report.hours_used == 26.5 + 7.5  # its hours count in full


def test_requirements_off_the_scenario_grid_are_refused() -> None:
    scenario, shifts, inputs = _inputs("office")
    df = inputs["requirements_df"].copy()
    df.loc[df.index[0], "interval_start"] += np.timedelta64(15, "m")
    with pytest.raises(InputError, match="not on the scenario's 30-minute grid"):
        check_roster(scenario, shifts, **{**inputs, "requirements_df": df})


def test_report_is_deterministic_and_sorted() -> None:
    a, b = _check("office", "max-weekends"), _check("office", "max-weekends")
    assert a.to_dict() == b.to_dict()
    merged = _check("office", "unknown-agent")
    keys = [(v.agent_id, v.date or dt.date.min) for v in merged.violations]
    assert keys == sorted(keys)


# --- CLI ----------------------------------------------------------------------------------------------

runner = CliRunner()


def _cli(*args: str | Path):
    return runner.invoke(app, ["check", *map(str, args)])


def test_cli_valid_roster_exits_0_with_the_figures() -> None:
    office = FIXTURES / "office"
    result = _cli(office / "scenario.toml", office / "rosters" / "valid.csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("valid.csv: every rule holds")
    objective = "objective 135.1 = under staffing 20, over staffing 56, cost 51.6, preferences 6, fairness 1.5"
    assert objective in lines
    assert "hours used 62 paid hours, budget 100" in lines
    assert "under-staffed 2 agent-hours, over-staffed 56 agent-hours" in lines


def test_cli_broken_roster_exits_6_and_lists_the_violation() -> None:
    office = FIXTURES / "office"
    result = _cli(office / "scenario.toml", office / "rosters" / "max-weekends.csv")
    assert result.exit_code == EXIT_RULES_BROKEN == 6
    assert "a3" in result.stdout and "2026-03-14" in result.stdout and "max-weekends" in result.stdout
    assert "max-weekends.csv: 1 violation(s) of max-weekends" in result.stdout


def test_cli_json_report() -> None:
    office = FIXTURES / "office"
    result = _cli(office / "scenario.toml", office / "rosters" / "breaks.csv", "--json")
    assert result.exit_code == EXIT_RULES_BROKEN
    data = json.loads(result.stdout)
    assert data["violations"] == [
        {
            "agent_id": "a1",
            "date": "2026-03-03",
            "rule": "breaks",
            "detail": "break 'lunch' 11:00–12:00 starts 180 min after the shift start, not 210–270",
        }
    ]
    assert data["objective"] == pytest.approx(_check("office", "breaks").objective, rel=1e-12)
    assert set(data) >= {
        "objective_terms",
        "hours_used",
        "budget_hours",
        "under_agent_hours",
        "over_agent_hours",
        "projected_service_level",
        "service_level_by_day",
        "fairness",
    }
    assert data["requirements"] == str(office / "requirements.csv")  # what coverage was scored against
    text = _cli(office / "scenario.toml", office / "rosters" / "breaks.csv").stdout
    assert text.rstrip().endswith(
        f"scored against {office / 'requirements.csv'} (the scenario's; give --requirements if the roster "
        "was built from others)"
    )


def test_cli_overrides_replace_the_scenarios_inputs(tmp_path: Path) -> None:
    office = FIXTURES / "office"
    agents = tmp_path / "agents.csv"
    agents.write_text("\n".join((office / "agents.csv").read_text().splitlines()[:3]) + "\n")  # without a3
    prefs = tmp_path / "preferences.csv"
    prefs.write_text("agent_id,date,shift_template_or_start,kind,weight\n")
    unavailability = tmp_path / "unavailability.csv"
    unavailability.write_text("agent_id,date,start,end\n")
    result = _cli(
        office / "scenario.toml",
        office / "rosters" / "valid.csv",
        "--agents",
        agents,
        "--preferences",
        prefs,
        "--unavailability",
        unavailability,
        "--json",
    )
    assert result.exit_code == EXIT_RULES_BROKEN
    violations = json.loads(result.stdout)["violations"]
    assert {(v["agent_id"], v["rule"]) for v in violations} == {("a3", "unknown-agent")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("office/scenario.toml", "office/rosters/missing.csv"), "missing.csv: roster file not found"),
        (
            ("office/scenario.toml", "roster_errors/end-before-start.csv"),
            "end-before-start.csv, row 3, column 'shift_end': shift_end 2026-03-02T09:00 is not after",
        ),
        (
            ("office/scenario.toml", "office/rosters/valid.csv", "--requirements", "office/nope.csv"),
            "nope.csv: requirements file not found",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_one_message(args: tuple[str, ...], message: str) -> None:
    result = _cli(*[FIXTURES / a if a.endswith((".csv", ".toml")) else a for a in args])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_scenario_without_requirements_input_says_how_to_fix(tmp_path: Path) -> None:
    text = (FIXTURES / "office" / "scenario.toml").read_text()
    text = text.replace('requirements = "requirements.csv"\n', "")
    (tmp_path / "scenario.toml").write_text(text)
    with pytest.raises(
        InputError,
        match=r"no requirements file: set \[inputs\].requirements in the scenario "
        r"or give --requirements",
    ):
        check_files(tmp_path / "scenario.toml", FIXTURES / "office" / "rosters" / "valid.csv")


def test_operating_hours_hold_on_each_calendar_day_a_shift_touches() -> None:
    scenario, shifts, inputs = _inputs("nonstop")
    hours = {**scenario.config.operating_hours, "tuesday": "08:00-24:00", "wednesday": "00:00-04:00"}
    partial = _changed(scenario, operating_hours=hours)
    report = check_roster(partial, shifts, **inputs)
    # nights 22:00–06:00 of n1 starting Mon 2, Tue 3 and Wed 4
    assert [(v.date.day, v.rule, v.detail) for v in report.violations] == [
        (2, "operating-hours", "works 00:00–06:00 on 2026-03-03 (Tuesday, open 08:00–24:00)"),
        (3, "operating-hours", "works 00:00–06:00 on 2026-03-04 (Wednesday, open 00:00–04:00)"),
        (4, "operating-hours", "works 22:00–24:00 on 2026-03-04 (Wednesday, open 00:00–04:00)"),
    ]


def _erlang_c_service_level(traffic: float, agents: int, answer_s: float, aht_s: float) -> float:
    """Erlang C P(wait ≤ T) from its textbook form with factorials (small N only; Koole 2013, ch. 5)."""
    if agents <= traffic:
        return 0.0
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    wait = top / (sum(traffic**k / math.factorial(k) for k in range(agents)) + top)
    return 1 - wait * math.exp(-(agents - traffic) * answer_s / aht_s)


def test_service_objective_counts_the_contacts_lost_against_the_service_value() -> None:
    scenario, shifts, inputs = _inputs("office")
    service = _changed(
        scenario, objective=scenario.config.objective.model_copy(update={"kind": "service", "service_weight": 2.0})
    )
    by_coverage = check_roster(scenario, shifts, **inputs)
    by_service = check_roster(service, shifts, **inputs)
    assert set(by_service.objective_terms) == {"lost_contacts", "cost", "preferences", "fairness"}
    for term in ("cost", "preferences", "fairness"):
        assert by_service.objective_terms[term] == by_coverage.objective_terms[term]

    # V(n) = contacts × SL(n agents) (shrinkage 0), enveloped over all n ≥ 0. With one agent on, the
    # concave envelope at 1 is the best of V(1) and the chords from (0, 0), V(j)/j (j ≥ 2; V(j) ≤
    # contacts, so j ≤ 10 is plenty here). Intervals with contacts and nobody on lose them all.
    def value_of_one(contacts: float, aht_s: float) -> float:
        traffic = contacts * aht_s / 1800
        v = [contacts * _erlang_c_service_level(traffic, n, 20, aht_s) for n in range(11)]
        return max(v[1], *(v[j] / j for j in range(2, 11)))

    answered = value_of_one(3, 300) + value_of_one(5, 240)  # es 08:00 (a1 on), en 09:00 (a2 on)
    lost = 48 - answered
    assert lost < 48 * (1 - by_service.projected_service_level)  # the envelope lifts en 09:00
    assert by_service.objective_terms["lost_contacts"] == pytest.approx(2.0 * lost, rel=1e-9)
    assert by_service.objective == pytest.approx(sum(by_service.objective_terms.values()), rel=1e-12)
