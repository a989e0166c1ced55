"""Cluster page callbacks: page state → k sweep (background) → run with k (background) → figures.

Flow: ``cluster_keys`` turns the session store into the page-local sweep key (only when the dataset or the
choices change) and, on page load, the k of the last run; ``cluster_sweep`` and ``cluster_run`` are background
callbacks with a progress bar and a cancel button; running writes k into the session store.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
from dash import Input, Output, State, callback, ctx, html, no_update

from socialdash import caching
from socialdash.callbacks.common import dataset, guarded, has_data, mark_done, with_choices
from socialdash.components.cluster_figures import projection_figure, sizes_figure, sweep_figure
from socialdash.components.common import no_data
from socialdash.ids import Cluster, Shell

log = logging.getLogger("socialdash.callbacks.cluster")

K_MIN, K_MAX = 2, 30
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
BAR_ON, BAR_OFF = "mb-2", "mb-2 d-none"


def sweep_key_of(store: dict | None) -> dict | None:
    """What the sweep depends on: the dataset handle and the choices (not k)."""
    if not has_data(store):
        return None
    assert store is not None
    choices = dict(store.get("choices") or {})
    choices.pop("k", None)
    return {"handle": store["handle"], "choices": choices}


@callback(
    Output(Cluster.GUIDE, "children"),
    Output(Cluster.SWEEP_KEY, "data"),
    Output(Cluster.SHOW_K, "data"),
    Output(Cluster.BODY, "style"),
    Input(Cluster.INIT, "data"),
    Input(Shell.STORE, "data"),
    State(Cluster.SWEEP_KEY, "data"),
)
def cluster_keys(_init: Any, store: dict | None, current: dict | None):
    """Guidance without data; otherwise the sweep key (when it changed) and the k of the last run to show."""
    key = sweep_key_of(store)
    if key is None:
        return no_data(), (None if current else no_update), None, HIDDEN
    if key == current:
        return no_update, no_update, no_update, no_update  # only k or "done" changed: cluster_run wrote it
    return None, key, (store or {}).get("k"), SHOWN


def _progress(set_progress, label: str):
    def report(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        set_progress((pct, f"{label} {done} of {total}"))

    return report


@callback(
    Output(Cluster.SWEEP_GRAPH, "figure"),
    Output(Cluster.SWEEP_GRAPH, "style"),
    Output(Cluster.SWEEP_RULE, "children"),
    Output(Cluster.K, "value"),
    Output(Cluster.ALERT, "children"),
    Input(Cluster.SWEEP_KEY, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    progress=[Output(Cluster.SWEEP_PROGRESS, "value"), Output(Cluster.SWEEP_PROGRESS, "label")],
    progress_default=[0, ""],
    running=[
        (Output(Cluster.SWEEP_PROGRESS, "className"), BAR_ON, BAR_OFF),
        (Output(Cluster.RUN, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
@guarded(5, 4)
def cluster_sweep(set_progress, key: dict | None, store: dict | None):
    """Score k = 2..10 (memoized), chart it, explain the recommended k and prefill ``#cluster-k``."""
    if key is None:
        return {}, HIDDEN, "", None, None
    data = dataset(store)
    set_progress((0, "Trying different numbers of clusters…"))
    sweep = caching.sweep(data.sha, data.choices, progress=_progress(set_progress, "Tried k ="))
    k = (store or {}).get("k") or sweep["recommended_k"]
    rule = [html.Strong(f"We recommend k = {sweep['recommended_k']}."), " ", sweep["rule"]]
    return sweep_figure(sweep), SHOWN, rule, int(k), None


def parse_k(value: Any) -> int | None:
    """A whole number of clusters in [K_MIN, K_MAX], or None."""
    try:
        k = float(value)
    except (TypeError, ValueError):
        return None
    if not k.is_integer() or not K_MIN <= k <= K_MAX:
        return None
    return int(k)


def run_view(sha: str, choices, k: int) -> tuple:
    """Figures and the status sentence for a run with ``k`` clusters (all memoized)."""
    result = caching.run(sha, replace(choices, k=k))
    names = {int(c): str(n) for c, n in (result.get("names") or {}).items()}
    labels = np.asarray(result["labels"])
    train_labels = labels[~np.asarray(result["test_mask"], dtype=bool)]
    clusters, counts = np.unique(train_labels, return_counts=True)
    sizes = {int(c): int(n) for c, n in zip(clusters, counts, strict=True)}
    proj = caching.projection(sha, replace(choices, k=k))
    projection = projection_figure(proj["points"], names, axis_titles=tuple(proj["axis_titles"]))
    status = f"Done: {result['k']} clusters on {len(train_labels):,} training posts."
    return projection, sizes_figure(sizes, names), status


@callback(
    Output(Cluster.PROJECTION, "figure"),
    Output(Cluster.SIZES, "figure"),
    Output(Cluster.RESULTS, "style"),
    Output(Cluster.STATUS, "children"),
    Output(Shell.STORE, "data", allow_duplicate=True),
    Input(Cluster.RUN, "n_clicks"),
    Input(Cluster.SHOW_K, "data"),
    State(Cluster.K, "value"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    progress=[Output(Cluster.PROGRESS, "value"), Output(Cluster.PROGRESS, "label")],
    progress_default=[0, ""],
    running=[
        (Output(Cluster.PROGRESS, "className"), BAR_ON, BAR_OFF),
        (Output(Cluster.RUN, "disabled"), True, False),
        (Output(Cluster.CANCEL, "disabled"), False, True),
    ],
    cancel=[Input(Cluster.CANCEL, "n_clicks")],
    prevent_initial_call=True,
)
@guarded(5, 3)
def cluster_run(set_progress, _n_clicks: int | None, show_k: int | None, k_value: Any, store: dict | None):
    """Run KMeans with the chosen k (button) or show the last run's k (page load); the button saves k."""
    clicked = ctx.triggered_id == Cluster.RUN
    k = parse_k(k_value) if clicked else parse_k(show_k)
    if k is None:
        if clicked:
            message = f"Enter a whole number of clusters from {K_MIN} to {K_MAX}."
            return no_update, no_update, HIDDEN, message, no_update
        return no_update, no_update, HIDDEN, "", no_update
    data = dataset(store)
    set_progress((100, f"Clustering your posts into {k} groups…"))
    projection, sizes, status = run_view(data.sha, data.choices, k)
    new_store = no_update
    if clicked:
        assert store is not None
        # another k un-does Evaluate and Insights (their results change); see docs/APP.md
        changed = with_choices(store, replace(data.choices, k=k), "cluster")
        new_store = mark_done({**changed, "k": k}, "cluster")
    return projection, sizes, SHOWN, status, new_store
