"""Figures for the Cluster page: the k sweep, the 2-D projection and the cluster sizes.

Builders take small dicts/frames (never services or caching results directly) and return Plotly figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from socialdash.components.plain_text import fmt_int, fmt_pct, plain

PALETTE: tuple[str, ...] = tuple(qualitative.Safe)
MAX_POINTS = 20_000

SWEEP_PANELS: tuple[tuple[str, str], ...] = (
    ("inertia", "Inertia — lower means tighter clusters"),
    ("silhouette", "Silhouette — higher is better"),
    ("calinski_harabasz", "Calinski-Harabasz — higher is better"),
    ("davies_bouldin", "Davies-Bouldin — lower is better"),
)


def cluster_color(cluster: int) -> str:
    """The colour of cluster 1..k, the same on every page."""
    return PALETTE[(int(cluster) - 1) % len(PALETTE)]


def cluster_label(cluster: int, names: Mapping[int, str] | None = None) -> str:
    """ "Cluster 2 · High-comment videos" (escaped) or "Cluster 2"."""
    name = (names or {}).get(int(cluster))
    return f"Cluster {int(cluster)} · {plain(name, 40)}" if name else f"Cluster {int(cluster)}"


def _base_layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
        font={"size": 12},
    )
    return fig


def sweep_figure(sweep: Mapping[str, Sequence[float] | int]) -> go.Figure:
    """Four small panels of the sweep scores against k, the recommended k marked in each.

    ``sweep``: ``{"ks", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "recommended_k"}``.
    """
    ks = [int(k) for k in sweep["ks"]]
    best = int(sweep["recommended_k"])
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[title for _, title in SWEEP_PANELS],
        horizontal_spacing=0.1,
        vertical_spacing=0.18,
    )
    for i, (key, _title) in enumerate(SWEEP_PANELS):
        row, col = divmod(i, 2)
        values = [None if v is None else float(v) for v in sweep[key]]
        fig.add_trace(
            go.Scatter(
                x=ks,
                y=values,
                mode="lines+markers",
                name=key,
                showlegend=False,
                line={"color": "#4a6fa5"},
                marker={"size": 7},
                hovertemplate="k = %{x}<br>%{y:,.3f}<extra></extra>",
            ),
            row=row + 1,
            col=col + 1,
        )
        if best in ks:
            y_best = values[ks.index(best)]
            fig.add_trace(
                go.Scatter(
                    x=[best],
                    y=[y_best],
                    mode="markers",
                    name=f"recommended k = {best}",
                    showlegend=False,
                    marker={"size": 14, "color": "#d1495b", "symbol": "star"},
                    hovertemplate="recommended k = %{x}<br>%{y:,.3f}<extra></extra>",
                ),
                row=row + 1,
                col=col + 1,
            )
        fig.add_vline(x=best, line={"dash": "dot", "color": "#d1495b", "width": 1}, row=row + 1, col=col + 1)
        fig.update_xaxes(title_text="number of clusters (k)", dtick=1, row=row + 1, col=col + 1)
    return _base_layout(fig, 480)


def sample_points(points: pd.DataFrame, max_points: int = MAX_POINTS, seed: int = 0) -> pd.DataFrame:
    """At most ``max_points`` rows, seeded, so figure JSON does not grow with the data."""
    if len(points) <= max_points:
        return points
    return points.sample(n=max_points, random_state=seed)


def projection_figure(
    points: pd.DataFrame,
    names: Mapping[int, str] | None = None,
    axis_titles: tuple[str, str] = ("component 1", "component 2"),
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """WebGL scatter of a 2-D projection (columns x, y, cluster), one trace per cluster, sampled."""
    pts = sample_points(points, max_points)
    fig = go.Figure()
    for cluster in sorted(int(c) for c in pts["cluster"].unique()):
        part = pts[pts["cluster"] == cluster]
        fig.add_trace(
            go.Scattergl(
                x=part["x"].to_numpy(dtype=float),
                y=part["y"].to_numpy(dtype=float),
                mode="markers",
                name=cluster_label(cluster, names),
                marker={"size": 5, "opacity": 0.6, "color": cluster_color(cluster)},
                hovertemplate=f"{cluster_label(cluster, names)}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=plain(axis_titles[0]), zeroline=False)
    fig.update_yaxes(title_text=plain(axis_titles[1]), zeroline=False)
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top", "itemsizing": "constant"}
    )
    fig = _base_layout(fig, 500)
    fig.update_layout(margin={"l": 50, "r": 20, "t": 20, "b": 40})
    return fig


def sizes_figure(sizes: Mapping[int, int], names: Mapping[int, str] | None = None) -> go.Figure:
    """Horizontal bars: posts per cluster with their share, cluster 1 at the top."""
    clusters = sorted(int(c) for c in sizes)
    counts = [int(sizes[c]) for c in clusters]
    total = sum(counts) or 1
    labels = [cluster_label(c, names) for c in clusters]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=labels,
            orientation="h",
            marker={"color": [cluster_color(c) for c in clusters]},
            text=[f"{fmt_int(n)} posts ({fmt_pct(n / total)})" for n in counts],
            textposition="auto",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,} posts<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="posts")
    return _base_layout(fig, max(220, 60 + 40 * len(clusters)))
