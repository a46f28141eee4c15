"""The catalogue of week rules (`models.rules`): each rule's hooks keep it, every rule has its checker
rule and a broken fixture, and a solve under the rules keeps them (the independent checker says so)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models.rules import CATALOGUE, WeekShifts, rules_in_force
from models.rules.late_shifts import MaxLateShifts
from models.rules.start_spread import StartTimeSpread
from wfm.checker import RULES

ROOT = Path(__file__).parent.parent
LATE_FROM = 19 * 60


def _late_ok(rule: MaxLateShifts, ends: list[int]) -> bool:
    return sum(e >= LATE_FROM for e in ends) <= rule.max_per_week


def _spread_ok(rule: StartTimeSpread, starts: list[int]) -> bool:
    return not starts or max(starts) - min(starts) <= rule.spread_min


def _holds(rule: object, starts: list[int], ends: list[int]) -> bool:
    return _late_ok(rule, ends) if isinstance(rule, MaxLateShifts) else _spread_ok(rule, starts)  # type: ignore[arg-type]


def test_every_rule_of_the_catalogue_has_a_checker_rule_and_a_broken_fixture() -> None:
    fixtures = {p.stem for p in (ROOT / "tests" / "fixtures" / "checker").glob("*/rosters/*.csv")}
    for rule in CATALOGUE:
        assert rule.name in RULES, rule
        assert rule.name in fixtures, rule


def test_settings_turn_the_rules_on() -> None:
    assert rules_in_force({"late_from_min": LATE_FROM}) == ()
    on = rules_in_force({"max_late_shifts_week": 2, "start_time_spread_min": 120, "late_from_min": LATE_FROM})
    assert set(on) == {MaxLateShifts(2, LATE_FROM), StartTimeSpread(120)}


def test_known_values() -> None:
    late = MaxLateShifts(1, LATE_FROM)
    one_late = WeekShifts.of([600], [1200])
    assert late.allows(np.array([480, 600]), np.array([960, 1140]), one_late).tolist() == [True, False]
    # a day ahead whose every option is late takes the week's one late shift
    ahead = [WeekShifts.of([660, 720], [1170, 1230])]
    assert late.allows(np.array([600]), np.array([1140]), WeekShifts.of([], []), ahead).tolist() == [False]
    spread = StartTimeSpread(120)
    assert spread.allows(np.array([360, 420, 600, 660]), np.zeros(4), WeekShifts.of([480, 540], [0, 0])).tolist() == [
        False,
        True,
        True,
        False,
    ]
    # a day ahead that can only start at 12:00 holds today's start to 10:00 or later
    ahead = [WeekShifts.of([720], [1200])]
    assert spread.allows(np.array([540, 600]), np.zeros(2), WeekShifts.of([], []), ahead).tolist() == [False, True]


def test_the_late_rule_bounds_each_class_week_in_the_aggregate() -> None:
    rule = MaxLateShifts(2, LATE_FROM)
    rows = rule.aggregate_rows(
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 0]),
        np.zeros(4, dtype=np.int64),
        np.array([1200, 1200, 1000, 1260]),
        np.array([3, 5]),
    )
    assert rows is not None
    assert sorted(zip(rows.option.tolist(), rows.rhs[rows.row].tolist(), strict=True)) == [(0, 6), (1, 6), (3, 10)]


weeks = st.lists(st.tuples(st.integers(0, 20), st.sampled_from([4, 6, 8, 9])), min_size=1, max_size=6)


@settings(max_examples=80, deadline=None)
@given(weeks, st.integers(0, 3), st.integers(0, 8))
def test_placing_shifts_one_at_a_time_with_allows_keeps_the_rules(days: list, max_late: int, spread_steps: int) -> None:
    """Each day offers starts 08:00 + 30 min × k; a shift takes the first allowed candidate, looking
    ahead at the days still to place: the week keeps both rules whenever every day found one."""
    for rule in (MaxLateShifts(max_late, LATE_FROM), StartTimeSpread(30 * spread_steps)):
        options = [(np.arange(480, 480 + 30 * (k + 1), 30), length * 60) for k, length in days]
        starts: list[int] = []
        ends: list[int] = []
        for i, (cand, length) in enumerate(options):
            ahead = [WeekShifts(c, c + n) for c, n in options[i + 1 :]]
            ok = rule.allows(cand, cand + length, WeekShifts.of(starts, ends), ahead)
            if not ok.any():
                break
            pick = int(np.flatnonzero(ok)[-1])  # the latest allowed: the hardest on the rules
            starts.append(int(cand[pick]))
            ends.append(int(cand[pick]) + length)
        assert _holds(rule, starts, ends)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(480, 720), st.sampled_from([240, 480, 540])), min_size=1, max_size=4),
    st.integers(0, 3),
    st.integers(0, 8),
)
def test_any_jointly_allowed_choices_keep_the_rules(week: list, max_late: int, spread_steps: int) -> None:
    """From a week that keeps the rule, every combination of the candidates `allows_jointly` gives
    each shift keeps it too."""
    starts = [s for s, _ in week]
    ends = [s + n for s, n in week]
    cand = np.arange(420, 900, 30)
    for rule in (MaxLateShifts(max_late, LATE_FROM), StartTimeSpread(30 * spread_steps)):
        if not _holds(rule, starts, ends):
            continue
        present = WeekShifts.of(starts, ends)
        choices = []
        for i, (_, length) in enumerate(week):
            ok = rule.allows_jointly(cand, cand + length, i, present)
            choices.append([(int(c), int(c) + length) for c in cand[ok]])
        for combo in itertools.islice(itertools.product(*choices), 200):
            assert _holds(rule, [s for s, _ in combo], [e for _, e in combo])


def _imports(path: Path) -> set[str]:
    """Modules `path` imports; `from package import module` counts as importing the module."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):  # imports for type checking only never run: not a dependency
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.update(f"{node.module}.{a.name}" for a in node.names)
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_layers_import_one_way_without_cycles() -> None:
    """models/ never imports wfm or the CLI; wfm never imports the CLI; no module imports itself back."""
    modules = {}
    for top in ("wfm", "models"):
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = {m for m in _imports(path) if m.split(".")[0] in ("wfm", "models", "cli")}
    for name, deps in modules.items():
        if name.startswith("models"):
            assert not {d for d in deps if not d.startswith("models")}, name
        if name.startswith("wfm.kpi"):  # the KPI page renders with wfm.render, never the schedule report
            assert not {d for d in deps if d.startswith("wfm.report")}, name
        assert "cli" not in deps, name
    # `from wfm.report import charts` names the module wfm.report.charts, not the package's __init__
    graph = {
        n: {
            d for d in deps if d in modules and d != n and not any(e.startswith(d + ".") and e in modules for e in deps)
        }
        for n, deps in modules.items()
    }
    state: dict[str, int] = {}

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for d in graph[n]:
            assert state.get(d) != 1, " -> ".join([*path, n, d])
            if d not in state:
                visit(d, [*path, n])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])


def test_no_function_in_the_library_or_models_is_longer_than_100_lines() -> None:
    long = set()
    for top in ("wfm", "models"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 100:
                    long.add(f"{path.relative_to(ROOT)} {node.name}")
    assert not long, sorted(long)
