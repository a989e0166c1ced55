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
from socialdash.components.plain_text import fmt_int, fmt_num, fmt_pct, plain

LOG2_CLIP = 3.0  # colour scale from 1/8× to 8× the overall median
MAX_LEVELS = 8


def lift_text(lift: float | None) -> str:
    """1.83 → "×1.8"; 0.5 → "×0.5"; None → "–"."""
    if lift is None or (isinstance(lift, float) and math.isnan(lift)):
        return "–"
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
                    html.Div(
                        f"{fmt_int(c.get('size'))} posts · {fmt_pct(c.get('share'))} of all posts",
                        className="text-muted small mb-2",
                    ),
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
    ticks = list(range(-int(LOG2_CLIP), int(LOG2_CLIP) + 1))
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
                "ticktext": [f"×{2.0**t:g}" for t in ticks],
            },
            hovertemplate="%{y}<br>%{x}: %{text} the overall median<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickangle=-30, automargin=True)
    return _base_layout(fig, max(260, 120 + 48 * len(ylabels)))


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
        legend={"orientation": "h", "y": -0.2, "title": {"text": plain(column)}},
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


def exemplar_grid(grid_id: str, rows: Sequence[Mapping], columns: Sequence[str]) -> dag.AgGrid:
    """Example posts per cluster as plain text cells (AG Grid renders values as text, never HTML)."""
    defs = [{"field": "cluster", "headerName": "Cluster", "width": 110, "pinned": "left"}]
    defs += [
        {"field": f"c{i}", "headerName": str(col), "tooltipField": f"c{i}"} for i, col in enumerate(columns)
    ]
    data = []
    for r in rows:
        item = {"cluster": str(r.get("cluster", ""))}
        for i, col in enumerate(columns):
            value = r.get(col)
            item[f"c{i}"] = (
                "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            )
        data.append(item)
    return dag.AgGrid(
        id=grid_id,
        rowData=data,
        columnDefs=defs,
        defaultColDef={
            "resizable": True,
            "sortable": True,
            "filter": True,
            "wrapText": True,
            "autoHeight": True,
            "minWidth": 120,
            "flex": 1,
        },
        dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 300},
        style={"width": "100%"},
    )


def metric_summary(overall: Mapping[str, float]) -> str:
    """One sentence listing a few overall medians, e.g. "Overall medians: num_comments 4, num_shares 0."."""
    parts = [f"{m} {fmt_num(v, 1)}" for m, v in list(overall.items())[:5]]
    return "Overall medians: " + ", ".join(parts) + "." if parts else ""
