"""The Curtois & Qu employee shift scheduling benchmark: reader, mapping, independent validator.

Format, rules and published optima: `benchmarks/instances/curtois/README.md`. The reader handles the
whole family (instances 1–24: up to 364 days, 150 employees, 32 shift types). The validator works in
the instance's own terms (employee and shift ids) and shares no code with `models.day_roster`, so a
roster it accepts with the reported objective is checked twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.day_roster import OFF, Employee, RosterProblem, ShiftKind
from wfm.errors import InputError

KNOWN_OPTIMA: dict[str, int] = {
    "Instance1": 607,
    "Instance2": 828,
    "Instance3": 1001,
    "Instance4": 1716,
    "Instance5": 1143,
    "Instance6": 1950,
}
"""Published optimal objectives (Curtois & Qu 2014; schedulingbenchmarks.org), by file stem."""

BEST_KNOWN: dict[str, int] = {
    **KNOWN_OPTIMA,
    "Instance7": 1056,
    "Instance8": 1300,
    "Instance9": 439,
    "Instance10": 4631,
    "Instance11": 3443,
    "Instance12": 4040,
    "Instance13": 1348,
    "Instance14": 1278,
    "Instance15": 3831,
    "Instance16": 3225,
    "Instance17": 5746,
    "Instance18": 4459,
    "Instance19": 3149,
    "Instance20": 4769,
    "Instance21": 21133,
    "Instance22": 30244,
    "Instance23": 17428,
    "Instance24": 42463,
}
"""Best known objectives of the whole family, by file stem: the optima above and the best published
solutions of schedulingbenchmarks.org's table for instances 7–24 (optimal where its lower bound meets
them), as recorded in the project (`benchmarks/instances/curtois/README.md`)."""

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED_SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER")
DAYS_PER_WEEK = 7
SATURDAY, SUNDAY = 5, 6  # day 0 of every instance is a Monday


@dataclass(frozen=True)
class Shift:
    """A shift type: id, paid length in minutes, ids of the shifts that may not follow it next day."""

    id: str
    minutes: int
    forbidden_next: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    """An employee's contract, fields as in SECTION_STAFF (minutes over the whole horizon)."""

    id: str
    max_shifts: dict[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A shift-on or shift-off request: penalty `weight` if not granted."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """Preferred number of employees on `shift` on `day`, penalties per person under and over."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """One parsed instance file."""

    name: str
    days: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, frozenset[int]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]


Roster = Sequence[Sequence[str | None]]
"""roster[i][d]: shift id worked by the i-th employee (file order) on day d, or None (off)."""


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


class _Lines:
    """The data lines of one section, with their line numbers, and error reporting for them."""

    def __init__(self, path: Path, name: str, rows: list[tuple[int, list[str]]]) -> None:
        self.path, self.name, self.rows = path, name, rows

    def error(self, line: int, message: str) -> InputError:
        return InputError(f"{self.name}: {message}", path=self.path, row=line)

    def integer(self, line: int, text: str, what: str, low: int = 0) -> int:
        try:
            value = int(text)
        except ValueError:
            raise self.error(line, f"{what} must be an integer, got {text!r}") from None
        if value < low:
            raise self.error(line, f"{what} must be ≥ {low}, got {value}")
        return value

    def fields(self, count: int, *, at_least: bool = False) -> Iterator[tuple[int, list[str]]]:
        for line, fields in self.rows:
            if len(fields) < count or (len(fields) > count and not at_least):
                expected = f"at least {count}" if at_least else str(count)
                raise self.error(line, f"expected {expected} comma-separated fields, got {len(fields)}")
            yield line, fields


def _sections(path: Path, text: str) -> dict[str, _Lines]:
    sections: dict[str, _Lines] = {}
    current: _Lines | None = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InputError(
                    f"unknown section {line!r}", path=path, row=line_no, hint=f"expected one of {', '.join(SECTIONS)}"
                )
            if line in sections:
                raise InputError(f"section {line} appears twice", path=path, row=line_no)
            current = sections[line] = _Lines(path, line, [])
        elif current is None:
            raise InputError(f"data before the first section: {line!r}", path=path, row=line_no)
        else:
            current.rows.append((line_no, [f.strip() for f in line.split(",")]))
    missing = [name for name in REQUIRED_SECTIONS if name not in sections]
    if missing:
        raise InputError(f"missing section(s): {', '.join(missing)}", path=path)
    return sections


def _horizon(section: _Lines) -> int:
    if len(section.rows) != 1:
        line = section.rows[1][0] if section.rows else None
        raise InputError("SECTION_HORIZON: expected exactly one line, the horizon in days", path=section.path, row=line)
    line, fields = next(section.fields(1))
    days = section.integer(line, fields[0], "horizon", low=1)
    if days % DAYS_PER_WEEK:
        raise section.error(line, f"horizon must be a whole number of weeks, got {days} days")
    return days


def _shifts(section: _Lines) -> tuple[Shift, ...]:
    shifts: list[Shift] = []
    for line, fields in section.fields(2, at_least=True):
        if len(fields) > 3:
            raise section.error(line, f"expected 3 comma-separated fields, got {len(fields)}")
        shift_id = fields[0]
        if not shift_id or shift_id in {s.id for s in shifts}:
            raise section.error(line, f"shift id {shift_id!r} is {'repeated' if shift_id else 'empty'}")
        forbidden = tuple(f.strip() for f in fields[2].split("|") if f.strip()) if len(fields) == 3 else ()
        shifts.append(Shift(shift_id, section.integer(line, fields[1], "length in minutes", low=1), forbidden))
    if not shifts:
        raise InputError("SECTION_SHIFTS: no shift types", path=section.path)
    ids = {s.id for s in shifts}
    for line, fields in section.rows:
        for successor in fields[2].split("|") if len(fields) == 3 else ():
            if successor.strip() and successor.strip() not in ids:
                raise section.error(line, f"unknown forbidden successor {successor.strip()!r}")
    return tuple(shifts)


def _staff(section: _Lines, shift_ids: Sequence[str]) -> tuple[Staff, ...]:
    staff: list[Staff] = []
    names = (
        "max total minutes",
        "min total minutes",
        "max consecutive shifts",
        "min consecutive shifts",
        "min consecutive days off",
        "max weekends",
    )
    for line, fields in section.fields(8):
        if not fields[0] or fields[0] in {s.id for s in staff}:
            raise section.error(line, f"employee id {fields[0]!r} is {'repeated' if fields[0] else 'empty'}")
        caps: dict[str, int] = {}
        for item in fields[1].split("|"):
            shift, sep, value = (part.strip() for part in item.partition("="))
            if not sep:
                raise section.error(line, f"MaxShifts item {item!r} is not ShiftID=k")
            if shift not in shift_ids or shift in caps:
                raise section.error(
                    line, f"MaxShifts names {'unknown' if shift not in shift_ids else 'repeated'} shift {shift!r}"
                )
            caps[shift] = section.integer(line, value, f"max shifts of {shift}")
        missing = [s for s in shift_ids if s not in caps]
        if missing:
            raise section.error(line, f"MaxShifts gives no limit for shift(s) {', '.join(missing)}")
        values = [section.integer(line, text, what) for text, what in zip(fields[2:], names, strict=True)]
        if values[1] > values[0]:
            raise section.error(line, f"min total minutes {values[1]} exceeds max total minutes {values[0]}")
        staff.append(Staff(fields[0], caps, *values))
    if not staff:
        raise InputError("SECTION_STAFF: no employees", path=section.path)
    return tuple(staff)


def _day(section: _Lines, line: int, text: str, days: int) -> int:
    day = section.integer(line, text, "day")
    if day >= days:
        raise section.error(line, f"day {day} is outside the horizon 0..{days - 1}")
    return day


def _employee(section: _Lines, line: int, text: str, staff_ids: set[str]) -> str:
    if text not in staff_ids:
        raise section.error(line, f"unknown employee {text!r}")
    return text


def _days_off(section: _Lines | None, staff_ids: set[str], days: int) -> dict[str, frozenset[int]]:
    days_off: dict[str, frozenset[int]] = {}
    for line, fields in section.fields(1, at_least=True) if section else ():
        employee = _employee(section, line, fields[0], staff_ids)
        listed = {_day(section, line, text, days) for text in fields[1:] if text}
        days_off[employee] = days_off.get(employee, frozenset()) | listed
    return days_off


def _requests(section: _Lines | None, staff_ids: set[str], shift_ids: Sequence[str], days: int) -> tuple[Request, ...]:
    requests = []
    for line, fields in section.fields(4) if section else ():
        if fields[2] not in shift_ids:
            raise section.error(line, f"unknown shift {fields[2]!r}")
        requests.append(
            Request(
                _employee(section, line, fields[0], staff_ids),
                _day(section, line, fields[1], days),
                fields[2],
                section.integer(line, fields[3], "weight"),
            )
        )
    return tuple(requests)


def _cover(section: _Lines, shift_ids: Sequence[str], days: int) -> tuple[Cover, ...]:
    cover: list[Cover] = []
    seen: set[tuple[int, str]] = set()
    for line, fields in section.fields(5):
        day = _day(section, line, fields[0], days)
        if fields[1] not in shift_ids:
            raise section.error(line, f"unknown shift {fields[1]!r}")
        if (day, fields[1]) in seen:
            raise section.error(line, f"cover for day {day}, shift {fields[1]} given twice")
        seen.add((day, fields[1]))
        numbers = [
            section.integer(line, text, what)
            for text, what in zip(fields[2:], ("requirement", "weight under", "weight over"), strict=True)
        ]
        cover.append(Cover(day, fields[1], *numbers))
    return tuple(cover)


def read(path: str | Path) -> Instance:
    """Parse one instance file; raise `InputError` naming the line of the first defect."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read instance: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", path=path) from None
    sections = _sections(path, text)
    days = _horizon(sections["SECTION_HORIZON"])
    shifts = _shifts(sections["SECTION_SHIFTS"])
    shift_ids = [s.id for s in shifts]
    staff = _staff(sections["SECTION_STAFF"], shift_ids)
    staff_ids = {s.id for s in staff}
    return Instance(
        name=path.stem,
        days=days,
        shifts=shifts,
        staff=staff,
        days_off=_days_off(sections.get("SECTION_DAYS_OFF"), staff_ids, days),
        on_requests=_requests(sections.get("SECTION_SHIFT_ON_REQUESTS"), staff_ids, shift_ids, days),
        off_requests=_requests(sections.get("SECTION_SHIFT_OFF_REQUESTS"), staff_ids, shift_ids, days),
        cover=_cover(sections["SECTION_COVER"], shift_ids, days),
    )


# ---------------------------------------------------------------------------------------------------
# Mapping onto the rostering model
# ---------------------------------------------------------------------------------------------------


def to_problem(instance: Instance) -> RosterProblem:
    """The instance as a `RosterProblem` (kinds and employees in file order; day 0 is a Monday)."""
    kind = {s.id: k for k, s in enumerate(instance.shifts)}
    employee = {s.id: e for e, s in enumerate(instance.staff)}
    D, K = instance.days, len(instance.shifts)
    cover, under, over = (np.zeros((D, K), dtype=np.int64) for _ in range(3))
    for c in instance.cover:
        cover[c.day, kind[c.shift]] = c.requirement
        under[c.day, kind[c.shift]] = c.weight_under
        over[c.day, kind[c.shift]] = c.weight_over
    employees = tuple(
        Employee(
            name=s.id,
            max_shifts=tuple(s.max_shifts[shift.id] for shift in instance.shifts),
            min_minutes=s.min_total_minutes,
            max_minutes=s.max_total_minutes,
            max_consecutive=s.max_consecutive_shifts,
            min_consecutive=s.min_consecutive_shifts,
            min_consecutive_off=s.min_consecutive_days_off,
            max_weekends=s.max_weekends,
            days_off=instance.days_off.get(s.id, frozenset()),
        )
        for s in instance.staff
    )

    def requests(items: tuple[Request, ...]) -> tuple[tuple[int, int, int, int], ...]:
        return tuple((employee[r.employee], r.day, kind[r.shift], r.weight) for r in items)

    return RosterProblem(
        days=D,
        first_weekday=0,
        kinds=tuple(ShiftKind(s.id, s.minutes) for s in instance.shifts),
        employees=employees,
        forbidden_successions=frozenset((kind[s.id], kind[nxt]) for s in instance.shifts for nxt in s.forbidden_next),
        cover=cover,
        under_weight=under,
        over_weight=over,
        on_requests=requests(instance.on_requests),
        off_requests=requests(instance.off_requests),
    )


def to_roster(instance: Instance, assignment: np.ndarray) -> list[list[str | None]]:
    """An assignment (employees × days, kind index or -1) in the instance's shift ids."""
    return [[None if k == OFF else instance.shifts[k].id for k in row] for row in np.asarray(assignment).tolist()]


# ---------------------------------------------------------------------------------------------------
# Independent validation, in the instance's terms
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """The objective recomputed from the instance and the broken hard rules (empty when feasible)."""

    objective: int
    violations: tuple[str, ...]


def _runs(worked: Sequence[bool]) -> list[tuple[int, int, bool]]:
    """(first day, length, working) of each maximal run."""
    runs: list[tuple[int, int, bool]] = []
    for day, value in enumerate(worked):
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, value)
        else:
            runs.append((day, 1, value))
    return runs


def _staff_violations(instance: Instance, staff: Staff, row: Sequence[str | None]) -> list[str]:
    who = f"employee {staff.id}"
    minutes = {s.id: s.minutes for s in instance.shifts}
    forbidden = {s.id: set(s.forbidden_next) for s in instance.shifts}
    out: list[str] = []
    out += [f"{who}: works on day off {d}" for d in sorted(instance.days_off.get(staff.id, ())) if row[d]]
    for shift_id, cap in staff.max_shifts.items():
        if (n := sum(s == shift_id for s in row)) > cap:
            out.append(f"{who}: {n} shifts {shift_id}, MaxShifts {cap}")
    total = sum(minutes[s] for s in row if s)
    if not staff.min_total_minutes <= total <= staff.max_total_minutes:
        out.append(f"{who}: {total} minutes outside [{staff.min_total_minutes}, {staff.max_total_minutes}]")
    for d in range(len(row) - 1):
        if row[d] and row[d + 1] in forbidden[row[d]]:
            out.append(f"{who}: shift {row[d + 1]} on day {d + 1} may not follow {row[d]}")
    for first, length, working in _runs([s is not None for s in row]):
        if working and length > staff.max_consecutive_shifts:
            out.append(f"{who}: {length} consecutive shifts from day {first}, max {staff.max_consecutive_shifts}")
        # runs touching the first or last day are exempt from the minimums (README)
        if first == 0 or first + length == len(row):
            continue
        if working and length < staff.min_consecutive_shifts:
            out.append(f"{who}: {length} consecutive shifts from day {first}, min {staff.min_consecutive_shifts}")
        if not working and length < staff.min_consecutive_days_off:
            out.append(f"{who}: {length} days off from day {first}, min {staff.min_consecutive_days_off}")
    weekends = sum(
        1 for sat in range(SATURDAY, len(row), DAYS_PER_WEEK) if row[sat] or (sat + 1 < len(row) and row[sat + 1])
    )
    if weekends > staff.max_weekends:
        out.append(f"{who}: {weekends} weekends worked, max {staff.max_weekends}")
    return out


def validate(instance: Instance, roster: Roster) -> Validation:
    """Check every hard rule of the instance and recompute its objective from scratch."""
    if len(roster) != len(instance.staff) or any(len(row) != instance.days for row in roster):
        raise ValueError(f"roster must have {len(instance.staff)} rows of {instance.days} days")
    known = {s.id for s in instance.shifts}
    if any(s is not None and s not in known for row in roster for s in row):
        raise ValueError("roster names a shift the instance does not define")
    index = {s.id: i for i, s in enumerate(instance.staff)}
    violations = [
        msg for s, row in zip(instance.staff, roster, strict=True) for msg in _staff_violations(instance, s, row)
    ]
    objective = 0
    for r in instance.on_requests:
        objective += r.weight if roster[index[r.employee]][r.day] != r.shift else 0
    for r in instance.off_requests:
        objective += r.weight if roster[index[r.employee]][r.day] == r.shift else 0
    for c in instance.cover:
        staffed = sum(row[c.day] == c.shift for row in roster)
        objective += c.weight_under * max(0, c.requirement - staffed)
        objective += c.weight_over * max(0, staffed - c.requirement)
    return Validation(objective, tuple(violations))
