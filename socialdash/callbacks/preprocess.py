"""Prepare: the form from the choices in effect, live feature warnings, Apply → choices, preview."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from dash import Input, Output, State, callback, html, no_update
from dash.exceptions import PreventUpdate

from socialdash import caching
from socialdash.callbacks._views import remembered
from socialdash.callbacks.common import (
    choices_of,
    dataset,
    guarded,
    has_data,
    is_done,
    mark_done,
    with_choices,
)
from socialdash.components.common import alert, error_alert, no_data
from socialdash.components.preprocess_view import feature_warnings, form, preview
from socialdash.ids import Preprocess, Shell
from socialdash.services.errors import SocialdashError
from socialdash.services.pipeline import Choices
from socialdash.services.preprocess import PreprocessSpec
from socialdash.services.split import SplitSpec


def page_key(store: dict) -> str:
    return f"{store.get('handle')}|{caching.prepare_key(choices_of(store))}"


def spec_from_selection(
    sha: str, choices: Choices, selected: list[str] | None, base: PreprocessSpec, **changes
) -> PreprocessSpec:
    """Sort the ticked columns into metrics / categoricals / datetimes by role (and dtype for others)."""
    selected = list(selected or [])
    roles = {r.name: str(r.role) for r in caching.column_roles(sha, choices)}
    df = caching.load_frame(sha)
    metrics, categoricals, datetimes = [], [], []
    for name in df.columns:
        if name not in selected:
            continue
        role = roles.get(name)
        if role == "datetime" or (role != "metric" and pd.api.types.is_datetime64_any_dtype(df[name])):
            datetimes.append(name)
        elif role == "metric" or (role != "categorical" and pd.api.types.is_numeric_dtype(df[name])):
            metrics.append(name)
        else:
            categoricals.append(name)
    return replace(
        base, metrics=tuple(metrics), categoricals=tuple(categoricals), datetimes=tuple(datetimes), **changes
    )


@callback(
    Output(Preprocess.CONTENT, "children"),
    Output(Preprocess.KEY, "data"),
    Input(Shell.STORE, "data"),
    State(Preprocess.KEY, "data"),
)
@guarded(2, 0)
def render_preprocess(store: dict | None, shown_key: str | None):
    """The form filled with the choices in effect and the preview of the resulting features."""
    if not has_data(store):
        return no_data(), None
    assert store is not None
    key = page_key(store)
    if key == shown_key:
        raise PreventUpdate
    ds = dataset(store)
    # a revisit sends the remembered page: the form and preview only depend on the dataset and choices
    return remembered("preprocess", ds.sha, caching.prepare_key(ds.choices), lambda: _content(ds)), key


def _content(ds: Any) -> html.Div:
    """The form filled with the choices in effect and the preview of the resulting features."""
    roles = caching.column_roles(ds.sha, ds.choices)
    spec = caching.default_spec(ds.sha, ds.choices)
    chosen = set(spec.metrics) | set(spec.categoricals) | set(spec.datetimes)
    columns = [{"name": r.name, "role": str(r.role)} for r in roles]
    selected = [r.name for r in roles if r.name in chosen]
    has_datetime = any(str(r.role) == "datetime" for r in roles)
    warnings = caching.feature_warnings(ds.sha, spec)
    controls = form(columns, selected, spec.to_dict(), ds.choices.split.__dict__, has_datetime, warnings)
    try:
        shown = preview(caching.features_preview(ds.sha, ds.choices))
    except SocialdashError as err:
        shown = error_alert(str(err))
    return html.Div([controls, shown])


@callback(
    Output(Shell.STORE, "data", allow_duplicate=True),
    Input(Preprocess.KEY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
def mark_preprocess_done(key: str | None, store: dict | None):
    """The defaults are valid choices: seeing the page completes the step."""
    if not key or not has_data(store) or is_done(store, ["preprocess"]):
        raise PreventUpdate
    return mark_done(store, "preprocess")


@callback(
    Output(Preprocess.FEATURE_WARNINGS, "children"),
    Input(Preprocess.FEATURES, "value"),
    Input(Preprocess.MAX_CATEGORIES, "value"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(1, 0)
def live_warnings(selected: list[str] | None, max_categories: int | None, store: dict | None):
    """Warnings for the ticked columns as the user ticks them."""
    if not has_data(store):
        raise PreventUpdate
    ds = dataset(store)
    base = caching.default_spec(ds.sha, ds.choices)
    spec = spec_from_selection(ds.sha, ds.choices, selected, base, max_categories=int(max_categories or 10))
    if not selected:
        return feature_warnings(["No column is ticked: tick at least one column to group posts by."])
    return feature_warnings(caching.feature_warnings(ds.sha, spec))


def choices_from_form(
    sha: str,
    choices: Choices,
    selected: list[str] | None,
    test_size: float | None,
    method: str | None,
    seed: int | None,
    impute: str | None,
    log: str | None,
    scaler: str | None,
    max_categories: int | None,
    parts: list[str] | None,
    ratios: bool | None,
    pca: int | str | None,
) -> Choices:
    """The form's values as Choices (split + preprocess spec); the other choices are kept."""
    roles = caching.column_roles(sha, choices)
    time_column = next((r.name for r in roles if str(r.role) == "datetime"), None)
    seed_value = int(seed) if seed is not None else 42
    split = SplitSpec(
        test_size=float(test_size if test_size is not None else 0.2),
        method="time" if method == "time" and time_column else "random",
        seed=seed_value,
        time_column=time_column if method == "time" else None,
    )
    pca_n = int(pca or 0)
    base = caching.default_spec(sha, choices)
    spec = spec_from_selection(
        sha,
        choices,
        selected,
        base,
        impute_numeric=impute or "median",
        log_transform=log or "auto",
        scaler=scaler or "standard",
        max_categories=int(max_categories or 10),
        datetime_parts=tuple(parts or ()),
        engagement_ratios=bool(ratios),
        pca_components=pca_n if pca_n > 0 else None,
    )
    return replace(choices, split=split, preprocess=spec, seed=seed_value)


@callback(
    Output(Shell.STORE, "data", allow_duplicate=True),
    Output(Preprocess.ALERT, "children"),
    Input(Preprocess.APPLY, "n_clicks"),
    State(Preprocess.FEATURES, "value"),
    State(Preprocess.TEST_SIZE, "value"),
    State(Preprocess.SPLIT_METHOD, "value"),
    State(Preprocess.SEED, "value"),
    State(Preprocess.IMPUTE, "value"),
    State(Preprocess.LOG, "value"),
    State(Preprocess.SCALER, "value"),
    State(Preprocess.MAX_CATEGORIES, "value"),
    State(Preprocess.DATETIME_PARTS, "value"),
    State(Preprocess.RATIOS, "value"),
    State(Preprocess.PCA, "value"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(2, 1)
def apply_choices(
    n_clicks, selected, test_size, method, seed, impute, log, scaler, max_cat, parts, ratios, pca, store
):
    """Apply writes the choices into the session store; later steps must run again when they changed."""
    if not n_clicks or not has_data(store):
        raise PreventUpdate
    ds = dataset(store)
    if not selected:
        return no_update, error_alert("Tick at least one column to group posts by, then Apply.")
    new = choices_from_form(
        ds.sha,
        ds.choices,
        selected,
        test_size,
        method,
        seed,
        impute,
        log,
        scaler,
        max_cat,
        parts,
        ratios,
        pca,
    )
    changed = new.canonical() != ds.choices.canonical()
    out = mark_done(with_choices(ds.store, new, "preprocess"), "preprocess")
    if not changed:
        return out, alert("Nothing changed: these are already the choices in use.", color="secondary")
    return out, alert(
        "Applied. The preview below shows the new features; run the clustering again on the Cluster page.",
        color="success",
    )
