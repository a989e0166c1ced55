"""Insights page pieces: a card per cluster, the lift heatmap, category mix, timing and exemplar posts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from socialdash.components.cluster_figures import _base_layout, cluster_color, cluster_label
from socialdash.components.plain_text import fmt_int, fmt_pct, plain

LOG2_CLIP = 3.0  # colour scale from 1/8× to 8× the overall median
MAX_LEVELS = 8


def lift_text(lift: float | None) -> str:
    """1.83 → "×1.8"; 0.5 → "×0.5"; None → "–"."""
    if lift is None or (isinstance(lift, float) and math.isnan(lift)):
        return "–"
    if lift < 0.1:
        return f"×{lift:.2f}"  # ×0.04, not a misleading ×0.0
    return f"×{lift:.1f}" if lift < 10 else f"×{lift:,.0f}"


def key_lifts(lifts: Mapping[str, float | None], n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` metrics that differ most from the overall median (by |log lift|), strongest first."""
    usable = [(m, float(v)) for m, v in lifts.items() if v is not None and not math.isnan(float(v))]
    usable = [(m, v) for m, v in usable if v > 0 and abs(math.log(v)) > 0.05]
    return sorted(usable, key=lambda mv: -abs(math.log(mv[1])))[:n]


def cluster_card(c: Mapping) -> dbc.Card:
    """Name, size and share, summary and key lifts for one cluster (``ClusterInsight.to_dict()`` shape)."""
    cluster = int(c["cluster"])
    badges = []
    for metric, lift in key_lifts(c.get("lifts") or {}):
        word = "higher" if lift > 1 else "lower"
        badges.append(
            dbc.Badge(
                f"{metric} {lift_text(lift)}",
                color="success" if lift > 1 else "secondary",
                className="me-1 mb-1",
                title=f"Median {metric} is {lift_text(lift)} the overall median ({word}).",
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(
                            className="d-inline-block rounded-circle me-2",
                            style={
                                "width": "12px",
                                "height": "12px",
                                "backgroundColor": cluster_color(cluster),
                            },
                        ),
                        html.Strong(f"Cluster {cluster}: {c.get('name') or ''}"),
                    ],
                    className="d-flex align-items-center",
                )
            ),
            dbc.CardBody(
                [
                    share_bar(cluster, c.get("size"), c.get("share")),
                    html.P(c.get("summary") or "", className="mb-2"),
                    html.Div(badges)
                    if badges
                    else html.Div(
                        "Close to the overall median on every metric.", className="small text-muted"
                    ),
                ]
            ),
        ],
        className="h-100",
        id={"type": "insights-card", "index": cluster},
    )


def share_bar(cluster: int, size: int | None, share: float | None) -> html.Div:
    """ "1,334 posts · 19%" over a thin bar in the cluster's colour, as wide as its share of all posts."""
    width = max(0.0, min(1.0, float(share or 0.0)))
    return html.Div(
        [
            html.Div(f"{fmt_int(size)} posts · {fmt_pct(share)} of all posts", className="small text-muted"),
            html.Div(
                html.Div(
                    style={
                        "width": f"{100 * width:.1f}%",
                        "height": "6px",
                        "backgroundColor": cluster_color(cluster),
                        "borderRadius": "3px",
                    }
                ),
                style={"backgroundColor": "#e9ecef", "borderRadius": "3px"},
                className="mb-2",
            ),
        ]
    )


def cluster_cards(clusters: Sequence[Mapping]) -> dbc.Row:
    """All cluster cards in a responsive grid."""
    return dbc.Row([dbc.Col(cluster_card(c), md=6, xl=4, className="mb-3") for c in clusters])


def lift_heatmap(lift_table: pd.DataFrame, names: Mapping[int, str] | None = None) -> go.Figure:
    """Clusters × metrics, coloured by log2 of the lift vs the overall median (blue higher, red lower)."""
    table = lift_table.astype(float)
    lifts = table.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.clip(np.log2(np.where(lifts > 0, lifts, 2.0**-LOG2_CLIP)), -LOG2_CLIP, LOG2_CLIP)
    z = np.where(np.isnan(lifts), np.nan, z)
    ylabels = [cluster_label(int(c), names) for c in table.index]
    xlabels = [plain(m, 28) for m in table.columns]
    text = [[lift_text(None if np.isnan(v) else float(v)) for v in row] for row in lifts]
    ticks = [-2, -1, 0, 1, 2]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=xlabels,
            y=ylabels,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale="RdBu",
            zmid=0,
            zmin=-LOG2_CLIP,
            zmax=LOG2_CLIP,
            xgap=2,
            ygap=2,
            colorbar={
                "title": {"text": "vs overall<br>median"},
                "tickvals": ticks,
                "ticktext": ["×¼", "×½", "×1", "×2", "×4"],
                "len": 0.9,
                "thickness": 14,
            },
            hovertemplate="%{y}<br>%{x}: %{text} the overall median<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickangle=-30, automargin=True)
    return _base_layout(fig, max(330, 150 + 48 * len(ylabels)))


def category_mix_figure(
    column: str, mix: Mapping[int, Mapping[str, float]], names: Mapping[int, str] | None = None
) -> go.Figure:
    """Stacked bars: share of each level of ``column`` inside each cluster (top levels, rest as "other")."""
    clusters = sorted(int(c) for c in mix)
    totals: dict[str, float] = {}
    for c in clusters:
        for level, share in mix[c].items():
            totals[str(level)] = totals.get(str(level), 0.0) + float(share)
    levels = sorted(totals, key=lambda lv: -totals[lv])
    top, rest = levels[:MAX_LEVELS], levels[MAX_LEVELS:]
    ylabels = [cluster_label(c, names) for c in clusters]
    fig = go.Figure()
    series = [(lv, [float(mix[c].get(lv, 0.0)) for c in clusters]) for lv in top]
    if rest:
        series.append(("other", [sum(float(mix[c].get(lv, 0.0)) for lv in rest) for c in clusters]))
    for level, values in series:
        fig.add_trace(
            go.Bar(
                y=ylabels,
                x=values,
                orientation="h",
                name=plain(level, 30),
                text=[fmt_pct(v) if v >= 0.06 else "" for v in values],
                textposition="inside",
                hovertemplate=f"%{{y}}<br>{plain(level, 30)}: %{{x:.0%}}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
        title={"text": f"{plain(column)} by cluster", "font": {"size": 14}},
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _base_layout(fig, max(260, 150 + 40 * len(clusters)))


def timing_table(clusters: Sequence[Mapping]) -> html.Div:
    """Best posting hours and weekdays per cluster, or a sentence when the data has no date and time."""
    if not any(c.get("best_hours") or c.get("best_weekdays") for c in clusters):
        return html.P(
            "Your data has no post date and time, so there are no best posting times to show.",
            className="text-muted",
        )
    rows = [
        html.Tr(
            [
                html.Td(f"Cluster {int(c['cluster'])}: {c.get('name') or ''}"),
                html.Td(", ".join(f"{int(h):02d}:00" for h in c.get("best_hours") or []) or "–"),
                html.Td(", ".join(str(d) for d in c.get("best_weekdays") or []) or "–"),
            ]
        )
        for c in clusters
    ]
    head = html.Thead(html.Tr([html.Th("Cluster"), html.Th("Best hours"), html.Th("Best days")]))
    return html.Div(
        [
            dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="mb-1"),
            html.Div(
                "Best = the hours and days where this cluster's posts get the most engagement (median).",
                className="small text-muted",
            ),
        ]
    )


def cell_text(value: object) -> str:
    """A grid cell as plain text: 44.0 → "44", 3.14159 → "3.14", missing → ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def exemplar_grid(grid_id: str, rows: Sequence[Mapping], columns: Sequence[str]) -> dag.AgGrid:
    """Example posts per cluster as plain text cells (AG Grid renders values as text, never HTML).

    Columns are as wide as their content (long text wraps), so ids and numbers stay on one line."""
    data = []
    for r in rows:
        item = {"cluster": str(r.get("cluster", ""))}
        for i, col in enumerate(columns):
            item[f"c{i}"] = cell_text(r.get(col))
        data.append(item)
    defs: list[dict] = [{"field": "cluster", "headerName": "Cluster", "width": 100, "pinned": "left"}]
    for i, col in enumerate(columns):
        longest = max([len(str(col))] + [len(d[f"c{i}"]) for d in data])
        wrap = longest > 45
        defs.append(
            {
                "field": f"c{i}",
                "headerName": str(col),
                "tooltipField": f"c{i}",
                "width": 360 if wrap else max(110, min(280, 8 * longest + 64)),
                "wrapText": wrap,
                "autoHeight": wrap,
            }
        )
    return dag.AgGrid(
        id=grid_id,
        rowData=data,
        columnDefs=defs,
        defaultColDef={"resizable": True, "sortable": True, "filter": True},
        dashGridOptions={
            "domLayout": "autoHeight",
            "tooltipShowDelay": 300,
            "suppressFieldDotNotation": True,
        },
        style={"width": "100%"},
    )
