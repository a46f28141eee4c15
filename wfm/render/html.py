"""Self-contained HTML pages: inline CSS, charts as inline SVG or base64 PNG, no network.

Shared by `wfm report` (report.html) and `wfm kpi` (kpi.html) so both look alike. The only script
is `SORT_SCRIPT`, inline, which sorts a `table.sortable` by the clicked column (the page reads the
same without it). Numbers are formatted for people by `number` and `percent` (`13,056.8`, `26.3%`).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --band:#102a43; --bad:#c62828; --good:#2e7d32; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0; background: #f5f7fa; }
header { background: var(--band); color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header p { margin: 4px 0 0; color: #bcccdc; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 32px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 20px;
          margin: 16px 0; }
h2 { font-size: 17px; margin: 0 0 10px; }
p.note { color: var(--muted); margin: 4px 0 10px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 20px; font-weight: 600; }
figure { margin: 8px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; max-height: 560px; overflow-y: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: #f0f4f8; position: sticky; top: 0; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
tr:nth-child(even) td { background: #fafbfc; }
td.pass { color: var(--good); font-weight: 600; }
td.fail { color: var(--bad); font-weight: 600; }
svg.chart { display: block; max-width: 100%; margin: 6px 0 12px; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { border-left: 5px solid var(--muted); background: #f8fafc; padding: 8px 12px; margin: 8px 0; }
ul.alerts li.bad { border-color: var(--bad); background: #fdecea; }
ul.alerts li.warn { border-color: #f0a202; background: #fff8e6; }
ul.alerts li.ok { border-color: var(--good); background: #edf7ee; }
ul.alerts .what { font-weight: 600; }
ul.alerts .todo { color: var(--muted); }
table.month td { font-size: 11px; padding: 2px 5px; text-align: center; }
table.month td.off { color: #bcccdc; }
table.month td.name, table.month td.text { text-align: left; }
table.sortable th { cursor: pointer; }
table.sortable th::after { content: " ⇅"; color: #9fb3c8; font-size: 10px; }
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.dataset.dir !== "up"; th.dataset.dir = up ? "up" : "down";
      function key(r) { var c = r.cells[col]; var k = c.dataset.sort !== undefined ? c.dataset.sort : c.textContent;
                        var n = parseFloat(k); return isNaN(n) || !/^-?[0-9.]/.test(k) ? k.toLowerCase() : n; }
      rows.sort(function (a, b) { var x = key(a), y = key(b);
        var d = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
        return up ? d : -d; });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def escape(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def page(title: str, subtitle: str, sections: Iterable[str], *, sortable: bool = False) -> str:
    """A complete HTML document with the shared style (and, with `sortable`, the sorting script)."""
    body = "\n".join(sections)
    script = f"<script>{SORT_SCRIPT}</script>\n" if sortable else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n"
        f"<main>\n{body}\n</main>\n{script}</body>\n</html>\n"
    )


def section(heading: str, *parts: str, note: str | None = None, id: str | None = None) -> str:
    """A titled panel holding already-rendered HTML parts (`id` names it for links and tests)."""
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    anchor = f' id="{escape(id)}"' if id else ""
    return f"<section{anchor}>\n<h2>{escape(heading)}</h2>\n{note_html}\n" + "\n".join(parts) + "\n</section>"


def number(value: float | None, digits: int = 1) -> str:
    """A number for people: thousands separated, `digits` decimals (`13,056.8`); — when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:,.{digits}f}"


_CLOCK = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)], dtype=object)


def clock(times: pd.Series) -> pd.Series:
    """Date-times as their time of day `HH:MM` ("" where missing); a table lookup, as pandas' strftime
    is a Python loop (a second for a 1,000-agent month's breaks)."""
    minutes = (times.dt.hour * 60 + times.dt.minute).fillna(0).astype(int).to_numpy()
    return pd.Series(_CLOCK[minutes], index=times.index).where(times.notna(), "")


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage for people (`0.263` → `26.3%`); — when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}%}"


def cards(figures: Mapping[str, str]) -> str:
    """Key figures as label/value cards."""
    items = "".join(
        f'<div class="card"><div class="label">{escape(k)}</div><div class="value">{escape(v)}</div></div>'
        for k, v in figures.items()
    )
    return f'<div class="cards">{items}</div>'


def image(png: bytes, alt: str, caption: str | None = None) -> str:
    """A PNG embedded as a base64 data URI."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def fmt(value: object, digits: int = 3) -> str:
    """A cell's text: empty for missing, integers plain, floats to `digits` significant decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.0f}"
        return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:,.1f}"
    return str(value)


def table(frame: pd.DataFrame, *, result_column: str | None = None, digits: int = 3) -> str:
    """A scrollable table; cells of `result_column` get the class of their value (pass/fail)."""
    head = "".join(
        f'<th class="text">{escape(c)}</th>' if frame[c].dtype == object else f"<th>{escape(c)}</th>"
        for c in frame.columns
    )
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, values, strict=True):
            css = []
            if isinstance(v, str):
                css.append("text")
            if col == result_column and v in ("pass", "fail"):
                css.append(str(v))
            cls = f' class="{" ".join(css)}"' if css else ""
            cells.append(f"<td{cls}>{escape(fmt(v, digits))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>' + "".join(rows) + "</tbody></table></div>"
    )


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"
