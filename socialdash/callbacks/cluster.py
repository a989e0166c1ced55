"""Cluster page callbacks: page state → k sweep → run with k → figures.

Flow: ``cluster_keys`` turns the session store into the page-local sweep key (only when the dataset or the
choices change) and, on page load, the k of the last run. Rendering is always done by two foreground
callbacks, ``cluster_sweep_view`` and ``cluster_run_view``: when the result is in the cache (a revisit, the
same k again) they render it at once; otherwise they write a job into a page-local store, which starts a
background callback (``cluster_sweep`` / ``cluster_run``, with progress bar and cancel button) that
only fills the cache and reports back through another store; the view callback then renders from the cache.
So a cached revisit never pays for a background process and its polling, and each figure has one writer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from dash import Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from socialdash import caching
from socialdash.callbacks.common import (
    GENERIC_MESSAGE,
    dataset,
    guarded,
    has_data,
    mark_done,
    outputs,
    with_choices,
)
from socialdash.components.cluster_figures import projection_figure, sizes_figure, sweep_figure
from socialdash.components.common import error_alert, no_data
from socialdash.ids import Cluster, Shell
from socialdash.services.errors import SocialdashError
from socialdash.services.pipeline import Choices

log = logging.getLogger("socialdash.callbacks.cluster")

K_MIN, K_MAX = 2, 30
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
WORKING_ON, WORKING_OFF = "mb-3", "mb-3 d-none"
SWEEP_STARTING = "Getting your posts ready for scoring…"
SWEEP_CANCELLED = (
    "You cancelled the scoring, so there is no recommendation yet. Press “Score again” to start it over, "
    "or type a number of clusters below and press Run."
)
RUN_CANCELLED = "You cancelled the clustering. Press Run to start it again."
SWEEP_FAILED = "There is no recommendation this time: the message above says why."


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
    """Guidance without data; otherwise the sweep key (when it changed) and the k of the last run to show.

    A new page (first visit, or after other preprocessing) has no key yet, so the sweep always starts."""
    key = sweep_key_of(store)
    if key is None:
        return no_data(), (None if current else no_update), None, HIDDEN
    if key == current:
        return no_update, no_update, no_update, no_update  # only k or "done" changed: the run wrote it
    return None, key, (store or {}).get("k"), SHOWN


def _job(**fields: Any) -> dict:
    """A job for a background callback; the nonce makes every start a new input, even for the same key."""
    return {**fields, "nonce": time.time_ns()}


def _failure(err: Exception) -> str:
    """The sentence for an exception inside a background job (logged when it is not a SocialdashError)."""
    if isinstance(err, SocialdashError):
        return str(err)
    log.exception("background cluster job failed")
    return GENERIC_MESSAGE


# ----------------------------------------------------------------------------- the k sweep
def sweep_progress(set_progress: Callable[[tuple], None]) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` for the sweep that feeds the bar and its sentence."""

    def report(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        note = f"Scoring {total} possible cluster counts… {done} of {total} done."
        set_progress((pct, f"{done} of {total}", note))

    return report


def sweep_outputs(sweep: dict, store: dict | None) -> tuple:
    """The sweep chart, the sentence with the recommended k and the k to prefill (the last run's, if any)."""
    k = (store or {}).get("k") or sweep["recommended_k"]
    rule = [html.Strong(f"We recommend k = {sweep['recommended_k']}."), " ", sweep["rule"]]
    return sweep_figure(sweep), SHOWN, rule, int(k), None, HIDDEN


def _sweep_outputs(dup: bool) -> list[Output]:
    targets = [
        (Cluster.SWEEP_GRAPH, "figure"),
        (Cluster.SWEEP_GRAPH, "style"),
        (Cluster.SWEEP_RULE, "children"),
        (Cluster.K, "value"),
        (Cluster.ALERT, "children"),
        (Cluster.SWEEP_RESTART, "style"),
    ]
    return outputs(targets, dup)


@callback(
    *_sweep_outputs(False),
    Output(Cluster.SWEEP_JOB, "data"),
    Input(Cluster.SWEEP_KEY, "data"),
    Input(Cluster.SWEEP_CANCEL, "n_clicks"),
    Input(Cluster.SWEEP_RESTART, "n_clicks"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(7, 4)
def cluster_sweep_view(key: dict | None, _cancel: Any, _restart: Any, store: dict | None):
    """Show the sweep from the cache at once; when it is not cached, start the background sweep (a new
    key or "Score again"), or say that it was cancelled (Cancel)."""
    if key is None:
        return {}, HIDDEN, "", None, None, HIDDEN, no_update
    data = dataset(store)
    sweep = caching.cached_sweep(data.sha, data.choices)
    if sweep is not None:  # cached; after a cancel: the sweep finished just in time
        return (*sweep_outputs(sweep, store), no_update)
    if ctx.triggered_id == Cluster.SWEEP_CANCEL:
        return {}, HIDDEN, SWEEP_CANCELLED, no_update, None, SHOWN, no_update
    return {}, HIDDEN, "", no_update, None, HIDDEN, _job(key=key)


@callback(
    *_sweep_outputs(True),
    Input(Cluster.SWEEP_READY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(6, 4)
def cluster_sweep_done(ready: dict | None, store: dict | None):
    """Render what the background sweep reports: the sweep (now in the cache) or its failure."""
    if not ready:
        raise PreventUpdate
    if ready.get("error"):
        return {}, HIDDEN, SWEEP_FAILED, no_update, error_alert(ready["error"]), SHOWN
    data = dataset(store)
    sweep = caching.sweep(data.sha, data.choices)  # a cache hit (computes if the cache lost it)
    return sweep_outputs(sweep, store)


@callback(
    Output(Cluster.SWEEP_READY, "data"),
    Input(Cluster.SWEEP_JOB, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    progress=[
        Output(Cluster.SWEEP_PROGRESS, "value"),
        Output(Cluster.SWEEP_PROGRESS, "label"),
        Output(Cluster.SWEEP_NOTE, "children"),
    ],
    progress_default=[0, "", SWEEP_STARTING],
    running=[
        (Output(Cluster.SWEEP_WORKING, "className"), WORKING_ON, WORKING_OFF),
        (Output(Cluster.RUN, "disabled"), True, False),
    ],
    cancel=[Input(Cluster.SWEEP_CANCEL, "n_clicks")],
    prevent_initial_call=True,
)
def cluster_sweep(set_progress, job: dict | None, store: dict | None) -> dict:
    """Background: score k = 2..10 into the cache (with progress); report done or the failure's sentence."""
    if not job:
        raise PreventUpdate
    try:
        data = dataset(store)
        set_progress((0, "", SWEEP_STARTING))
        caching.sweep(data.sha, data.choices, progress=sweep_progress(set_progress))
    except Exception as err:  # shown by cluster_sweep_view
        return {"nonce": job.get("nonce"), "error": _failure(err)}
    return {"nonce": job.get("nonce"), "error": None}


# ----------------------------------------------------------------------------- the run with k
def parse_k(value: Any) -> int | None:
    """A whole number of clusters in [K_MIN, K_MAX], or None."""
    try:
        k = float(value)
    except (TypeError, ValueError):
        return None
    if not k.is_integer() or not K_MIN <= k <= K_MAX:
        return None
    return int(k)


def run_status(result: dict) -> str:
    """``#cluster-status`` after a run: "Done: 4 clusters on 5,640 training posts." """
    train = int((~np.asarray(result["test_mask"], dtype=bool)).sum())
    return f"Done: {result['k']} clusters on {train:,} training posts."


def run_view(sha: str, choices: Choices, k: int) -> tuple:
    """Figures and the status sentence for a run with ``k`` clusters (all memoized)."""
    result = caching.run(sha, replace(choices, k=k))
    names = {int(c): str(n) for c, n in (result.get("names") or {}).items()}
    labels = np.asarray(result["labels"])
    train_labels = labels[~np.asarray(result["test_mask"], dtype=bool)]
    clusters, counts = np.unique(train_labels, return_counts=True)
    sizes = {int(c): int(n) for c, n in zip(clusters, counts, strict=True)}
    proj = caching.projection(sha, replace(choices, k=k))
    projection = projection_figure(proj["points"], names, axis_titles=tuple(proj["axis_titles"]))
    return projection, sizes_figure(sizes, names), run_status(result)


def saved_store(store: dict, choices: Choices, k: int) -> dict:
    """The store after a run with ``k``: choices.k and k set, Cluster done. Another k un-does Evaluate and
    Insights (their results change); see docs/APP.md."""
    changed = with_choices(store, replace(choices, k=k), "cluster")
    return mark_done({**changed, "k": k}, "cluster")


def _run_outputs(dup: bool) -> list[Output]:
    targets = [
        (Cluster.PROJECTION, "figure"),
        (Cluster.SIZES, "figure"),
        (Cluster.RESULTS, "style"),
        (Cluster.STATUS, "children"),
    ]
    return [*outputs(targets, dup), Output(Shell.STORE, "data", allow_duplicate=True)]


def run_outputs(store: dict | None, choices: Choices, sha: str, k: int, save: bool) -> tuple:
    """The run's figures, SHOWN, the status sentence and the store (saved when ``save`` and it changes:
    an unchanged store is not sent, so nothing downstream re-runs)."""
    projection, sizes, status = run_view(sha, choices, k)
    new_store: Any = no_update
    if save and store:
        saved = saved_store(store, choices, k)
        new_store = no_update if saved == store else saved
    return projection, sizes, SHOWN, status, new_store


def _on_screen(store: dict | None, sha: str, chosen: Choices, shown: Any) -> bool:
    """True when the run with ``chosen`` (incl. k) is saved in the store and its status is shown."""
    assert chosen.k is not None
    saved = bool(store) and saved_store(store, chosen, chosen.k) == store
    return saved and shown == run_status(caching.run(sha, chosen))


def _trigger() -> str:
    """What fired ``cluster_run_view``. On page load Dash lists the new buttons' n_clicks along with the
    last run's k, so the k wins; Run and Cancel never fire together."""
    fired = set(ctx.triggered_prop_ids)
    for prop, component in (
        (f"{Cluster.SHOW_K}.data", Cluster.SHOW_K),
        (f"{Cluster.CANCEL}.n_clicks", Cluster.CANCEL),
    ):
        if prop in fired:
            return component
    return Cluster.RUN


@callback(
    *_run_outputs(False),
    Output(Cluster.RUN_JOB, "data"),
    Input(Cluster.RUN, "n_clicks"),
    Input(Cluster.SHOW_K, "data"),
    Input(Cluster.CANCEL, "n_clicks"),
    State(Cluster.K, "value"),
    State(Shell.STORE, "data"),
    State(Cluster.STATUS, "children"),
    prevent_initial_call=True,
)
@guarded(6, 3)
def cluster_run_view(
    _n_clicks: Any, show_k: int | None, _cancel: Any, k_value: Any, store: dict | None, shown: Any = None
):
    """Run with the chosen k (button; saves k) or show the last run's k (page load): from the cache at
    once, else by starting the background run. After Cancel: the run if it finished just in time, else a
    sentence. Run with the k already shown and saved changes nothing, so nothing is sent again."""
    trigger = _trigger()
    save = trigger in (Cluster.RUN, Cluster.CANCEL)
    k = parse_k(k_value) if save else parse_k(show_k)
    if k is None:
        if trigger == Cluster.RUN:
            message = f"Enter a whole number of clusters from {K_MIN} to {K_MAX}."
            return no_update, no_update, HIDDEN, message, no_update, no_update
        if trigger == Cluster.CANCEL:
            return no_update, no_update, HIDDEN, RUN_CANCELLED, no_update, no_update
        return no_update, no_update, HIDDEN, "", no_update, no_update
    data = dataset(store)
    chosen = replace(data.choices, k=k)
    if caching.run_view_cached(data.sha, chosen):
        if trigger == Cluster.RUN and _on_screen(store, data.sha, chosen, shown):
            return (no_update,) * 6
        return (*run_outputs(store, data.choices, data.sha, k, save), no_update)
    if trigger == Cluster.CANCEL:
        return no_update, no_update, HIDDEN, RUN_CANCELLED, no_update, no_update
    return no_update, no_update, HIDDEN, "", no_update, _job(k=k, save=save)


@callback(
    *_run_outputs(True),
    Input(Cluster.RUN_READY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(5, 3)
def cluster_run_done(ready: dict | None, store: dict | None):
    """Render what the background run reports: the run (now in the cache; saved after Run) or its failure."""
    if not ready:
        raise PreventUpdate
    if ready.get("error"):
        return no_update, no_update, HIDDEN, error_alert(ready["error"]), no_update
    k = parse_k(ready.get("k"))
    if k is None:
        raise PreventUpdate
    data = dataset(store)
    return run_outputs(store, data.choices, data.sha, k, bool(ready.get("save")))


@callback(
    Output(Cluster.RUN_READY, "data"),
    Input(Cluster.RUN_JOB, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    progress=[
        Output(Cluster.PROGRESS, "value"),
        Output(Cluster.PROGRESS, "label"),
        Output(Cluster.RUN_NOTE, "children"),
    ],
    progress_default=[0, "", ""],
    running=[
        (Output(Cluster.RUN_WORKING, "className"), WORKING_ON, WORKING_OFF),
        (Output(Cluster.RUN, "disabled"), True, False),
        (Output(Cluster.CANCEL, "disabled"), False, True),
    ],
    cancel=[Input(Cluster.CANCEL, "n_clicks")],
    prevent_initial_call=True,
)
def cluster_run(set_progress, job: dict | None, store: dict | None) -> dict:
    """Background: run KMeans with the job's k and the 2-D map into the cache; report done or a sentence."""
    if not job:
        raise PreventUpdate
    k = int(job["k"])
    report = {"k": k, "save": bool(job.get("save")), "nonce": job.get("nonce"), "error": None}
    try:
        data = dataset(store)
        note = f"Clustering your posts into {k} groups and describing each group…"
        set_progress((100, "", note))
        chosen = replace(data.choices, k=k)
        caching.run(data.sha, chosen)
        caching.projection(data.sha, chosen)
    except Exception as err:  # shown by cluster_run_view
        return {**report, "error": _failure(err)}
    return report
