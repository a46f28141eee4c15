"""frontier.svg and frontier.png: hours against service level, the band between the real rosters and
the relaxation's upper bound, the target line and the scenario's budget."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from wfm.render.charts import DPI, REQUIRED, SCHEDULED, UNDER, to_png  # the report's colours, resolution, PNGs


def frontier_figure(
    table: pd.DataFrame,
    target: float,
    budget_h: float | None,
    min_budget_h: float | None,
    max_hours_h: float | None = None,
    bound_only: pd.DataFrame | None = None,
) -> Figure:
    """The frontier of `table` (frontier.csv's columns); `max_hours_h`: the most hours the agents can work;
    `bound_only`: bounds at budgets without a roster (`budget_hours`, `service_level_upper_bound`)."""
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax = fig.add_subplot()
    rosters = table[table["validated"].astype(bool)].dropna(subset=["projected_service_level"])
    bounds = pd.concat([table, bound_only]) if bound_only is not None and len(bound_only) else table
    bounds = bounds.dropna(subset=["service_level_upper_bound"]).sort_values("budget_hours")
    if len(bounds):
        ax.plot(
            bounds["budget_hours"],
            bounds["service_level_upper_bound"],
            color=REQUIRED,
            ls="--",
            marker="^",
            ms=4,
            label="upper bound (relaxation)",
        )
    if len(rosters):
        ax.plot(
            rosters["budget_hours"],
            rosters["projected_service_level"],
            color=SCHEDULED,
            marker="o",
            ms=4,
            label="checked roster",
        )
    both = table.dropna(subset=["service_level_upper_bound", "projected_service_level"])
    both = both[both["validated"].astype(bool)]
    if len(both):
        ax.fill_between(
            both["budget_hours"],
            both["projected_service_level"],
            both["service_level_upper_bound"],
            color=SCHEDULED,
            alpha=0.12,
            label="band: what better rosters could add",
        )
    ax.axhline(target, color=UNDER, ls=":", lw=1.2, label=f"target {target:.0%}")
    if budget_h is not None:
        ax.axvline(budget_h, color="#555555", ls="-.", lw=1, label=f"scenario budget {budget_h:,.0f} h")
    if min_budget_h is not None:
        ax.axvline(min_budget_h, color=UNDER, lw=1, alpha=0.6, label=f"least budget found {min_budget_h:,.0f} h")
    if max_hours_h is not None:
        ax.axvline(
            max_hours_h, color=REQUIRED, lw=1, alpha=0.5, ls=":", label=f"most the agents can work {max_hours_h:,.0f} h"
        )
    ax.set_xlabel("budget (agent-hours over the horizon)")
    ax.set_ylabel("projected service level")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_title("What the contract's hours buy")
    return fig


def to_svg(fig: Figure) -> bytes:
    """Render a figure to SVG bytes (no date stamp, so equal inputs give equal files)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=DPI, metadata={"Date": None})
    return buf.getvalue()


__all__ = ["frontier_figure", "to_png", "to_svg"]
