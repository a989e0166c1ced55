"""Evaluate page callbacks: train vs test metrics, silhouette per cluster, shares and stability.

A page load renders in the foreground when the run is cached (``evaluate_view``: no background process, no
polling); only a run missing from the cache starts the background job (``evaluate_content``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, no_update

from socialdash import caching
from socialdash.callbacks._run_state import HIDDEN, SHOWN, marked, page_keys, run_choices
from socialdash.callbacks._views import recalled, remembered
from socialdash.callbacks.common import guarded, outputs
from socialdash.components.evaluate_figures import (
    metrics_table,
    shares_figure,
    silhouette_figure,
    stability_card,
)
from socialdash.ids import Evaluate, Shell


@callback(
    Output(Evaluate.GUIDE, "children"),
    Output(Evaluate.KEY, "data"),
    Input(Evaluate.INIT, "data"),
    Input(Shell.STORE, "data"),
    State(Evaluate.KEY, "data"),
)
def evaluate_keys(_init: Any, store: dict | None, current: dict | None):
    """Guidance when data or a run is missing; otherwise the run to show (only when it changed)."""
    return page_keys(store, current)


def frame(value: Any, columns: list[str]) -> pd.DataFrame:
    """A small frame from records, a dict of lists or a frame; empty with ``columns`` when missing."""
    if value is None:
        return pd.DataFrame(columns=columns)
    df = value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)
    return df if len(df.columns) else pd.DataFrame(columns=columns)


def evaluation_view(result: dict) -> tuple:
    """(metrics table, silhouette figure, shares figure, shares sentence, stability card) of a run."""
    ev = result["evaluation"]
    names = {int(c): str(n) for c, n in (result.get("names") or {}).items()}
    sentences = ev.get("sentences") or {}
    samples = frame(result.get("silhouette_profile"), ["cluster", "silhouette"])
    shares = frame(ev.get("shares"), ["cluster", "train_share", "test_share"])
    test_mask = np.asarray(result["test_mask"], dtype=bool)
    sizes = {"train": int((~test_mask).sum()), "test": int(test_mask.sum()), "k": int(result["k"])}
    return (
        metrics_table(ev.get("metrics") or {}, sentences, sizes),
        silhouette_figure(samples, names, ((ev.get("metrics") or {}).get("train") or {}).get("silhouette")),
        shares_figure(shares, names),
        sentences.get("shares", ""),
        stability_card(ev.get("stability") or {}, sentences.get("stability", "")),
    )


def _outputs(dup: bool) -> list[Output]:
    targets = [
        (Evaluate.CONTENT, "style"),
        (Evaluate.METRICS, "children"),
        (Evaluate.SILHOUETTE, "figure"),
        (Evaluate.SHARES, "figure"),
        (Evaluate.SHARES_TEXT, "children"),
        (Evaluate.STABILITY, "children"),
        (Evaluate.ALERT, "children"),
    ]
    return [*outputs(targets, dup), Output(Shell.STORE, "data", allow_duplicate=True)]


def _view(sha: str, choices: Any) -> tuple:
    """The rendered view of the run, remembered in the shared cache as the JSON Dash sends (a revisit neither
    builds nor serialises components again; the run itself is memoized)."""
    return remembered(
        "evaluate",
        sha,
        caching.choices_key(choices),
        lambda: evaluation_view(caching.run(sha, choices)),
        sent=True,
    )


@callback(
    *_outputs(False),
    Output(Evaluate.JOB, "data"),
    Input(Evaluate.KEY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(9, 6)
def evaluate_view(key: dict | None, store: dict | None):
    """Render at once when the run is cached (the Cluster page computed it; a revisit sends the remembered
    view); otherwise start the background job (``evaluate_content``), which computes and renders it."""
    if key is None:
        return HIDDEN, None, {}, {}, "", None, None, marked(None, "evaluate"), no_update
    sha, choices = run_choices(store)
    view = recalled("evaluate", sha, caching.choices_key(choices))
    if view is None and not caching.run_cached(sha, choices):
        return (*(no_update,) * 8, {**key, "nonce": time.time_ns()})
    return (SHOWN, *(view or _view(sha, choices)), None, marked(store, "evaluate"), no_update)


@callback(
    *_outputs(True),
    Input(Evaluate.JOB, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    running=[(Output(Evaluate.SPINNER, "className"), "d-block", "d-none")],
    prevent_initial_call=True,
)
@guarded(8, 6)
def evaluate_content(key: dict | None, store: dict | None):
    """Metrics, silhouette, shares and stability of the session's run, computing the run when the cache
    does not have it (a background job: at 1M rows that takes minutes)."""
    if key is None:
        return HIDDEN, None, {}, {}, "", None, None, marked(None, "evaluate")
    sha, choices = run_choices(store)
    return (SHOWN, *evaluation_view(caching.run(sha, choices)), None, marked(store, "evaluate"))
