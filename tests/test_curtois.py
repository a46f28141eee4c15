"""benchmarks.curtois: the reader (good and broken files), the mapping onto models.day_roster, the
independent validator against `evaluate`, Instance1 solved to its published optimum (607), and the
`python -m benchmarks curtois` command."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import curtois
from benchmarks.__main__ import main
from models.day_roster import OFF, SolveParams, evaluate, solve
from wfm.errors import InputError

INSTANCES = Path(__file__).parent.parent / "benchmarks" / "instances" / "curtois"
BROKEN = Path(__file__).parent / "fixtures" / "curtois"

# days, staff, shift types: the table of benchmarks/instances/curtois/README.md (Curtois & Qu 2014)
DIMENSIONS = {
    "Instance1": (14, 8, 1),
    "Instance2": (14, 14, 2),
    "Instance3": (14, 20, 3),
    "Instance4": (28, 10, 2),
    "Instance5": (28, 16, 2),
    "Instance6": (28, 18, 3),
}


def test_reads_instance1():
    instance = curtois.read(INSTANCES / "Instance1.txt")
    assert instance.name == "Instance1" and instance.days == 14
    assert instance.shifts == (curtois.Shift("D", 480, ()),)
    a = instance.staff[0]
    assert (a.id, a.max_shifts, a.max_total_minutes, a.min_total_minutes) == ("A", {"D": 14}, 4320, 3360)
    assert (a.max_consecutive_shifts, a.min_consecutive_shifts, a.min_consecutive_days_off, a.max_weekends) == (
        5,
        2,
        2,
        1,
    )
    assert instance.days_off["B"] == frozenset({5})
    assert len(instance.on_requests) == 21 and instance.on_requests[0] == curtois.Request("A", 2, "D", 2)
    assert instance.off_requests[-1] == curtois.Request("H", 3, "D", 3)
    assert instance.cover[1] == curtois.Cover(1, "D", 7, 100, 1)


@pytest.mark.parametrize("name", sorted(DIMENSIONS))
def test_reads_every_instance_with_its_published_dimensions(name):
    instance = curtois.read(INSTANCES / f"{name}.txt")
    assert (instance.days, len(instance.staff), len(instance.shifts)) == DIMENSIONS[name]
    assert len(instance.cover) == instance.days * len(instance.shifts)
    assert curtois.BEST_KNOWN[name] == curtois.KNOWN_OPTIMA[name]


def test_line_endings_and_comments_do_not_matter(tmp_path):
    crlf = (INSTANCES / "Instance3.txt").read_bytes()
    assert b"\r\n" in crlf  # the stored file keeps the original CRLF line ends
    text = crlf.decode().replace("\r\n", "\n").replace("SECTION_COVER\n", "SECTION_COVER\n# a comment\n\n")
    (tmp_path / "Instance3.txt").write_text(text.replace("0,E,2,100,1", "0,E,2,100,1  # inline"))
    assert curtois.read(tmp_path / "Instance3.txt") == curtois.read(INSTANCES / "Instance3.txt")


BROKEN_CASES = [  # fixture file stem (its defect), line reported, message fragment
    ("missing_cover_section", None, "missing section(s): SECTION_COVER"),
    ("unknown_section", 22, "unknown section 'SECTION_HOLIDAYS'"),
    ("data_before_first_section", 1, "data before the first section"),
    ("horizon_not_whole_weeks", 5, "whole number of weeks, got 13 days"),
    ("unknown_shift_in_cover", 67, "unknown shift 'X'"),
    ("staff_line_with_seven_fields", 15, "expected 8 comma-separated fields, got 7"),
    ("non_integer_weight", 35, "weight must be an integer, got 'two'"),
    ("day_outside_horizon", 25, "day 14 is outside the horizon 0..13"),
    ("unknown_employee_in_requests", 59, "unknown employee 'Z'"),
    ("max_shifts_names_unknown_shift", 16, "MaxShifts names unknown shift 'X'"),
    ("duplicate_employee", 20, "employee id 'G' is repeated"),
    ("cover_given_twice", 68, "cover for day 0, shift D given twice"),
    ("min_total_minutes_above_max", 17, "min total minutes 3360 exceeds max total minutes 3000"),
    ("unknown_forbidden_successor", 9, "unknown forbidden successor 'Q'"),
    ("negative_requirement", 69, "requirement must be ≥ 0, got -6"),
]


@pytest.mark.parametrize(("defect", "line", "fragment"), BROKEN_CASES)
def test_broken_files_name_their_line(defect, line, fragment):
    path = BROKEN / f"{defect}.txt"
    with pytest.raises(InputError) as caught:
        curtois.read(path)
    assert caught.value.row == line and caught.value.path == str(path)
    assert fragment in str(caught.value)


def test_every_broken_fixture_is_tested():
    tested = {defect for defect, _, _ in BROKEN_CASES}
    assert tested == {p.stem for p in BROKEN.glob("*.txt")}


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read instance"):
        curtois.read(tmp_path / "nope.txt")


def _largest_family_member(path: Path, days: int = 364, staff: int = 150, shifts: int = 32) -> None:
    """A file the size of Instance24, in the same format (CRLF, comments, every section)."""
    rng = np.random.default_rng(24)
    ids = [f"S{k}" for k in range(shifts)]
    lines = ["# synthetic", "SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    lines += [f"{s},{480 + 30 * (k % 4)},{ids[(k + 1) % shifts]}|{ids[(k + 2) % shifts]}" for k, s in enumerate(ids)]
    lines += ["", "SECTION_STAFF"]
    caps = "|".join(f"{s}={days if k % 3 else 0}" for k, s in enumerate(ids))
    lines += [f"E{e},{caps},{days * 400},{days * 200},5,2,2,{days // 14}" for e in range(staff)]
    lines += ["", "SECTION_DAYS_OFF"] + [f"E{e},{e % days},{(e + 7) % days}" for e in range(staff)]
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    lines += [f"E{e},{d},{ids[d % shifts]},2" for e in range(staff) for d in range(0, days, 30)]
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    lines += [f"E{e},{d},{ids[e % shifts]},3" for e in range(staff) for d in range(1, days, 45)]
    lines += ["", "SECTION_COVER"]
    lines += [f"{d},{s},{int(rng.integers(0, 6))},100,1" for d in range(days) for s in ids]
    path.write_bytes("\r\n".join(lines).encode() + b"\r\n")


def test_reads_and_maps_a_file_the_size_of_instance24(tmp_path):
    path = tmp_path / "Instance24like.txt"
    _largest_family_member(path)
    instance = curtois.read(path)
    assert (instance.days, len(instance.staff), len(instance.shifts), len(instance.cover)) == (364, 150, 32, 364 * 32)
    problem = curtois.to_problem(instance)
    assert problem.cover.shape == (364, 32) and len(problem.employees) == 150
    assert (1, 2) in problem.forbidden_successions and (31, 0) in problem.forbidden_successions
    assert problem.employees[0].max_shifts[0] == 0 and problem.employees[0].max_shifts[1] == 364


def test_mapping_of_instance3():
    instance = curtois.read(INSTANCES / "Instance3.txt")
    problem = curtois.to_problem(instance)
    assert [k.name for k in problem.kinds] == ["E", "D", "L"] and problem.first_weekday == 0
    assert problem.forbidden_successions == {(1, 0), (2, 0), (2, 1)}  # D→E, L→E, L→D
    p = problem.employees[15]
    assert (p.name, p.max_shifts, p.min_minutes, p.max_minutes) == ("P", (14, 14, 2), 1200, 2160)
    assert (p.max_consecutive, p.min_consecutive, p.min_consecutive_off, p.max_weekends) == (5, 1, 2, 1)
    assert p.days_off == frozenset({2})
    assert problem.cover[6].tolist() == [6, 5, 3] and (problem.under_weight == 100).all()
    assert problem.on_requests[0] == (1, 0, 1, 1)  # B wants D on day 0 with weight 1
    assert len(problem.off_requests) == len(instance.off_requests)


def test_validator_on_an_empty_roster():
    instance = curtois.read(INSTANCES / "Instance1.txt")
    check = curtois.validate(instance, [[None] * 14 for _ in instance.staff])
    uncovered = sum(c.requirement * c.weight_under for c in instance.cover)
    assert check.objective == uncovered + sum(r.weight for r in instance.on_requests)
    assert len(check.violations) == 8 and all("0 minutes outside [3360, 4320]" in v for v in check.violations)


def test_validator_rejects_a_roster_of_the_wrong_shape():
    instance = curtois.read(INSTANCES / "Instance1.txt")
    with pytest.raises(ValueError, match="8 rows of 14 days"):
        curtois.validate(instance, [[None] * 13] * 8)


@pytest.mark.parametrize("name", ["Instance3", "Instance4"])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), density=st.floats(0.3, 0.9))
def test_validator_and_evaluate_agree_on_random_rosters(name, seed, density):
    instance = curtois.read(INSTANCES / f"{name}.txt")
    problem = curtois.to_problem(instance)
    rng = np.random.default_rng(seed)
    shape = (len(instance.staff), instance.days)
    assignment = np.where(rng.random(shape) < density, rng.integers(0, len(instance.shifts), shape), OFF)
    objective, violations = evaluate(problem, assignment)
    check = curtois.validate(instance, curtois.to_roster(instance, assignment))
    assert check.objective == objective
    assert bool(check.violations) == bool(violations)


def test_instance1_solves_to_its_published_optimum():
    instance = curtois.read(INSTANCES / "Instance1.txt")
    result = solve(curtois.to_problem(instance), SolveParams(time_limit_s=10, workers=2, seed=0))
    assert result.status == "optimal" and result.objective == curtois.KNOWN_OPTIMA["Instance1"] == 607
    check = curtois.validate(instance, curtois.to_roster(instance, result.assignment))
    assert check.violations == () and check.objective == 607


def test_benchmark_command_prints_and_records_a_row(tmp_path, capsys):
    results = tmp_path / "curtois.csv"
    instance = str(INSTANCES / "Instance1.txt")
    args = ["curtois", instance, "--time-limit-s", "10", "--seeds", "3", "4", "--results", str(results)]
    assert main(args) == 0
    assert main(["curtois", instance, "--time-limit-s", "10", "--method", "whole", "--results", str(results)]) == 0
    out = capsys.readouterr().out.splitlines()
    header = ["instance", "seed", "objective", "bound", "best", "gap", "%", "first", "s", "seconds", "validated"]
    assert out[0].split() == header
    assert out[1].split()[:6] == ["Instance1", "3", "607", "607", "607", "0.00"] and out[1].split()[-1] == "yes"
    assert out[3].split()[:3] == ["Instance1", "med", "607"]  # the median of the two seeds
    rows = list(csv.DictReader(results.open()))
    assert len(rows) == 3 and [r["method"] for r in rows] == ["lns", "lns", "whole"]
    assert rows[0]["instance"] == "Instance1" and rows[0]["objective"] == "607" and rows[0]["validated"] == "True"
    assert rows[0]["seed"] == "3" and rows[0]["time_limit_s"] == "10.0" and rows[0]["workers"] == "2"
    assert {"machine", "python", "ortools", "commit", "date", "gap_to_best_known_pct"} <= set(rows[0])


def test_benchmark_command_reports_a_broken_file(tmp_path, capsys):
    results = tmp_path / "curtois.csv"
    path = BROKEN / "unknown_shift_in_cover.txt"
    assert main(["curtois", str(path), "--results", str(results)]) == 2
    assert capsys.readouterr().err.strip() == (f"benchmarks: error: {path}, row 67: SECTION_COVER: unknown shift 'X'")
    assert not results.exists()
