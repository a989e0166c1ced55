"""Evaluate page callbacks: train vs test metrics, silhouette per cluster, shares and stability."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import Input, Output, State, callback

from socialdash import caching
from socialdash.callbacks._run_state import HIDDEN, SHOWN, marked, page_keys, run_choices
from socialdash.callbacks.common import guarded
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


@callback(
    Output(Evaluate.CONTENT, "style"),
    Output(Evaluate.METRICS, "children"),
    Output(Evaluate.SILHOUETTE, "figure"),
    Output(Evaluate.SHARES, "figure"),
    Output(Evaluate.SHARES_TEXT, "children"),
    Output(Evaluate.STABILITY, "children"),
    Output(Evaluate.ALERT, "children"),
    Output(Shell.STORE, "data", allow_duplicate=True),
    Input(Evaluate.KEY, "data"),
    State(Shell.STORE, "data"),
    background=True,
    interval=500,
    running=[(Output(Evaluate.SPINNER, "className"), "d-block", "d-none")],
    prevent_initial_call=True,
)
@guarded(8, 6)
def evaluate_content(key: dict | None, store: dict | None):
    """Metrics, silhouette, shares and stability of the session's run (memoized)."""
    if key is None:
        return HIDDEN, None, {}, {}, "", None, None, marked(None, "evaluate")
    sha, choices = run_choices(store)
    view = evaluation_view(caching.run(sha, choices))
    return (SHOWN, *view, None, marked(store, "evaluate"))
