"""Shared by the Evaluate and Insights callbacks: which run the session store points at."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import no_update

from socialdash.callbacks.common import dataset, has_data, mark_done
from socialdash.components.common import missing_step, no_data
from socialdash.services.pipeline import Choices

NO_RUN = (
    "The posts are not clustered yet with your current settings. "
    "Run the clustering on the Cluster page first."
)
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}


def run_key_of(store: dict | None) -> dict | None:
    """What Evaluate and Insights depend on: the dataset handle, the choices and k (None without a run)."""
    if not has_data(store) or not (store or {}).get("k"):
        return None
    assert store is not None
    return {"handle": store["handle"], "choices": store.get("choices") or {}, "k": int(store["k"])}


def page_keys(store: dict | None, current: dict | None) -> tuple[Any, Any]:
    """(guidance, key) for a results page: guidance when data or a run is missing; the key only when it
    changed, so that store writes that do not change the run (e.g. steps marked done) do not recompute."""
    if not has_data(store):
        return no_data(), (None if current else no_update)
    key = run_key_of(store)
    if key is None:
        return missing_step("cluster", NO_RUN), (None if current else no_update)
    if key == current:
        return no_update, no_update
    return None, key


def run_choices(store: dict | None) -> tuple[str, Choices]:
    """(dataset SHA-256, choices with the store's k). Raises the store helpers' SocialdashErrors."""
    data = dataset(store)
    k = int((store or {})["k"])
    return data.sha, replace(data.choices, k=k)


def marked(store: dict | None, step: str) -> Any:
    """The store with ``step`` done, or no_update when it already is (avoids needless store writes)."""
    if not store or step in (store.get("done") or []):
        return no_update
    return mark_done(store, step)
