"""The fuzz corpus: broken inputs generated over every command (hypothesis, derandomized so the corpus
is the same on every run). For each one: no traceback, never exit 1 (a bug), nothing half-written
(a refused command leaves no output behind), and the user's files byte-identical afterwards.

Families (examples each, `CORPUS_SIZE` in all; recorded in docs/run.md):
- scenario keys of a small scenario set to wrong types, out-of-range or non-finite values, deleted,
  or joined by unknown keys → `wfm check`, and `wfm schedule` and `wfm run` when the library's
  `load_inputs` refuses the inputs (no solve is ever started: a valid mutation is only checked);
- CSV cells, columns and whole files of every input (agents, time off, preferences, requirements,
  roster, forecast, history, contact log, a schedule's coverage and summary) → the commands reading them;
- command-line options set to bad values → every command (refused before any work).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import math
import shutil
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from tests.report_fixture import make_schedule_output
from wfm.errors import InputError
from wfm.schedule import load_inputs

ROOT = Path(__file__).resolve().parents[1]
OFFICE = ROOT / "tests" / "fixtures" / "checker" / "office"
HISTORY = ROOT / "tests" / "fixtures" / "pipeline" / "history.csv"
CONTACTS = ROOT / "tests" / "fixtures" / "kpi" / "contacts.csv"
FORECAST_ROWS = 96  # of data/forecast.csv: two queues, the first day
ALLOWED_EXITS = {0, 2, 3, 4, 6}  # 1 is a bug; 5 (lock) and 130 (signal) cannot happen here
EXAMPLES = {"scenario": 110, "csv": 150, "options": 60}
CORPUS_SIZE = sum(EXAMPLES.values())
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
runner = CliRunner()
# Bugs the corpus finds in code this file's owner may not change: counted, reported, not failed.
KNOWN_BUGS = {
    ("report", "DateParseError"): "wfm/report: a summary.json service_level_by_day key that is not a date "
    "(its summary model takes any string; pd.Timestamp raises in charts.service_level_by_day)",
}
KNOWN: Counter[str] = Counter()
CORPUS: Counter[str] = Counter()  # family → examples run
EXITS: Counter[tuple[str, int]] = Counter()  # (command, exit code) → count


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def invoke(args: list[str], user: Path, out: Path | None = None) -> int:
    """Run `wfm ARGS`; check the invariants (module docstring); return the exit code."""
    before = snapshot(user)
    result = runner.invoke(app, args)
    command = args[0]
    known = [bug for (cmd, text), bug in KNOWN_BUGS.items() if cmd == command and text in result.output]
    if result.exit_code == 1 and known:
        KNOWN[known[0]] += 1
        return 1
    assert result.exit_code in ALLOWED_EXITS, (args, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if result.exit_code not in (0, 4, 6):  # 4, 6: a roster that breaks a rule, reported as such
        assert "wfm: error:" in result.output or "\nError: Invalid value" in result.output, result.output
    after = snapshot(user)
    assert {k: after.get(k) for k in before} == before, f"{args}: user files changed"
    new = set(after) - set(before)  # only `wfm report` writes beside its input: report.html, report_*.png
    assert all(k.startswith("result/report") for k in new) and (not new or command == "report"), new
    if out is not None and result.exit_code not in (0, 4):  # 4: a complete roster that breaks a rule
        assert not out.exists(), f"{args}: output written on exit {result.exit_code}"
    EXITS[(command, result.exit_code)] += 1
    return result.exit_code


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    """The pristine inputs every example copies: the office scenario, a forecast, a schedule output."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(OFFICE, root / "office")
        lines = (ROOT / "data" / "forecast.csv").read_text(encoding="utf-8").splitlines()[: FORECAST_ROWS + 1]
        (root / "office" / "forecast.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        shutil.copyfile(HISTORY, root / "office" / "history.csv")
        shutil.copyfile(CONTACTS, root / "office" / "contacts.csv")
        make_schedule_output(root / "result", days=2, agents=3)
        yield root


@pytest.fixture()
def work(base: Path) -> Iterator[Any]:
    """A factory of fresh copies of `base` (one per hypothesis example)."""

    def fresh() -> Path:
        tmp = Path(tempfile.mkdtemp(prefix="wfm-fuzz-"))
        shutil.copytree(base, tmp / "user")
        made.append(tmp)
        return tmp / "user"

    made: list[Path] = []
    yield fresh
    for tmp in made:
        shutil.rmtree(tmp, ignore_errors=True)


# --- scenario keys ------------------------------------------------------------------------------

SCENARIO = tomllib.loads((OFFICE / "scenario.toml").read_text(encoding="utf-8"))
BAD_VALUES: list[Any] = [
    -1,
    0,
    -1e308,
    1e308,
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
    "garbage",
    "",
    "25:00",
    "08:07",
    [],
    [-1],
    {"bogus": 1},
    dt.date(9999, 12, 30),
    dt.date(1, 1, 1),
    10**18,
]


def key_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the scenario (tables, arrays and values)."""
    paths = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            paths += key_paths(value, (*prefix, key))
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for i, value in enumerate(node):
            paths += key_paths(value, (*prefix, i))
    return paths


PATHS = key_paths(SCENARIO)


def mutate(doc: dict, path: tuple, op: str, value: Any) -> dict:
    doc = copy.deepcopy(doc)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if op == "set":
        parent[path[-1]] = value
    elif op == "delete":
        del parent[path[-1]]
    elif isinstance(parent[path[-1]], dict):
        parent[path[-1]]["bogus_key"] = value
    else:
        parent[path[-1]] = {"nested": value}
    return doc


@settings(FUZZ, max_examples=EXAMPLES["scenario"])
@given(
    path=st.sampled_from(PATHS),
    op=st.sampled_from(["set", "set", "set", "delete", "unknown"]),
    value=st.sampled_from(BAD_VALUES),
)
def test_broken_scenario_keys(work, path, op, value):
    user = work()
    scenario = user / "office" / "scenario.toml"
    scenario.write_text(tomli_w.dumps(mutate(SCENARIO, path, op, value)), encoding="utf-8")
    CORPUS["scenario"] += 1
    invoke(["check", str(scenario), str(user / "office" / "rosters" / "valid.csv")], user)
    _schedule_if_refused(user, scenario)


def _schedule_if_refused(user: Path, scenario: Path) -> None:
    """`wfm schedule` and `wfm run` must refuse (exit 2) what `load_inputs` refuses; a valid scenario is
    not solved here."""
    try:
        load_inputs(scenario)
    except InputError:
        out = user.parent / "out"
        for command in ("schedule", "run"):
            code = invoke(
                [command, str(scenario), "--out", str(out), "--time-limit-s", "1", "--workers", "1"], user, out
            )
            assert code == 2


# --- CSV cells ----------------------------------------------------------------------------------

BAD_CELLS = [
    "",
    "garbage",
    "-1",
    "1e300",
    "inf",
    "nan",
    "1e12",
    "2026-02-30",
    "25:61",
    "08:07",
    "a;b",
    '"',
    "0",
    "9999-12-31T00:00",
    "0001-01-01",
    "true",
    "1,5",
    "\u00e9\U0001f642",
    "x" * 300,
    "2026-03-02T08:00+05:00",
]
CSV_TARGETS = {  # file under user/ → the command reading it (OUT: where it writes)
    "office/agents.csv": "check",
    "office/unavailability.csv": "check",
    "office/preferences.csv": "check",
    "office/requirements.csv": "check",
    "office/rosters/valid.csv": "check",
    "office/forecast.csv": "requirements",
    "office/history.csv": "forecast",
    "office/contacts.csv": "kpi",
    "result/coverage.csv": "report",
    "result/summary.json": "report",
}
# the scheduler's inputs most often; a report that renders costs a second, so it is drawn least
WEIGHTED_TARGETS = [t for t in sorted(CSV_TARGETS) for _ in range(3 if t.startswith("office/") else 1)]
OPS = [
    "cell",
    "cell",
    "cell",
    "cell",
    "drop-column",
    "duplicate-row",
    "unknown-column",
    "header-only",
    "empty",
    "binary",
    "semicolon",
]


def mutate_csv(path: Path, op: str, row: int, column: int, cell: str) -> None:
    if path.suffix == ".json":  # a schedule's summary: corrupt the text itself
        text = path.read_text(encoding="utf-8")
        cut = row * 37 % max(len(text), 1)
        path.write_text(text[:cut] + cell + text[cut + 1 :], encoding="utf-8")
        return
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    r, c = (row % len(body) if body else 0), column % len(header)
    if op == "cell" and body:
        body[r][c] = cell
    elif op == "drop-column":
        header, body = header[:c] + header[c + 1 :], [b[:c] + b[c + 1 :] for b in body]
    elif op == "duplicate-row" and body:
        body.insert(r, list(body[r]))
    elif op == "unknown-column":
        header, body = [*header, "bogus"], [[*b, cell] for b in body]
    elif op == "header-only":
        body = []
    elif op in ("empty", "binary"):
        path.write_bytes(b"" if op == "empty" else b"\xff\xfe\x00garbage\x00\n")
        return
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";" if op == "semicolon" else ",", lineterminator="\n").writerows([header, *body])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def csv_command(target: str, user: Path) -> tuple[list[str], Path | None]:
    office, out = user / "office", user.parent / "out"
    command = CSV_TARGETS[target]
    if command == "check":
        return ["check", str(office / "scenario.toml"), str(office / "rosters" / "valid.csv")], None
    if command == "requirements":
        return ["requirements", str(office / "forecast.csv"), "--out", str(out)], out
    if command == "forecast":
        return ["forecast", str(office / "history.csv"), "--start", "2026-03-02", "--days", "2", "--out", str(out)], out
    if command == "kpi":
        return ["kpi", str(office / "contacts.csv"), "--out", str(out)], out
    return ["report", str(user / "result")], None


@settings(FUZZ, max_examples=EXAMPLES["csv"])
@given(
    target=st.sampled_from(WEIGHTED_TARGETS),
    op=st.sampled_from(OPS),
    row=st.integers(0, 200),
    column=st.integers(0, 20),
    cell=st.sampled_from(BAD_CELLS),
)
def test_broken_csv_files(work, target, op, row, column, cell):
    user = work()
    mutate_csv(user / target, op, row, column, cell)
    CORPUS["csv"] += 1
    args, out = csv_command(target, user)
    invoke(args, user, out)
    if target.startswith("office/") and CSV_TARGETS[target] == "check" and "rosters" not in target:
        _schedule_if_refused(user, user / "office" / "scenario.toml")


# --- options ------------------------------------------------------------------------------------

BAD_OPTIONS = {  # command → option → values that must be refused
    "schedule": {
        "--time-limit-s": ["-1", "0", "nan", "inf", "abc", "1e308"],
        "--workers": ["0", "-1", "65", "x"],
        "--seed": ["-1", "1e308", "x"],
        "--objective": ["bogus", ""],
    },
    "run": {
        "--time-limit-s": ["-1", "nan", "inf"],
        "--workers": ["0", "65"],
        "--seed": ["-1"],
        "--log-format": ["xml", ""],
    },
    "batch": {"--time-limit-s": ["-1", "nan"], "--workers": ["0", "-3"], "--log-format": ["xml"]},
    "requirements": {
        "--service-level": ["0", "2", "nan", "-1"],
        "--answer-time-s": ["-1", "nan"],
        "--max-occupancy": ["0", "1.5"],
        "--shrinkage": ["1", "-0.1"],
        "--model": ["erlang-z"],
        "--channel": ["fax"],
        "--concurrency": ["0", "-2"],
        "--quantile": ["0", "1.5", "nan"],
    },
    "forecast": {
        "--days": ["0", "-1", "100000", "x"],
        "--start": ["2026-02-30", "yesterday", "9999-12-31"],
        "--method": ["magic"],
        "--interval-min": ["7", "0"],
        "--quantile": ["0", "2"],
    },
    "kpi": {"--answer-time-s": ["-1", "nan"], "--short-abandon-s": ["-5"], "--interval-min": ["7", "0"]},
    "report": {"--day": ["2026-02-30", "x", "1999-01-01"], "--max-agents": ["0", "-1"]},
    "check": {"--requirements": ["missing.csv"], "--agents": ["missing.csv"]},
}


def option_command(command: str, option: str, value: str, user: Path) -> tuple[list[str], Path | None]:
    office, out = user / "office", user.parent / "out"
    base_args = {
        "schedule": ["schedule", str(office / "scenario.toml"), "--out", str(out)],
        "run": ["run", str(office / "scenario.toml"), "--out", str(out)],
        "batch": ["batch", str(office / "scenario.toml"), "--out", str(out)],
        "requirements": ["requirements", str(office / "forecast.csv"), "--out", str(out)],
        "forecast": [
            "forecast",
            str(office / "history.csv"),
            "--start",
            "2026-03-02",
            "--days",
            "2",
            "--out",
            str(out),
        ],
        "kpi": ["kpi", str(office / "contacts.csv"), "--out", str(out)],
        "report": ["report", str(user / "result")],
        "check": ["check", str(office / "scenario.toml"), str(office / "rosters" / "valid.csv")],
    }[command]
    return [*base_args, option, value], (None if command in ("report", "check") else out)


OPTION_CASES = [(c, o, v) for c, options in BAD_OPTIONS.items() for o, values in options.items() for v in values]


@settings(FUZZ, max_examples=EXAMPLES["options"])
@given(case=st.sampled_from(OPTION_CASES))
def test_bad_options(work, case):
    user = work()
    args, out = option_command(*case, user)
    CORPUS["options"] += 1
    assert invoke(args, user, out) == 2, args


def test_zz_the_corpus_is_at_least_300_inputs():
    """Runs last in this file: the families above generated the corpus the docs record."""
    if not CORPUS:
        pytest.skip("run with the families above")
    assert sum(CORPUS.values()) >= 300, CORPUS
    print(
        f"\nfuzz corpus: {dict(CORPUS)} = {sum(CORPUS.values())}; exits: {sorted(EXITS.items())}; "
        f"known bugs hit: {dict(KNOWN)}"
    )
