"""`python -m benchmarks report`: render `benchmarks/RESULTS.md` and PNG charts from the raw result rows.

Reads every `benchmarks/results/*.csv` (rows are only ever appended, so a file's order is time order):
- a suite file (`smoke.csv`, `standard.csv`, `scale.csv`, … as `python -m benchmarks run` writes
  them): the latest row per instance, the trend across runs (objective and gap per instance,
  one line per run), a chart `charts/<suite>.png` of gap and wall time per instance across runs;
- `peer.csv`: the latest row per solver, and a chart `charts/peer.png`;
- any other file (curtois, requirements, forecast, kpi, …), read generically: the latest row per
  `instance` when the file has that column, otherwise every row of its latest run (the rows sharing
  the last row's date and commit).

Every table and chart names the machine, commit and date of its figures: in a caption when they are
the same for all its rows, in columns otherwise. Nothing here measures anything.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.curtois import BEST_KNOWN
from benchmarks.suites import SUITES
from wfm.atomic import atomic_path, write_text

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
CHARTS_DIR = ROOT / "benchmarks" / "charts"
ENV = ("machine", "commit", "date")
TREND_RUNS = 15  # runs shown in a suite's trend table (all of them in its chart)
TEXT_WIDTH = 90  # longer cells are cut

SUITE_COLUMNS = {  # column → heading, in order; gap and service level are shown in percent
    "instance": "instance",
    "operation": "hours",
    "agents": "agents",
    "days": "days",
    "interval_minutes": "interval min",
    "budget_kind": "budget",
    "status": "status",
    "objective": "objective",
    "bound": "bound",
    "gap": "gap %",
    "best_known": "best known",
    "gap_to_best_known": "to best %",
    "first_feasible_seconds": "first feasible s",
    "wall_seconds": "wall s",
    "peak_rss_mb": "peak MB",
    "under_agent_hours": "under h",
    "over_agent_hours": "over h",
    "paid_hours": "paid h",
    "budget_hours": "budget h",
    "projected_service_level": "SL %",
    "validated": "validated",
    "time_limit_s": "limit s",
    "targets_missed": "targets missed",
}
PEER_COLUMNS = {
    "solver": "solver",
    "optimizes": "optimizes",
    "status": "status",
    "wall_seconds": "seconds",
    "abs_deviation_agent_hours": "abs deviation h",
    "under_agent_hours": "under h",
    "over_agent_hours": "over h",
    "shifts": "shifts",
    "paid_hours": "paid h",
    "validated": "validated",
    "time_limit_s": "limit s",
}
PERCENT = ("gap", "projected_service_level", "gap_to_best_known", "to_best")  # fractions shown as percent


# --- reading ------------------------------------------------------------------------------------


def read_results(results_dir: Path) -> dict[str, pd.DataFrame]:
    """Every results CSV by file stem, all cells as text ('' when empty), in file order."""
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(results_dir.glob("*.csv"))}


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _text_number(text: Any) -> str:
    number = _number(text)
    return "?" if number is None else f"{number:g}"


def _short_commit(commit: str) -> str:
    dirty = commit.endswith("-dirty")
    base = commit.removesuffix("-dirty")
    return base[:12] + ("-dirty" if dirty else "")


def _short_date(date: str) -> str:
    return date.replace("T", " ")[:16]


def run_key(df: pd.DataFrame) -> pd.Series:
    """One label per run: rows sharing date and commit (the runners stamp a run once)."""
    date = df["date"] if "date" in df else pd.Series("", index=df.index)
    commit = df["commit"] if "commit" in df else pd.Series("", index=df.index)
    return date.map(_short_date) + " " + commit.map(_short_commit)


def latest(df: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The last row per value of `keys` (present ones), in first-appearance order of the key;
    without key columns, the rows of the latest run."""
    keys = [k for k in keys if k in df]
    if not keys:
        runs = run_key(df)
        return df[runs == runs.iloc[-1]]
    first_seen = {k: i for i, k in enumerate(map(tuple, df.drop_duplicates(keys)[keys].to_numpy()))}
    last = df.drop_duplicates(keys, keep="last")
    order = [first_seen[tuple(k)] for k in last[keys].to_numpy()]
    return last.iloc[sorted(range(len(last)), key=order.__getitem__)]


# --- markdown -----------------------------------------------------------------------------------


def cell(value: Any, column: str = "") -> str:
    """A value as a table cell: numbers rounded for reading, booleans yes/no, text escaped and cut."""
    text = "" if value is None else str(value)
    if text in ("", "nan", "None"):
        return "–"
    if text in ("True", "False"):
        return "yes" if text == "True" else "**no**"
    if column == "commit":
        return _short_commit(text)
    if column == "date":
        return _short_date(text)
    number = _number(text)
    if number is not None and not text.strip().isalpha():
        if column in PERCENT:
            return f"{100 * number:.2f}"
        if number == int(number) and abs(number) < 1e15:
            return f"{int(number):,}"
        magnitude = abs(number)
        return f"{number:,.1f}" if magnitude >= 100 else f"{number:.2f}" if magnitude >= 1 else f"{number:.3g}"
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def table(df: pd.DataFrame, columns: dict[str, str] | None = None) -> str:
    """A markdown table of `df`; the environment as a caption when uniform, else as columns."""
    columns = columns or {c: c for c in df.columns if c not in ENV}
    columns = {c: h for c, h in columns.items() if c in df and (df[c] != "").any()}
    env = [c for c in ENV if c in df]
    uniform = all(df[c].nunique() <= 1 for c in env)
    shown = dict(columns)
    if not uniform:
        shown.update({c: c for c in env})
    lines = []
    if env and uniform:
        lines += [caption(df), ""]
    lines.append("| " + " | ".join(shown.values()) + " |")
    lines.append("|" + "|".join("---" for _ in shown) + "|")
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(cell(row[c], c) for c in shown) + " |")
    return "\n".join(lines)


def caption(df: pd.DataFrame) -> str:
    """'Machine …, commit …, date …' of the rows (ranges when they differ)."""
    parts = []
    for c, label in (("machine", "Machine"), ("commit", "commit"), ("date", "date")):
        if c not in df:
            continue
        values = [cell(v, c) for v in df[c].unique() if v != ""]
        if values:
            parts.append(f"{label} {values[0]}" if len(values) == 1 else f"{label}s {values[0]} … {values[-1]}")
    return "_" + ", ".join(parts) + "_" if parts else ""


# --- sections -----------------------------------------------------------------------------------


def suite_section(name: str, df: pd.DataFrame, charts_dir: Path, md_dir: Path) -> str:
    described = SUITES[name].description if name in SUITES else "a suite of generated instances"
    described = described[:1].upper() + described[1:]
    runs = run_key(df)
    out = [
        f"## Suite `{name}`",
        "",
        f"{described}. {len(df)} rows from {runs.nunique()} run(s); "
        f"reproduce with `python -m benchmarks run --suite {name}`.",
        "",
        "### Latest result per instance and time limit",
        "",
        table(latest(df, ["instance", "time_limit_s"]), SUITE_COLUMNS),
        "",
    ]
    trend = trend_table(df)
    if trend:
        out += [
            "### Trend across runs",
            "",
            "Objective (gap to the lower bound, %) per instance; **no** marks a result that was not validated.",
            "",
            trend,
            "",
        ]
    chart = charts_dir / f"{name}.png"
    if suite_chart(name, df, chart):
        out += [f"![{name}: gap and wall time per run]({_relative(chart, md_dir)})", ""]
    return "\n".join(out)


SAME_INSTANCE = ("instance", "required_agent_hours", "contracted_hours", "budget_hours")
"""Columns that identify a generated instance in rows older than `instance_digest`."""


def _same_instance(best: pd.Series, rows: pd.DataFrame) -> pd.DataFrame:
    """The suite rows of `best`'s instance: same digest, or (rows without one) same instance figures."""
    if "instance_digest" in rows:
        digest = rows["instance_digest"]
        return rows[(digest == best["instance_digest"]) | ((digest == "") & _figures_match(best, rows))]
    return rows[_figures_match(best, rows)]


def _figures_match(best: pd.Series, rows: pd.DataFrame) -> pd.Series:
    match = pd.Series(True, index=rows.index)
    for column in SAME_INSTANCE:
        if column in rows and column in best:
            match &= rows[column] == best[column]
    return match


def best_known_section(df: pd.DataFrame, suites: dict[str, pd.DataFrame] | None = None) -> str:
    """The lowest validated objective per generated instance (and instance digest) from the long
    runs, with how it was found, beside the latest suite run at the instance's own time limit and
    its gap to the best known (the suite tables' `to best %` for rows that record it)."""
    ok = df[df["validated"] == "True"].copy()
    ok["value"] = pd.to_numeric(ok["objective"], errors="coerce")
    best = ok.sort_values("value", kind="stable").drop_duplicates(["instance", "instance_digest"])
    best = best.sort_values(["suite", "instance"], kind="stable")
    best["how"] = [
        f"wfm solve, limit {_text_number(r.get('time_limit_s'))} s, "
        f"{r.get('workers', '')} workers, seed {r.get('seed', '')}"
        for _, r in best.iterrows()
    ]
    best["suite_objective"], best["suite_limit"], best["to_best"] = "", "", ""
    for i, row in best.iterrows():
        rows = _same_instance(row, (suites or {}).get(row["suite"], pd.DataFrame()))
        own = _own_limit(row["suite"], row["instance"])
        if not len(rows) or "time_limit_s" not in rows:
            continue
        rows = rows[(rows["validated"] == "True") & (pd.to_numeric(rows["time_limit_s"], errors="coerce") == own)]
        if len(rows):
            value = float(rows["objective"].iloc[-1])
            best.loc[i, ["suite_objective", "suite_limit"]] = [rows["objective"].iloc[-1], f"{own:g}"]
            best.loc[i, "to_best"] = str((value - row["value"]) / row["value"])
    columns = {
        "suite": "suite",
        "instance": "instance",
        "objective": "best known",
        "bound": "bound",
        "gap": "gap %",
        "wall_seconds": "wall s",
        "how": "found by",
        "suite_limit": "suite limit s",
        "suite_objective": "latest at suite limit",
        "to_best": "its gap to best %",
        "instance_digest": "instance digest",
    }
    return "\n".join(
        [
            "## Best known rosters",
            "",
            "The lowest validated objective of each generated instance over the long runs "
            "(`python -m benchmarks run --suite NAME --time-limit-s 1800 --best-known`), keyed by the "
            f"digest of the generated files (rows older than the digest: by the instance's hours). "
            f"{len(df)} long run(s) in all. Gap to best = (objective − best known) / best known.",
            "",
            table(best, columns),
            "",
        ]
    )


def _own_limit(suite_name: str, instance: str) -> float | None:
    if suite_name not in SUITES:
        return None
    return next((i.time_limit_s for i in SUITES[suite_name].instances if i.spec.name == instance), None)


def trend_table(df: pd.DataFrame) -> str:
    """One line per run (date, commit, machine): each instance's objective and gap."""
    if "instance" not in df or "objective" not in df:
        return ""
    df = df.assign(_run=run_key(df))
    instances = list(dict.fromkeys(df["instance"]))
    runs = list(dict.fromkeys(df["_run"]))[-TREND_RUNS:]
    header = ["date", "commit", "machine", *instances]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for run in runs:
        rows = df[df["_run"] == run]
        first = rows.iloc[0]
        cells = [
            cell(first.get("date", ""), "date"),
            cell(first.get("commit", ""), "commit"),
            cell(first.get("machine", "")),
        ]
        for inst in instances:
            hit = rows[rows["instance"] == inst]
            if hit.empty:
                cells.append("")
                continue
            r = hit.iloc[-1]
            text = cell(r["objective"], "objective")
            gap = _number(r.get("gap"))
            text += "" if gap is None else f" ({100 * gap:.2f})"
            if str(r.get("validated")) != "True":
                text += f" **no** ({r.get('status', '')})"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def peer_section(df: pd.DataFrame, charts_dir: Path, md_dir: Path) -> str:
    last = latest(df, ["instance", "solver"])
    out = [
        "## Side by side with pyworkforce",
        "",
        "A requirements-only week (`benchmarks/peer.py`): every solver gets the same fixed shifts, time "
        "limit and workers; deviation and under-staffing are computed by our own code from each solution. "
        "Reproduce with `python -m benchmarks peer`.",
        "",
        table(last, PEER_COLUMNS),
        "",
    ]
    chart = charts_dir / "peer.png"
    if peer_chart(last, chart):
        out += [f"![peer: deviation and under-staffing per solver]({_relative(chart, md_dir)})", ""]
    return "\n".join(out)


def generic_section(name: str, df: pd.DataFrame) -> str:
    keyed = "instance" in df
    last = latest(df, ["instance"]) if keyed else latest(df, [])
    what = "latest row per instance" if keyed else "the latest run"
    return "\n".join(
        [
            f"## `{name}`",
            "",
            f"From `benchmarks/results/{name}.csv`: {what} "
            f"({len(df)} rows from {run_key(df).nunique()} run(s) in all).",
            "",
            table(last),
            "",
        ]
    )


def curtois_section(df: pd.DataFrame) -> str:
    """Curtois & Qu: per instance, method and time limit, the seeds of its latest run with their
    median (a run without a roster counts as worst), so the whole model and the LNS stand side by side."""
    df = df.copy()
    for column in ("method", "time_limit_s", "employees", "days", "best_known", "validated", "first_feasible_seconds"):
        if column not in df:
            df[column] = ""
    df["method"] = df["method"].replace("", "whole")  # rows from before the LNS solved the whole model
    df["run"] = run_key(df)
    rows = []
    for (instance, method, limit), group in df.groupby(["instance", "method", "time_limit_s"], sort=False):
        group = group[group["run"] == group["run"].iloc[-1]]
        objectives = sorted((_number(v) for v in group["objective"]), key=lambda v: (v is None, v or 0.0))
        median = objectives[(len(objectives) - 1) // 2]
        best = _number(group["best_known"].iloc[-1]) or BEST_KNOWN.get(str(instance))  # rows before the table
        found = [v for v in objectives if v is not None]
        rows.append(
            {
                "instance": instance,
                "employees": group["employees"].iloc[-1],
                "days": group["days"].iloc[-1],
                "method": method,
                "time_limit_s": limit,
                "seeds": len(group),
                "objective_median": median,
                "objective_range": f"{min(found):,.0f}–{max(found):,.0f}" if found else "",
                "best_known": best,
                "gap_pct": None if median is None or not best else round(100 * (median - best) / best, 2),
                "rosters": f"{len(found)}/{len(group)}",
                "validated": all(v == "True" for v in group["validated"] if v != "") and bool(found),
                "first_s_median": pd.Series([_number(v) for v in group["first_feasible_seconds"]]).median(),
                "commit": group["commit"].iloc[-1] if "commit" in group else "",
                "date": group["date"].iloc[-1] if "date" in group else "",
                "machine": group["machine"].iloc[-1] if "machine" in group else "",
            }
        )
    out = pd.DataFrame(rows).astype(str)
    return "\n".join(
        [
            "## Curtois & Qu",
            "",
            "From `benchmarks/results/curtois.csv` (`python -m benchmarks curtois`): per instance, method "
            "(`whole`: the day-roster model alone; `lns`: `models/day_lns.py`) and time limit, the latest "
            "run's seeds: the median objective, its range, its gap to the best known objective, the rosters "
            "found and validated by the independent validator, and the median seconds to the first roster.",
            "",
            table(out),
            "",
        ]
    )


def environments(frames: dict[str, pd.DataFrame]) -> str:
    """The distinct machines and software the figures come from, with their first and last dates."""
    rows = []
    for name, df in frames.items():
        cols = [c for c in ("machine", "python", "ortools", "wfm") if c in df]
        if not cols:
            continue
        for key, part in df.groupby(cols, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            dates = part["date"].map(_short_date) if "date" in part else pd.Series([""])
            rows.append(
                {
                    "file": name,
                    **dict(zip(cols, key, strict=True)),
                    "first": dates.min(),
                    "last": dates.max(),
                    "rows": len(part),
                }
            )
    if not rows:
        return ""
    env = pd.DataFrame(rows).fillna("").astype(str)
    lines = ["| " + " | ".join(env.columns) + " |", "|" + "|".join("---" for _ in env.columns) + "|"]
    lines += [
        "| " + " | ".join(cell(v) if c == "rows" else (v or "–").replace("|", "\\|") for c, v in row.items()) + " |"
        for _, row in env.iterrows()
    ]
    return "\n".join(["## Environments", "", *lines, ""])


# --- charts -------------------------------------------------------------------------------------


def _numbers(df: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as floats (NaN where empty or absent)."""
    if column not in df:
        return np.full(len(df), np.nan)
    return np.array([math.nan if _number(v) is None else _number(v) for v in df[column]], dtype=float)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})


def _relative(path: Path, start: Path) -> str:
    try:
        return path.resolve().relative_to(start.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def suite_chart(name: str, df: pd.DataFrame, path: Path) -> bool:
    """Gap (%) and wall seconds per instance across runs; False when there is nothing to draw."""
    if "instance" not in df:
        return False
    plt = _pyplot()
    df = df.assign(_run=run_key(df))
    runs = list(dict.fromkeys(df["_run"]))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    for inst, part in df.groupby("instance", sort=False):
        part = part.drop_duplicates("_run", keep="last")
        x = [runs.index(r) for r in part["_run"]]
        wall = _numbers(part, "wall_seconds")
        top.plot(x, 100 * _numbers(part, "gap"), marker="o", label=inst)
        line = bottom.plot(x, wall, marker="o", label=inst)[0]
        failed = (part["validated"] != "True").to_numpy() if "validated" in part else np.zeros(len(part), bool)
        bottom.scatter(np.array(x)[failed], wall[failed], marker="x", s=80, color=line.get_color(), zorder=3)
    top.set_ylabel("gap to lower bound, %")
    top.set_title("gap (absent where no bound was found); × = not validated", fontsize=8)
    bottom.set_ylabel("wall seconds")
    bottom.set_xticks(range(len(runs)), [r.replace(" ", "\n", 2) for r in runs], fontsize=7)
    top.legend(fontsize=7, ncol=2)
    fig.suptitle(f"suite {name} — {caption(df).strip('_')}", fontsize=8)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return True


def peer_chart(last: pd.DataFrame, path: Path) -> bool:
    """Bars of absolute deviation and under-staffing (agent-hours) per solver."""
    if "abs_deviation_agent_hours" not in last or last.empty:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    solvers = last["solver"].tolist()
    x = range(len(solvers))
    dev = _numbers(last, "abs_deviation_agent_hours")
    under = _numbers(last, "under_agent_hours")
    ax.bar([i - 0.2 for i in x], dev, width=0.4, label="absolute deviation")
    ax.bar([i + 0.2 for i in x], under, width=0.4, label="under-staffing")
    ax.set_xticks(list(x), solvers, fontsize=8)
    ax.set_ylabel("agent-hours")
    ax.legend(fontsize=8)
    fig.suptitle(f"peer side by side — {caption(last).strip('_')}", fontsize=8)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return True


# --- the document -------------------------------------------------------------------------------


def render(results_dir: Path = RESULTS_DIR, out: Path = RESULTS_MD, charts_dir: Path = CHARTS_DIR) -> str:
    """Write `out` (markdown) and the charts from the CSV files in `results_dir`; return the markdown."""
    frames = read_results(results_dir)
    frames = {k: v for k, v in frames.items() if not v.empty}
    suites = [
        k for k in frames if k != "best_known" and (k in SUITES or ("suite" in frames[k] and "instance" in frames[k]))
    ]
    suites.sort(key=lambda k: list(SUITES).index(k) if k in SUITES else len(SUITES))
    others = [k for k in frames if k not in suites and k not in ("peer", "curtois", "best_known")]
    parts = [
        "# Benchmark results",
        "",
        "Rendered by `python -m benchmarks report` from the raw rows in `benchmarks/results/*.csv`; do not "
        "edit by hand. Each table and chart names the machine, commit and date of its figures. Gap is "
        "(objective − lower bound) / objective; `validated` means the independent checker found no rule "
        "broken in the written roster and recomputed the reported objective.",
        "",
    ]
    if not frames:
        parts += ["No results yet: run `python -m benchmarks run --suite smoke`.", ""]
    for name in suites:
        parts.append(suite_section(name, frames[name], charts_dir, out.parent))
    if "best_known" in frames:
        parts.append(best_known_section(frames["best_known"], {k: frames[k] for k in suites}))
    if "peer" in frames:
        parts.append(peer_section(frames["peer"], charts_dir, out.parent))
    if "curtois" in frames:
        parts.append(curtois_section(frames["curtois"]))
    for name in others:
        parts.append(generic_section(name, frames[name]))
    env = environments(frames)
    if env:
        parts.append(env)
    text = "\n".join(parts).rstrip() + "\n"
    write_text(out, text)
    return text


def cmd_report(args: argparse.Namespace) -> int:
    render(args.results_dir, args.out, args.charts_dir)
    print(f"wrote {args.out} and charts in {args.charts_dir}")
    return 0


def add_command(commands: Any) -> None:
    """Register the `report` subcommand on an argparse subparsers object."""
    p = commands.add_parser("report", help="render benchmarks/RESULTS.md and charts from the results CSV files")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    p.add_argument("--out", type=Path, default=RESULTS_MD, help="markdown file to write")
    p.add_argument("--charts-dir", type=Path, default=CHARTS_DIR, help="folder of the PNG charts")
    p.set_defaults(func=cmd_report)
