"""CSV input with a declared schema: one function reads every wfm input file.

The header is checked first and every missing or unknown column is listed at once; then each
column is parsed vectorized and the first bad value is reported with its row. Rows are numbered
as lines of the file (the header is row 1, the first data row is row 2), and the returned frame is
indexed by that row number so later checks can name the row too. Input is read as `utf-8-sig`
(a spreadsheet's byte-order mark is accepted). A header with more `;` than `,` marks a Spanish (or
other comma-decimal) Excel export: `;` separators, decimal commas (`9,5`) and day-first dates
(`01/06/2027 8:00` or `01/06/2027`) are read as such; wfm's own outputs are always `,` and ISO 8601.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from wfm.errors import InputError

Kind = Literal["str", "float", "int", "datetime", "date", "time", "bool"]

MAX_MAGNITUDE = 1e9  # a number column without its own `le` refuses values beyond ± this (typos, 1e300)
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


@dataclass(frozen=True)
class Column:
    """One column of an input file: its name, type, whether it must be present, and its bounds.

    `kind` is the parsed type: `datetime` is ISO 8601 local date-time (`2026-03-02T08:15` or
    `2026-03-02 08:15`), `date` is `YYYY-MM-DD`, `time` is `HH:MM` (parsed to minutes after
    midnight, 0–1440). `ge`/`gt`/`le` bound numeric values (without `le`, |value| ≤ `MAX_MAGNITUDE`);
    `choices` restricts strings.
    """

    name: str
    kind: Kind = "str"
    required: bool = True
    default: Any = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""


@dataclass(frozen=True)
class TableSchema:
    """The columns of one input file. Unknown columns are an error unless `allow_extra`."""

    name: str
    columns: tuple[Column, ...]
    allow_extra: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def first_data_row() -> int:
    """The row number of the first data row (the header is row 1)."""
    return 2


def read_header(path: str | Path) -> list[str]:
    """The stripped column names of a CSV file's first line ([] when it cannot be read: the table
    reader then reports the problem)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError):
        return []


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file separates fields and writes decimals (and day-first dates, in `semicolon`)."""

    name: str
    separator: str
    decimal: str


COMMA = CsvDialect("comma", ",", ".")  # wfm's own files, and most spreadsheets in English
SEMICOLON = CsvDialect("semicolon", ";", ",")  # Excel in Spanish (and other comma-decimal locales)


def sniff_dialect(first_line: str) -> CsvDialect:
    """The dialect of a file from its header line: `;` separators (more `;` than `,`) mean Excel in a
    comma-decimal locale, read with decimal commas and day-first dates (`01/06/2027 8:00`)."""
    return SEMICOLON if first_line.count(";") > first_line.count(",") else COMMA


def read_table(path: str | Path, schema: TableSchema) -> pd.DataFrame:
    """Read `path` as CSV and validate it against `schema`.

    The dialect is detected from the header (`sniff_dialect`): wfm's comma-separated files, or a
    Spanish Excel export with `;` and decimal commas. Returns a frame with one column per schema
    column (optional absent ones filled with their default), indexed by row number. Raises
    `InputError` naming file, row and column; never quotes a line of a file of another kind.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{schema.name} file not found", path=path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first_line = fh.readline()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=path, hint="save the file as UTF-8 CSV") from None
    dialect = sniff_dialect(first_line)
    header = next(csv.reader([first_line], delimiter=dialect.separator), None)
    if not header or all(not h.strip() for h in header):
        raise InputError("empty file: expected a header row", path=path, row=1)
    _check_header([h.strip() for h in header], schema, path, first_line)
    try:
        raw = pd.read_csv(
            path,
            sep=dialect.separator,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"not a well-formed CSV file ({exc})", path=path) from None
    raw.columns = [c.strip() for c in raw.columns]
    raw.index = pd.RangeIndex(first_data_row(), first_data_row() + len(raw))
    out = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        if col.name in raw.columns:
            out[col.name] = _parse_column(raw[col.name].str.strip(), col, path, dialect)
        else:
            out[col.name] = col.default
    return out


def _check_header(header: list[str], schema: TableSchema, path: Path, first_line: str) -> None:
    """Every required column present, none unknown (unless allowed), none twice; one message for all."""
    known = {c.name for c in schema.columns}
    expected = ", ".join(c.name for c in schema.columns)
    if not known & set(header):  # not a file of this kind: never echo its first line (it may hold secrets)
        cause = "; it looks tab-separated: save it as CSV" if "\t" in first_line else ""
        raise InputError(
            f"not a {schema.name} CSV file: its first line names none of the expected columns{cause}",
            path=path,
            row=1,
            hint=f"expected columns, separated by ',' (or ';' with decimal commas): {expected}",
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"duplicate column(s): {', '.join(map(shown, dupes))}", path=path, row=1)
    missing = [c.name for c in schema.columns if c.required and c.name not in header]
    unknown = [h for h in header if h not in known] if not schema.allow_extra else []
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s): " + ", ".join(map(shown, unknown)))
        raise InputError("; ".join(parts), path=path, row=1, hint=f"expected columns: {expected}")


def shown(value: object, limit: int = 40) -> str:
    """A cell or header text as an error message may quote it: at most `limit` characters."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_column(values: pd.Series, col: Column, path: Path, dialect: CsvDialect = COMMA) -> pd.Series:
    empty = values == ""
    if col.required and col.default is None and empty.any():
        row = int(values.index[np.argmax(empty.to_numpy())])
        raise InputError("empty value", path=path, row=row, column=col.name)
    parsed, bad = _convert(_from_dialect(values.where(~empty, None), col, dialect), col)
    bad = bad & ~empty
    if bad.any():
        row = int(values.index[np.argmax(bad.to_numpy())])
        hint = (
            "the file was read as Excel's ';'-separated CSV with decimal commas and day-first dates "
            "(e.g. 1234,5 and 01/06/2027 8:00, no thousands separators)"
            if dialect is SEMICOLON
            else None
        )
        raise InputError(
            f"{_describe(col)} expected, got '{shown(values[row])}'", path=path, row=row, column=col.name, hint=hint
        )
    if col.kind in ("float", "int"):
        _check_bounds(parsed, col, path)
    if col.choices is not None:
        wrong = ~empty & ~values.isin(col.choices)
        if wrong.any():
            row = int(values.index[np.argmax(wrong.to_numpy())])
            raise InputError(
                f"'{shown(values[row])}' is not one of {', '.join(col.choices)}", path=path, row=row, column=col.name
            )
    if empty.any() and col.default is not None:
        parsed = parsed.where(~empty, col.default)
    return parsed


def _from_dialect(values: pd.Series, col: Column, dialect: CsvDialect) -> pd.Series:
    """Values of a comma-decimal file in wfm's own form: `9,5` → `9.5`, `01/06/2027 8:00` → ISO 8601."""
    if dialect.decimal == "." or col.kind not in ("float", "int", "datetime", "date"):
        return values
    if col.kind in ("float", "int"):
        return values.str.replace(",", ".", regex=False)
    d = values.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
    iso = d[2] + "-" + d[1].str.zfill(2) + "-" + d[0].str.zfill(2)
    if col.kind == "datetime":
        iso = iso + ("T" + d[3].str.zfill(2) + ":" + d[4] + (":" + d[5]).fillna("")).fillna("T00:00")
    return iso.where(d[0].notna(), values)


def _convert(values: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Parse `values` (None where empty) to `col.kind`; return the parsed series and a bad-value mask."""
    if col.kind == "str":
        return values.fillna(""), pd.Series(False, index=values.index)
    if col.kind in ("float", "int"):
        parsed = pd.to_numeric(values, errors="coerce")
        bad = parsed.isna() | ~np.isfinite(parsed.fillna(0.0))
        if col.kind == "int":
            bad |= parsed.fillna(0) != np.round(parsed.fillna(0))
        return parsed, bad & values.notna()
    if col.kind == "datetime":
        try:
            parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        except ValueError:  # pandas 3 refuses mixed UTC offsets: parse one by one, the reader names the offset
            parsed = values.map(_timestamp_or_nat)
        return parsed, pd.isna(parsed) & values.notna()
    if col.kind == "date":
        parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
        return parsed, parsed.isna() & values.notna()
    if col.kind == "time":
        parts = values.str.extract(r"^(\d{1,2}):(\d{2})$")
        hours = pd.to_numeric(parts[0], errors="coerce")
        minutes = pd.to_numeric(parts[1], errors="coerce")
        parsed = hours * 60 + minutes
        bad = parsed.isna() | (minutes >= 60) | (parsed > 1440)
        return parsed, bad & values.notna()
    if col.kind == "bool":
        low = values.str.lower()
        parsed = low.isin(_TRUE)
        bad = ~(low.isin(_TRUE) | low.isin(_FALSE))
        return parsed, bad & values.notna()
    raise ValueError(f"unknown column kind {col.kind}")


def _timestamp_or_nat(value: str | None) -> Any:
    try:
        return pd.NaT if value is None else pd.Timestamp(value)
    except ValueError:
        return pd.NaT


def _check_bounds(parsed: pd.Series, col: Column, path: Path) -> None:
    checks = []
    if col.ge is not None:
        checks.append((parsed < col.ge, f"must be ≥ {col.ge:g}"))
    if col.gt is not None:
        checks.append((parsed <= col.gt, f"must be > {col.gt:g}"))
    if col.le is not None:
        checks.append((parsed > col.le, f"must be ≤ {col.le:g}"))
    else:
        checks.append((parsed.abs() > MAX_MAGNITUDE, f"is implausibly large (beyond ±{MAX_MAGNITUDE:g})"))
    for mask, text in checks:
        mask = mask.fillna(False)
        if mask.any():
            row = int(parsed.index[np.argmax(mask.to_numpy())])
            raise InputError(f"{text}, got {parsed[row]:g}", path=path, row=row, column=col.name)


def _describe(col: Column) -> str:
    return {
        "float": "a number",
        "int": "a whole number",
        "datetime": "an ISO 8601 date-time (YYYY-MM-DDTHH:MM)",
        "date": "a date (YYYY-MM-DD)",
        "time": "a time of day (HH:MM)",
        "bool": "true or false",
        "str": "text",
    }[col.kind]
