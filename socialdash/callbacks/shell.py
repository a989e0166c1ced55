"""Navbar: which steps are done, which is active, and the current dataset's name and size."""

from __future__ import annotations

from dash import Input, Output, callback

from socialdash.callbacks.common import count_of, done_steps, has_data
from socialdash.components.shell import STEPS, dataset_badge, step_links
from socialdash.ids import Shell


def active_step(pathname: str | None) -> str | None:
    path = (pathname or "/").rstrip("/") or "/"
    for key, _label, step_path in STEPS:
        if path == step_path:
            return key
    return "upload" if path == "/" else None


@callback(
    Output(Shell.STEPS, "children"),
    Output(Shell.DATASET, "children"),
    Input(Shell.STORE, "data"),
    Input(Shell.URL, "pathname"),
)
def update_navbar(store: dict | None, pathname: str | None):
    """Steps with ticks for the done ones, the active one highlighted; the dataset badge."""
    store = store if has_data(store) else {}
    name = store.get("name") if isinstance(store.get("name"), str) else None
    return (
        step_links(done_steps(store), active_step(pathname)),
        dataset_badge(name, count_of(store, "rows"), count_of(store, "columns")),
    )
