"""Insights page callbacks: cluster cards, lift heatmap, category mix, timing, exemplars, download links.

A page load renders in the foreground when the run is cached (``insights_view_cb``: no background process,
no polling); only a run missing from the cache starts the background job (``insights_content``)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from socialdash import caching
from socialdash.callbacks._run_state import HIDDEN, SHOWN, marked, page_keys, run_choices
from socialdash.callbacks._views import recalled, remembered
from socialdash.callbacks.common import guarded, outputs
from socialdash.components.insights_cards import (
    category_mix_figure,
    cluster_cards,
    exemplar_grid,
    lift_heatmap,
    timing_table,
)
from socialdash.ids import Insights, Shell

MAX_MIX_COLUMNS = 3
LINK_CLASS = "btn btn-{} me-2 mb-2"
DOWNLOADS = (("csv", "primary"), ("xlsx", "outline-primary"), ("json", "outline-secondary"))


@callback(
    Output(Insights.GUIDE, "children"),
    Output(Insights.KEY, "data"),
    Input(Insights.INIT, "data"),
    Input(Shell.STORE, "data"),
    State(Insights.KEY, "data"),
)
def insights_keys(_init: Any, store: dict | None, current: dict | None):
    """Guidance when data or a run is missing; otherwise the run to show (only when it changed)."""
    return page_keys(store, current)


def _records(value: Any) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    if isinstance(value, dict):
        return pd.DataFrame(value).to_dict("records")
    return [dict(r) for r in value]


def mix_by_column(clusters: list[dict]) -> dict[str, dict[int, dict[str, float]]]:
    """{column: {cluster: {level: share}}} from each cluster's category_mix."""
    out: dict[str, dict[int, dict[str, float]]] = {}
    for c in clusters:
        for column, levels in (c.get("category_mix") or {}).items():
            out.setdefault(str(column), {})[int(c["cluster"])] = {str(k): float(v) for k, v in levels.items()}
    return out


def exemplar_rows(clusters: list[dict]) -> tuple[list[dict], list[str]]:
    """Exemplar posts of every cluster as rows with a cluster column, and the union of their columns."""
    rows, columns = [], []
    for c in clusters:
        for r in _records(c.get("exemplars")):
            rows.append({"cluster": int(c["cluster"]), **r})
            columns.extend(str(k) for k in r if str(k) not in columns and k != "cluster")
    return rows, columns


def insights_view(result: dict) -> tuple:
    """(cards, heatmap figure, category mix, timing table, exemplars) for a compact run."""
    ins = result["insights"]
    clusters = sorted(ins.get("clusters") or [], key=lambda c: int(c["cluster"]))
    names = {int(c["cluster"]): str(c.get("name") or "") for c in clusters}
    lifts = pd.DataFrame.from_dict(
        {int(c["cluster"]): c.get("lifts") or {} for c in clusters}, orient="index"
    )
    heatmap = lift_heatmap(lifts.sort_index(), names) if lifts.shape[1] else {}
    mixes = mix_by_column(clusters)
    mix = [
        dcc.Graph(figure=category_mix_figure(column, per_cluster, names), config={"displayModeBar": False})
        for column, per_cluster in list(mixes.items())[:MAX_MIX_COLUMNS]
    ] or html.P(
        "Your data has no category columns (like post type) to break the clusters down by.",
        className="text-muted",
    )
    rows, columns = exemplar_rows(clusters)
    exemplars = (
        exemplar_grid(Insights.EXEMPLAR_GRID, rows, columns)
        if rows
        else html.P("No example posts to show.", className="text-muted")
    )
    return cluster_cards(clusters), heatmap, mix, timing_table(clusters), exemplars


def download_links(handle: str, run_key: str) -> list[str]:
    """hrefs of the CSV, Excel and report downloads, served by socialdash.web.downloads."""
    return [f"/download/{quote(handle, safe='')}/{run_key}.{ext}" for ext, _color in DOWNLOADS]


def _outputs(dup: bool) -> list[Output]:
    targets = [
        (Insights.CONTENT, "style"),
        (Insights.CARDS, "children"),
        (Insights.HEATMAP, "figure"),
        (Insights.MIX, "children"),
        (Insights.TIMING, "children"),
        (Insights.EXEMPLARS, "children"),
        (Insights.DOWNLOAD_CSV, "href"),
        (Insights.DOWNLOAD_XLSX, "href"),
        (Insights.DOWNLOAD_REPORT, "href"),
        (Insights.DOWNLOAD_CSV, "className"),
        (Insights.DOWNLOAD_XLSX, "className"),
        (Insights.DOWNLOAD_REPORT, "className"),
        (Insights.ALERT, "children"),
    ]
    return [*outputs(targets, dup), Output(Shell.STORE, "data", allow_duplicate=True)]


DISABLED = [LINK_CLASS.format(color) + " disabled" for _ext, color in DOWNLOADS]
ENABLED = [LINK_CLASS.format(color) for _ext, color in DOWNLOADS]
NOTHING = (HIDDEN, None, {}, None, None, None, "", "", "", *DISABLED, None)


def _links(store: dict | None, sha: str, choices: Any) -> list[str]:
    """This session's download links for the run (the handle is per session, so never in the view)."""
    return download_links(str((store or {})["handle"]), caching.download_key(sha, choices))


@callback(
    *_outputs(False),
    Output(Insights.JOB, "data"),
    Input(Insights.KEY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(15, 12)
def insights_view_cb(key: dict | None, store: dict | None):
    """Render at once when the run is cached (the Cluster page computed it; a revisit sends the remembered
    view); otherwise start the background job (``insights_content``), which computes and renders it."""
    if key is None:
        return (*NOTHING, marked(None, "insights"), no_update)
    sha, choices = run_choices(store)
    run_key = caching.choices_key(choices)
    view = recalled("insights", sha, run_key)
    if view is None and not caching.run_cached(sha, choices):
        return (*(no_update,) * 14, {**key, "nonce": time.time_ns()})
    view = view or remembered(  # kept as the JSON Dash sends: a revisit serialises no components again
        "insights", sha, run_key, lambda: insights_view(caching.run(sha, choices)), sent=True
    )
    return (SHOWN, *view, *_links(store, sha, choices), *ENABLED, None, marked(store, "insights"), no_update)


@callback(
    *_outputs(True),
    Input(Insights.JOB, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    running=[(Output(Insights.SPINNER, "className"), "d-block", "d-none")],
    prevent_initial_call=True,
)
@guarded(14, 12)
def insights_content(key: dict | None, store: dict | None):
    """Everything the Insights page shows for the session's run, and the download links, computing the run
    when the cache does not have it (a background job: at 1M rows that takes minutes)."""
    if key is None:
        return (*NOTHING, marked(None, "insights"))
    sha, choices = run_choices(store)
    view = insights_view(caching.run(sha, choices))
    return (SHOWN, *view, *_links(store, sha, choices), *ENABLED, None, marked(store, "insights"))
