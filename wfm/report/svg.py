"""Charts as inline SVG: crisp at any zoom, their text searchable, their parts testable in the DOM.

Each function returns one `<svg>` element (a string) with a `class` naming the chart, text as
`<text>`, and a `<title>` on every bar, cell and line so hovering shows its figure. Colours:
under-staffing red, over-staffing blue, required dark grey, scheduled teal, breaks amber, the
target line red and dashed. Widths are in CSS pixels; the SVG scales to its container.

Hand-written rather than drawn by a plotting library: the page must stay one offline file without
script libraries, and matplotlib's SVG draws a heatmap as an embedded bitmap (not crisp, not
testable) or as one path per cell with its own style (megabytes for a month of intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wfm.render.html import escape, number, percent

REQUIRED = "#334e68"
SCHEDULED = "#0b8a8a"
UNDER = "#c62828"
OVER = "#2680c2"
BREAK = "#f0a202"
SHIFT = "#2680c2"
NO_DATA = "#e4e7eb"
WIDTH = 1100
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(kind: str, height: float, body: list[str], label: str, width: float = WIDTH) -> str:
    return (
        f'<svg class="chart {kind}" role="img" aria-label="{escape(label)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" {FONT}>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{escape(text)}</text>'


@dataclass(frozen=True)
class TargetLine:
    """A horizontal reference line across a chart (value in the chart's units)."""

    value: float
    label: str
    css: str = "target"
    color: str = UNDER


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    kind: str,
    title: str,
    lines: Sequence[TargetLine] = (),
    y_max: float = 1.0,
    as_percent: bool = True,
    below: float | None = None,
) -> str:
    """Vertical bars (None = no bar) with horizontal target lines; bars under `below` are red."""
    left, top, bottom, height = 48, 26, 46, 240
    plot_w, plot_h = WIDTH - left - 16, height - top - bottom
    n = max(len(values), 1)
    step = plot_w / n
    body = [_text(left, 16, title, cls="title", extra=' font-weight="600" font-size="13"')]
    fmt = percent if as_percent else number
    for k in range(5):  # gridlines and y labels
        v = y_max * k / 4
        y = top + plot_h * (1 - k / 4)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        body.append(_text(left - 4, y + 4, fmt(v, 0), "end"))
    tilt = n > 14
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step
        if v is not None and np.isfinite(v):
            h = plot_h * min(max(v / y_max, 0.0), 1.0)
            color = UNDER if below is not None and v < below else SCHEDULED
            body.append(
                f'<rect class="bar" data-label="{escape(lab)}" data-value="{v:.6g}" x="{x + step * 0.12:.1f}" '
                f'y="{top + plot_h - h:.1f}" width="{step * 0.76:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(lab)}: {fmt(v)}</title></rect>"
            )
        if tilt:
            cx, cy = x + step / 2, top + plot_h + 8
            body.append(_text(cx, cy, lab, "end", extra=f' transform="rotate(-60 {cx:.1f} {cy:.1f})" font-size="9"'))
        else:
            body.append(_text(x + step / 2, top + plot_h + 14, lab, "middle"))
    for k, line in enumerate(lines):
        y = top + plot_h * (1 - min(max(line.value / y_max, 0.0), 1.0))
        body.append(
            f'<line class="{line.css}" data-value="{line.value:.6g}" x1="{left}" x2="{left + plot_w}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="{line.color}" stroke-width="1.6" stroke-dasharray="6 4">'
            f"<title>{escape(line.label)}</title></line>"
        )
        at, anchor = (left + 4, "start") if k % 2 == 0 else (left + plot_w - 2, "end")  # two labels never meet
        body.append(_text(at, y - 4, line.label, anchor, cls=line.css, extra=f' fill="{line.color}"'))
    return _svg(kind, height, body, title)


def hbar_chart(items: Sequence[tuple[str, float, str]], *, kind: str, title: str, unit: str = "h") -> str:
    """Horizontal bars, one per (label, value, colour), labelled with their value."""
    left, top, row = 190, 26, 28
    height = top + row * len(items) + 10
    plot_w = WIDTH - left - 120
    top_value = max((v for _, v, _ in items), default=1.0) or 1.0
    body = [_text(8, 16, title, cls="title", extra=' font-weight="600" font-size="13"')]
    for i, (label, v, color) in enumerate(items):
        y = top + i * row
        w = plot_w * v / top_value
        body.append(_text(left - 8, y + row * 0.6, label, "end"))
        body.append(
            f'<rect class="bar" data-label="{escape(label)}" data-value="{v:.6g}" x="{left}" y="{y + 4}" '
            f'width="{w:.1f}" height="{row - 8}" fill="{color}">'
            f"<title>{escape(label)}: {number(v)} {unit}</title></rect>"
        )
        body.append(_text(left + w + 6, y + row * 0.6, f"{number(v)} {unit}"))
    return _svg(kind, height, body, title)


def diverging_color(value: float, bound: float) -> str:
    """White at 0, red towards −bound (short), blue towards +bound (over)."""
    t = min(abs(value) / bound, 1.0) if bound > 0 else 0.0
    end = (0xC6, 0x28, 0x28) if value < 0 else (0x26, 0x80, 0xC2)
    rgb = [round(255 + (e - 255) * t) for e in end]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(
    row_labels: Sequence[str],
    col_minutes: Sequence[int],
    grid: np.ndarray,
    *,
    bound: float,
    kind: str,
    title: str,
    interval_min: int,
) -> str:
    """Rows (days) × columns (times of day) of signed values coloured on one scale ±`bound`; NaN grey.

    `grid` has shape (rows, columns); each cell's title gives its row, time and value.
    """
    left, top, cell_h = 96, 40, 14
    cols = max(len(col_minutes), 1)
    cell_w = (WIDTH - left - 12) / cols
    height = top + cell_h * len(row_labels) + 8
    body = [_text(8, 16, title, cls="title", extra=' font-weight="600" font-size="13"')]
    for j, m in enumerate(col_minutes):
        if m % 60 == 0 and (cell_w >= 6 or m % 120 == 0):
            body.append(_text(left + j * cell_w, top - 6, f"{m // 60:02d}:00", "middle", extra=' font-size="9"'))
    for i, label in enumerate(row_labels):
        y = top + i * cell_h
        body.append(_text(left - 6, y + cell_h - 3, label, "end", extra=' font-size="10"'))
        cells = []
        for j, m in enumerate(col_minutes):
            v = grid[i, j]
            fill = NO_DATA if np.isnan(v) else diverging_color(float(v), bound)
            shown = "no data" if np.isnan(v) else f"{v:+.4g} agents"
            cells.append(
                f'<rect x="{left + j * cell_w:.1f}" y="{y}" width="{cell_w + 0.05:.2f}" height="{cell_h - 1}" '
                f'fill="{fill}"><title>{escape(label)} {m // 60:02d}:{m % 60:02d}: {shown}</title></rect>'
            )
        body.append("".join(cells))
    return _svg(kind, height, body, title)


def color_scale(bound: float, *, kind: str = "heat-scale") -> str:
    """The legend of `heatmap`'s colours: −bound … 0 … +bound agents."""
    steps = 21
    body = [_text(8, 14, f"agents: {-bound:+.4g} (short)", extra=f' fill="{UNDER}"')]
    for k in range(steps):
        v = -bound + 2 * bound * k / (steps - 1)
        body.append(f'<rect x="{180 + k * 18}" y="4" width="18" height="12" fill="{diverging_color(v, bound)}"/>')
    body.append(_text(180 + steps * 18 + 8, 14, f"{bound:+.4g} (over)", extra=f' fill="{OVER}"'))
    body.append(f'<rect x="{180 + steps * 18 + 110}" y="4" width="18" height="12" fill="{NO_DATA}"/>')
    body.append(_text(180 + steps * 18 + 134, 14, "closed / no data"))
    return _svg(kind, 22, body, "colour scale")


def step_lines(
    hours: np.ndarray, series: Sequence[tuple[str, np.ndarray, str]], *, kind: str, title: str, shade_under: bool
) -> str:
    """Step lines over hours of the day (one value per interval starting at `hours`); with
    `shade_under`, the area where the second series is below the first is shaded red."""
    left, top, height = 48, 26, 190
    plot_w, plot_h = WIDTH - left - 150, height - top - 30
    h0, h1 = float(hours.min()), float(hours.max()) + (float(hours[1] - hours[0]) if len(hours) > 1 else 1.0)
    peak = max((float(np.nanmax(v)) for _, v, _ in series if len(v)), default=1.0)
    tick = nice_step(max(peak, 1.0) / 4)
    y_max = tick * max(np.ceil(peak / tick), 1.0)

    def xy(h: float, v: float) -> str:
        return f"{left + plot_w * (h - h0) / (h1 - h0):.1f},{top + plot_h * (1 - v / y_max):.1f}"

    def path(values: np.ndarray) -> str:
        pts = []
        for k, (h, v) in enumerate(zip(hours, values, strict=True)):
            nxt = hours[k + 1] if k + 1 < len(hours) else h1
            pts += [xy(h, v), xy(nxt, v)]
        return " ".join(pts)

    body = [_text(left, 16, title, cls="title", extra=' font-weight="600" font-size="13"')]
    for k in range(round(float(y_max / tick)) + 1):
        v = k * tick
        y = top + plot_h * (1 - v / y_max)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        body.append(_text(left - 4, y + 4, f"{v:,.0f}", "end"))
    for h in range(int(np.floor(h0)), int(np.ceil(h1)) + 1, 2):
        body.append(_text(left + plot_w * (h - h0) / (h1 - h0), top + plot_h + 14, f"{h % 24:02d}:00", "middle"))
    if shade_under and len(series) >= 2:
        need, have = series[0][1], series[1][1]
        width = (h1 - h0) / len(hours) * plot_w / (h1 - h0)
        for h, a, b in zip(hours, need, have, strict=True):
            if b < a:
                x = left + plot_w * (h - h0) / (h1 - h0)
                y_a, y_b = top + plot_h * (1 - a / y_max), top + plot_h * (1 - b / y_max)
                body.append(
                    f'<rect class="short" x="{x:.1f}" y="{y_a:.1f}" width="{width:.1f}" height="{y_b - y_a:.1f}" '
                    f'fill="{UNDER}" fill-opacity="0.3"/>'
                )
    for i, (name, values, color) in enumerate(series):
        body.append(
            f'<polyline class="series" data-series="{escape(name)}" points="{path(values)}" fill="none" '
            f'stroke="{color}" stroke-width="1.8"><title>{escape(name)}</title></polyline>'
        )
        body.append(f'<rect x="{left + plot_w + 14}" y="{top + i * 18}" width="14" height="4" fill="{color}"/>')
        body.append(_text(left + plot_w + 34, top + i * 18 + 6, name))
    return _svg(kind, height, body, title)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least `raw` (a gridline step people read easily)."""
    power = 10.0 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12))


def gantt(
    rows: Sequence[tuple[str, Sequence[tuple[float, float]], Sequence[tuple[float, float]]]],
    *,
    span_h: tuple[float, float],
    tick_labels: Sequence[tuple[float, str]],
    kind: str,
    title: str,
) -> str:
    """One row per agent: (label, shifts as (start h, end h), breaks as (start h, end h)), hours on a
    common axis `span_h`."""
    left, top, row = 150, 34, 14
    plot_w = WIDTH - left - 12
    h0, h1 = span_h
    height = top + row * len(rows) + 8

    def x(h: float) -> float:
        return left + plot_w * (h - h0) / (h1 - h0)

    body = [_text(8, 16, title, cls="title", extra=' font-weight="600" font-size="13"')]
    for h, label in tick_labels:
        body.append(f'<line x1="{x(h):.1f}" x2="{x(h):.1f}" y1="{top - 4}" y2="{height - 8}" stroke="#e4e7eb"/>')
        body.append(_text(x(h), top - 8, label, "middle", extra=' font-size="9"'))
    for i, (label, shifts, breaks) in enumerate(rows):
        y = top + i * row
        parts = [_text(left - 6, y + row - 3, label, "end", extra=' font-size="10"')]
        for a, b in shifts:
            parts.append(
                f'<rect class="shift" x="{x(a):.1f}" y="{y + 1}" width="{x(b) - x(a):.1f}" height="{row - 3}" '
                f'fill="{SHIFT}"/>'
            )
        for a, b in breaks:
            parts.append(
                f'<rect class="break" x="{x(a):.1f}" y="{y + 1}" width="{x(b) - x(a):.1f}" height="{row - 3}" '
                f'fill="{BREAK}"/>'
            )
        body.append("".join(parts))
    return _svg(kind, height, body, title)
