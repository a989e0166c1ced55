"""Figures for the Cluster page: the k sweep, the 2-D projection and the cluster sizes.

Builders take small dicts/frames (never services or caching results directly) and return Plotly figures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from socialdash.components.plain_text import fmt_int, fmt_pct, plain

PALETTE: tuple[str, ...] = tuple(qualitative.Safe)
MAX_POINTS = 10_000  # a random 10k of the posts draw the same map; half the JSON of 20k

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


#: what every figure needs of plotly_white: no polar/3-D/geo/ternary axes, trace defaults only for the trace
#: types drawn here (the whole template was 7 KB of JSON in every figure, for the browser to parse and merge)
_TEMPLATE_LAYOUT_SKIP = frozenset({"polar", "ternary", "scene", "geo"})
_TEMPLATE_TRACES = frozenset({"bar", "scatter", "scattergl", "heatmap"})


def _slim_template() -> dict:
    full = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in full["layout"].items() if k not in _TEMPLATE_LAYOUT_SKIP}
    return {"layout": layout, "data": {k: v for k, v in full["data"].items() if k in _TEMPLATE_TRACES}}


TEMPLATE_JSON: str = json.dumps(_slim_template())  # built once per process


def template() -> dict:
    """The shared figure template (slim plotly_white) as a fresh dict."""
    return json.loads(TEMPLATE_JSON)


def _layout(height: int, **extra: Any) -> dict:
    """The shared look (plotly_white, compact margins) as a plain layout dict (a fresh copy each call)."""
    return {
        "template": template(),
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "font": {"size": 12},
        **extra,
    }


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain dicts without Plotly's property validation (the builders here produce valid
    properties; validating them and copying the template cost ~30 ms per figure, the page's render time)."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def _base_layout(fig: go.Figure, height: int) -> go.Figure:
    """``fig`` with the shared look; for figures built with graph_objects (Evaluate, Insights)."""
    layout = fig.layout.to_plotly_json()
    for key, value in _layout(height).items():  # merged like update_layout; the template is replaced
        old = layout.get(key)
        layout[key] = {**old, **value} if key != "template" and isinstance(old, dict) else value
    return go.Figure(data=fig.data, layout=layout, _validate=False)


@lru_cache(maxsize=1)
def _sweep_skeleton() -> str:
    """The 2 × 2 subplot grid (axis domains, panel titles) as JSON, computed once."""
    grid = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[title for _, title in SWEEP_PANELS],
        horizontal_spacing=0.1,
        vertical_spacing=0.18,
    )
    return json.dumps(grid.to_plotly_json()["layout"])


def sweep_figure(sweep: Mapping[str, Sequence[float] | int]) -> go.Figure:
    """Four small panels of the sweep scores against k, the recommended k marked in each.

    ``sweep``: ``{"ks", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "recommended_k"}``.
    """
    ks = [int(k) for k in sweep["ks"]]
    best = int(sweep["recommended_k"])
    layout = json.loads(_sweep_skeleton())
    data: list[dict] = []
    shapes: list[dict] = []
    for i, (key, _title) in enumerate(SWEEP_PANELS):
        axis = "" if i == 0 else str(i + 1)
        values = [None if v is None else float(v) for v in sweep[key]]
        data.append(
            {
                "type": "scatter",
                "x": ks,
                "y": values,
                "mode": "lines+markers",
                "name": key,
                "showlegend": False,
                "line": {"color": "#4a6fa5"},
                "marker": {"size": 7},
                "hovertemplate": "k = %{x}<br>%{y:,.3f}<extra></extra>",
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
            }
        )
        if best in ks:
            data.append(
                {
                    "type": "scatter",
                    "x": [best],
                    "y": [values[ks.index(best)]],
                    "mode": "markers",
                    "name": f"recommended k = {best}",
                    "showlegend": False,
                    "marker": {"size": 14, "color": "#d1495b", "symbol": "star"},
                    "hovertemplate": "recommended k = %{x}<br>%{y:,.3f}<extra></extra>",
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                }
            )
        shapes.append(
            {
                "type": "line",
                "x0": best,
                "x1": best,
                "xref": f"x{axis}",
                "y0": 0,
                "y1": 1,
                "yref": f"y{axis} domain",
                "line": {"dash": "dot", "color": "#d1495b", "width": 1},
            }
        )
        layout[f"xaxis{axis}"].update(title={"text": "number of clusters (k)"}, dtick=1)
    layout.update(_layout(480), shapes=shapes)
    return _figure(data, layout)


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
    data = []
    for cluster in sorted(int(c) for c in pts["cluster"].unique()):
        part = pts[pts["cluster"] == cluster]
        data.append(
            {
                "type": "scattergl",
                "x": part["x"].to_numpy(dtype="float32"),  # 4 bytes a coordinate is plenty on screen
                "y": part["y"].to_numpy(dtype="float32"),
                "mode": "markers",
                "name": cluster_label(cluster, names),
                "marker": {"size": 5, "opacity": 0.6, "color": cluster_color(cluster)},
                "hovertemplate": f"{cluster_label(cluster, names)}<extra></extra>",
            }
        )
    layout = _layout(
        500,
        xaxis={"title": {"text": plain(axis_titles[0])}, "zeroline": False},
        yaxis={"title": {"text": plain(axis_titles[1])}, "zeroline": False},
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top", "itemsizing": "constant"},
    )
    layout["margin"] = {"l": 50, "r": 20, "t": 20, "b": 40}
    return _figure(data, layout)


def sizes_figure(sizes: Mapping[int, int], names: Mapping[int, str] | None = None) -> go.Figure:
    """Horizontal bars: posts per cluster with their share, cluster 1 at the top."""
    clusters = sorted(int(c) for c in sizes)
    counts = [int(sizes[c]) for c in clusters]
    total = sum(counts) or 1
    labels = [cluster_label(c, names) for c in clusters]
    bar = {
        "type": "bar",
        "x": counts,
        "y": labels,
        "orientation": "h",
        "marker": {"color": [cluster_color(c) for c in clusters]},
        "text": [f"{fmt_int(n)} posts ({fmt_pct(n / total)})" for n in counts],
        "textposition": "auto",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:,} posts<extra></extra>",
    }
    layout = _layout(
        max(220, 60 + 40 * len(clusters)),
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": "posts"}},
    )
    return _figure([bar], layout)
