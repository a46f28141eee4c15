"""Self-contained HTML pages: inline CSS, images as base64 data URIs, no script, no network.

Shared by `wfm report` (report.html) and `wfm kpi` (kpi.html) so both look alike.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Mapping

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
"""


def escape(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def page(title: str, subtitle: str, sections: Iterable[str]) -> str:
    """A complete HTML document with the shared style."""
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def section(heading: str, *parts: str, note: str | None = None) -> str:
    """A titled panel holding already-rendered HTML parts."""
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section>\n<h2>{escape(heading)}</h2>\n{note_html}\n" + "\n".join(parts) + "\n</section>"


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
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"
