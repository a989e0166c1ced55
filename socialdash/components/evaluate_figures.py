"""Evaluate page pieces: the metrics table, silhouette plot, train-vs-test shares and stability."""

from __future__ import annotations

from collections.abc import Mapping

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from socialdash.components.cluster_figures import _base_layout, cluster_color, cluster_label
from socialdash.components.plain_text import fmt_num, fmt_pct

METRICS: tuple[tuple[str, str, str], ...] = (
    ("silhouette", "Silhouette", "from −1 to 1; higher means posts sit clearly inside their own cluster"),
    ("calinski_harabasz", "Calinski-Harabasz", "higher means clusters are further apart than they are wide"),
    ("davies_bouldin", "Davies-Bouldin", "0 or more; lower means clusters overlap less"),
)
POINTS_PER_CLUSTER = 120


def gap_is_worrying(
    key: str, train: float | None, test: float | None, sizes: Mapping[str, int] | None = None
) -> bool | None:
    """True when test differs enough from train that the clusters may not hold on new posts.

    Calinski-Harabasz grows with the number of posts, so with ``sizes`` ({"train", "test", "k"}) it is
    compared per post (divided by n − k) rather than as raw numbers."""
    if train is None or test is None:
        return None
    if key == "silhouette":
        return abs(test - train) > 0.1
    if (
        key == "calinski_harabasz"
        and sizes
        and sizes.get("train", 0) > sizes.get("k", 0) < sizes.get("test", 0)
    ):
        train = train / (sizes["train"] - sizes["k"])
        test = test / (sizes["test"] - sizes["k"])
    return abs(test - train) > 0.25 * max(abs(train), 1e-9)


def metrics_table(
    metrics: Mapping[str, Mapping[str, float | None]],
    sentences: Mapping[str, str],
    sizes: Mapping[str, int] | None = None,
) -> html.Div:
    """Train, test and gap for the three metrics, each with its sentence and a verdict on the gap.

    ``sizes`` ({"train", "test", "k"}) lets Calinski-Harabasz be judged per post (it grows with the count)."""
    train, test = metrics.get("train", {}), metrics.get("test", {})
    gap = metrics.get("gap", {})
    rows = []
    for key, label, scale in METRICS:
        worrying = gap_is_worrying(key, train.get(key), test.get(key), sizes)
        if worrying is None:
            verdict = dbc.Badge("no test posts", color="secondary")
        elif worrying:
            verdict = dbc.Badge("gap worth a look", color="warning", text_color="dark")
        else:
            verdict = dbc.Badge("small gap", color="success")
        note = None
        if key == "calinski_harabasz" and sizes and worrying is not None:
            note = html.Div(
                "compared per post: it grows with the number of posts", className="small text-muted"
            )
        gap_value = gap.get(key)
        if gap_value is None and train.get(key) is not None and test.get(key) is not None:
            gap_value = float(test[key]) - float(train[key])
        rows.append(
            html.Tr(
                [
                    html.Th([label, html.Div(scale, className="small text-muted fw-normal")]),
                    html.Td(fmt_num(train.get(key)), className="text-end"),
                    html.Td(fmt_num(test.get(key)), className="text-end"),
                    html.Td([fmt_num(gap_value), html.Br(), verdict, note], className="text-end"),
                    html.Td(sentences.get(key, ""), className="small"),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Metric"),
                html.Th("Train", className="text-end"),
                html.Th("Test", className="text-end"),
                html.Th("Gap (test − train)", className="text-end"),
                html.Th("What it means"),
            ]
        )
    )
    children: list = [
        dbc.Table(
            [head, html.Tbody(rows)],
            bordered=False,
            hover=True,
            responsive=True,
            className="align-middle mb-2",
        )
    ]
    if sentences.get("gap"):
        children.append(html.P(sentences["gap"], className="mb-0"))
    return html.Div(children)


def silhouette_figure(
    samples: pd.DataFrame, names: Mapping[int, str] | None = None, average: float | None = None
) -> go.Figure:
    """Classic silhouette plot: per cluster its sorted values as a filled band (≤ 120 quantiles each);
    a dashed line at ``average`` (default: the mean of ``samples``)."""
    fig = go.Figure()
    tickvals, ticktext = [], []
    offset = 0
    clusters = sorted(int(c) for c in samples["cluster"].unique()) if len(samples) else []
    for cluster in clusters:
        values = np.sort(samples.loc[samples["cluster"] == cluster, "silhouette"].to_numpy(dtype=float))[::-1]
        values = values[~np.isnan(values)]
        if len(values) == 0:
            continue
        if len(values) > POINTS_PER_CLUSTER:
            values = np.quantile(values, np.linspace(1, 0, POINTS_PER_CLUSTER))
        ys = offset + np.arange(len(values))
        fig.add_trace(
            go.Scatter(
                x=values,
                y=ys,
                mode="lines",
                fill="tozerox",
                name=cluster_label(cluster, names),
                line={"color": cluster_color(cluster), "width": 1},
                showlegend=False,
                hovertemplate=f"{cluster_label(cluster, names)}<br>silhouette %{{x:.2f}}<extra></extra>",
            )
        )
        tickvals.append(offset + len(values) / 2)
        ticktext.append(f"Cluster {cluster}")
        offset += len(values) + 12
    if len(samples):
        mean = (
            average if average is not None else float(np.nanmean(samples["silhouette"].to_numpy(dtype=float)))
        )
        fig.add_vline(
            x=mean,
            line={"dash": "dash", "color": "#d1495b"},
            annotation_text=f"average {mean:.2f}",
            annotation_position="top",
        )
    fig.update_yaxes(tickvals=tickvals, ticktext=ticktext, showgrid=False, zeroline=False, automargin=True)
    low = float(samples["silhouette"].min()) if len(samples) else -1.0
    fig.update_xaxes(
        title_text="silhouette of each post (sample)",
        range=[max(-1.0, min(-0.1, low - 0.05)), 1],
        zeroline=True,
    )
    return _base_layout(fig, max(320, 90 + 45 * len(clusters)))


def shares_figure(shares: pd.DataFrame, names: Mapping[int, str] | None = None) -> go.Figure:
    """Grouped bars: share of train posts vs share of test posts in each cluster."""
    clusters = [int(c) for c in shares["cluster"]]
    labels = [cluster_label(c, names) for c in clusters]
    fig = go.Figure()
    for col, label, color in (("train_share", "train", "#4a6fa5"), ("test_share", "test", "#e8a33d")):
        values = [None if pd.isna(v) else float(v) for v in shares[col]]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=label,
                marker={"color": color},
                text=[fmt_pct(v) for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"%{{x}}<br>{label}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", title_text="share of posts", rangemode="tozero")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.18, "x": 0.5, "xanchor": "center"})
    return _base_layout(fig, 340)


def stability_card(stability: Mapping[str, float | None], sentence: str) -> dbc.Card:
    """The stability numbers (adjusted Rand index, 1 = identical clusterings) with their reading."""
    items = (
        ("seed_ari_mean", "Agreement across random restarts (average)"),
        ("seed_ari_min", "Agreement across random restarts (worst)"),
        ("train_vs_test_ari", "Agreement between train and test clusterings"),
    )
    rows = [
        html.Tr([html.Td(label), html.Td(fmt_num(stability.get(key)), className="text-end fw-semibold")])
        for key, label in items
        if key in stability
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H5("Stability", className="card-title"),
                html.P(sentence, className="mb-2"),
                dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="mb-1"),
                html.Div(
                    "Agreement is measured with the adjusted Rand index: 1 means identical clusters, "
                    "0 means no better than chance.",
                    className="small text-muted",
                ),
            ]
        )
    )
