"""EDA figures and grids built from the small aggregates of ``services.eda.summarize`` (never raw rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from socialdash.components.cluster_figures import template
from socialdash.components.common import grid
from socialdash.components.plain_text import plain

ACCENT = "#0d6efd"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
ROLE_TEXT = {
    "metric": "Number",
    "categorical": "Category",
    "datetime": "Date/time",
    "identifier": "Identifier",
    "text": "Free text",
    "constant": "Constant/empty",
}


def _layout(fig: go.Figure, height: int = 340, **kwargs) -> go.Figure:
    fig.layout.template = template()  # the slim shared template, not plotly's 7 KB default in every figure
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
        **kwargs,
    )
    fig.update_xaxes(gridcolor="#eef0f3", automargin=True)
    fig.update_yaxes(gridcolor="#eef0f3", automargin=True)
    return fig


def empty_figure(message: str, height: int = 220) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=plain(message, None), showarrow=False, font={"size": 14, "color": "#6c757d"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height)


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def summary_grid(grid_id: str, columns: Sequence[Mapping]) -> object:
    """Per-column summary: role, type, missing %, distinct, min/median/max (text cells)."""
    rows = [
        {
            "column": c["column"],
            "role": ROLE_TEXT.get(c["role"], c["role"]),
            "used": "yes" if c.get("used") else "no",
            "type": c["type"],
            "missing": f"{c['missing_pct']:.1f}%",
            "distinct": f"{c['distinct']:,}",
            "min": _fmt(c["min"]),
            "median": _fmt(c["median"]),
            "max": _fmt(c["max"]),
        }
        for c in columns
    ]
    defs = [
        {"field": "column", "headerName": "Column", "pinned": "left", "minWidth": 180},
        {"field": "role", "headerName": "Role", "minWidth": 100},
        {"field": "used", "headerName": "Used for clusters"},
        {"field": "type", "headerName": "Type"},
        {"field": "missing", "headerName": "Empty cells"},
        {"field": "distinct", "headerName": "Distinct values"},
        {"field": "min", "headerName": "Smallest"},
        {"field": "median", "headerName": "Median"},
        {"field": "max", "headerName": "Largest"},
    ]
    return grid(grid_id, rows, defs, height=min(600, 52 + 42 * max(1, len(rows))), fit=True)


def missing_figure(missing: Sequence[Mapping]) -> go.Figure:
    """Share of empty cells per column (only columns that have any)."""
    rows = [m for m in missing if m["missing_pct"] > 0][:25]
    if not rows:
        return empty_figure("No column has empty cells.", height=160)
    rows = rows[::-1]
    fig = go.Figure(
        go.Bar(
            x=[m["missing_pct"] for m in rows],
            y=[plain(m["column"], 40) for m in rows],
            orientation="h",
            marker_color="#fd7e14",
            hovertemplate="%{y}: %{x:.1f}% empty<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="% of posts with an empty cell", rangemode="tozero")
    return _layout(fig, max(220, 40 + 26 * len(rows)))


def distribution_figure(name: str, hist: Mapping, log: bool) -> go.Figure:
    """Histogram of one metric from precomputed bins; ``log``: log-spaced bins on a log axis (zeros apart)."""
    label = plain(name, 60)
    if log and hist.get("log"):
        edges = np.asarray(hist["log"]["edges"], dtype=float)
        counts = hist["log"]["counts"]
        centers = np.sqrt(edges[:-1] * edges[1:])
        fig = go.Figure(
            go.Scatter(
                x=centers,
                y=counts,
                mode="lines",
                line={"shape": "hvh", "color": ACCENT},
                fill="tozeroy",
                customdata=np.stack([edges[:-1], edges[1:]], axis=1),
                hovertemplate="%{customdata[0]:,.0f}–%{customdata[1]:,.0f}: %{y:,} posts<extra></extra>",
            )
        )
        fig.update_xaxes(type="log", title_text=f"{label} (log scale)")
    else:
        lin = hist.get("linear")
        if not lin:
            return empty_figure(f"“{name}” has no values to show.")
        edges = np.asarray(lin["edges"], dtype=float)
        fig = go.Figure(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=lin["counts"],
                width=np.diff(edges),
                marker_color=ACCENT,
                customdata=np.stack([edges[:-1], edges[1:]], axis=1),
                hovertemplate="%{customdata[0]:,.1f}–%{customdata[1]:,.1f}: %{y:,} posts<extra></extra>",
            )
        )
        fig.update_xaxes(title_text=label)
    fig.update_yaxes(title_text="Number of posts")
    return _layout(fig, 340)


def distribution_note(name: str, hist: Mapping, log: bool) -> str:
    """One sentence reading the distribution."""
    if not hist.get("n"):
        return f"“{name}” has no values."
    median, p99 = _fmt(hist["median"]), _fmt(hist["p99"])
    text = f"Half of the posts have {median} or less; the top 1% have more than {p99}."
    if log and hist.get("zeros"):
        text += f" {hist['zeros']:,} posts with 0 are not shown on the log scale."
    if log and not hist.get("log"):
        text += " The log scale needs positive values of different sizes, so the plain scale is shown."
    return text


def category_figure(name: str, counts: Mapping) -> go.Figure:
    """Posts per level (most frequent first, the rest as “other”)."""
    levels = [plain(v, 40) for v in counts["levels"]]
    values = list(counts["counts"])
    if counts.get("other"):
        levels.append("(other levels)")
        values.append(counts["other"])
    if counts.get("missing"):
        levels.append("(empty)")
        values.append(counts["missing"])
    if not levels:
        return empty_figure(f"“{name}” has no values.")
    fig = go.Figure(
        go.Bar(
            x=values[::-1],
            y=levels[::-1],
            orientation="h",
            marker_color="#20c997",
            hovertemplate="%{y}: %{x:,} posts<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Number of posts")
    return _layout(fig, max(220, 50 + 28 * len(levels)))


def correlation_figure(corr: Mapping | None) -> go.Figure:
    """Spearman correlation heatmap of the metrics (−1 … 1)."""
    if not corr:
        return empty_figure("Correlations need at least two number columns.")
    names = [plain(c, 28) for c in corr["columns"]]
    z = [[np.nan if v is None else v for v in row] for row in corr["matrix"]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            colorbar={"title": {"text": "ρ"}, "thickness": 12},
            hovertemplate="%{y} × %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    size = max(360, min(720, 120 + 32 * len(names)))
    return _layout(fig, size)


def over_time_figure(time: Mapping) -> go.Figure:
    """Posts per day/week/month."""
    fig = go.Figure(
        go.Scatter(
            x=time["periods"],
            y=time["counts"],
            mode="lines",
            line={"color": ACCENT},
            fill="tozeroy",
            hovertemplate=f"%{{x}}: %{{y:,}} posts per {time['unit']}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"Posts per {time['unit']}", rangemode="tozero")
    return _layout(fig, 300)


def hour_weekday_figure(time: Mapping) -> go.Figure:
    """Post counts by weekday × hour of day."""
    grid_ = time.get("hour_weekday")
    if not grid_:
        return empty_figure("The dates have no time of day, so posting hours cannot be shown.")
    fig = go.Figure(
        go.Heatmap(
            z=grid_,
            x=[f"{h:02d}:00" for h in range(24)],
            y=list(time["weekdays"]),
            colorscale="Blues",
            colorbar={"title": {"text": "posts"}, "thickness": 12},
            hovertemplate="%{y} %{x}: %{z:,} posts<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        title_text="Hour of day",
        tickangle=0,
        tickmode="array",
        tickvals=[f"{h:02d}:00" for h in range(0, 24, 3)],
    )
    return _layout(fig, 320)
