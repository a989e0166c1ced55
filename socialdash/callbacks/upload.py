"""Upload: /api/upload JSON (or the sample) → session store → summary; role edits → choices."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import flask
import pandas as pd
from dash import Input, Output, State, callback, no_update
from dash.exceptions import PreventUpdate

from socialdash import caching
from socialdash.callbacks.common import (
    choices_of,
    dataset,
    guarded,
    has_data,
    mark_done,
    new_store,
    with_choices,
)
from socialdash.components.common import error_alert, generic_error_alert
from socialdash.components.upload_view import file_note, included_line, summary
from socialdash.ids import Shell, Upload
from socialdash.services.errors import SocialdashError
from socialdash.services.ingest import IngestReport
from socialdash.services.roles import FEATURE_ROLES, Role
from socialdash.web.uploads import UploadLimits, read_chunks, register_stream

log = logging.getLogger("socialdash.callbacks")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "Live.csv"
SAMPLE_NAME = "Live.csv (sample)"
PREVIEW_ROWS = 50
USABLE_ROLES = {str(r) for r in FEATURE_ROLES} | {str(Role.DATETIME)}


@callback(
    Output(Upload.RESULT, "data", allow_duplicate=True),
    Input(Upload.SAMPLE, "n_clicks"),
    prevent_initial_call=True,
)
def load_sample(n_clicks: int | None):
    """The bundled sample through the same server-side path as an upload."""
    if not n_clicks:
        raise PreventUpdate
    settings = flask.current_app.extensions["socialdash_settings"]
    try:
        with open(SAMPLE, "rb") as fh:
            return register_stream(
                read_chunks(fh),
                SAMPLE_NAME,
                Path(settings.data_dir) / "uploads",
                UploadLimits.from_settings(settings),
            )
    except SocialdashError as err:
        return {"error": str(err)}
    except Exception:
        log.exception("sample load failed")
        return {"error": "The sample dataset could not be loaded. Please try again."}


@callback(
    Output(Shell.STORE, "data", allow_duplicate=True),
    Output(Upload.ALERT, "children"),
    Input(Upload.RESULT, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
def on_upload_result(result: dict | None, store: dict | None):
    """A successful upload replaces the session's dataset (fresh choices); an error becomes an alert."""
    if not result:
        raise PreventUpdate
    if result.get("error") or not result.get("handle"):
        message = str(result.get("error") or "The upload failed. Please try again.")
        if result.get("file_name"):
            message = f"“{result['file_name']}” could not be used. {message}"
        return no_update, error_alert(message)
    return mark_done(new_store(result), "upload"), None


def _cell(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
        )
    if hasattr(value, "item"):
        return value.item()
    return value


def preview_rows(df: pd.DataFrame, n: int = PREVIEW_ROWS) -> list[dict]:
    """The first ``n`` rows as JSON-safe dicts keyed c0..cN."""
    head = df.head(n)
    return [{f"c{i}": _cell(v) for i, v in enumerate(row)} for row in head.itertuples(index=False, name=None)]


def role_rows(sha: str, store: dict) -> list[dict]:
    return [r.to_dict() | {"column": r.name} for r in caching.column_roles(sha, choices_of(store))]


@callback(
    Output(Upload.SUMMARY, "children"),
    Output(Upload.SHOWN, "data"),
    Input(Shell.STORE, "data"),
    State(Upload.SHOWN, "data"),
)
def render_summary(store: dict | None, shown: str | None):
    """Summary for the session's dataset (also after a reload). Role edits do not re-render it."""
    if not has_data(store):
        return None, None
    assert store is not None
    if shown == store["handle"]:
        raise PreventUpdate
    try:
        ds = dataset(store)
        df = caching.load_frame(ds.sha)
        report = IngestReport.from_dict(caching.ingest_report(ds.sha))
        roles = role_rows(ds.sha, ds.store)
        n_columns = int(ds.store.get("columns") or df.shape[1])
        view = summary(
            name=ds.name,
            rows=int(ds.store.get("rows") or len(df)),
            columns=n_columns,
            file_note=file_note(n_columns, len(report.columns_dropped)),
            report_sentences=report.sentences(),
            preview_columns=[str(c) for c in df.columns],
            preview_rows=preview_rows(df),
            role_rows=roles,
            n_included=sum(1 for r in roles if r["included"]),
        )
        return view, ds.store["handle"]
    except SocialdashError as err:
        return error_alert(str(err)), None
    except Exception:
        log.exception("upload summary failed")
        return generic_error_alert(), None


def apply_role_edits(store: dict, rows: list[dict], changed: list[dict]) -> tuple[dict, list[str]]:
    """New store choices from grid edits; returns (store, columns whose role changed)."""
    choices = choices_of(store)
    overrides = dict(choices.role_overrides)
    included = dict(choices.included)
    role_changed = []
    for event in changed or []:
        data = event.get("data") or {}
        name = data.get("column")
        if not name:
            continue
        if event.get("colId") == "role":
            role = str(data.get("role"))
            if role not in {r.value for r in Role}:
                continue
            overrides[name] = role
            included.pop(name, None)
            role_changed.append(name)
        elif event.get("colId") == "included":
            included[name] = bool(data.get("included"))
    new = replace(choices, role_overrides=overrides, included=included, preprocess=None)
    return with_choices(store, new, "upload"), role_changed


@callback(
    Output(Shell.STORE, "data", allow_duplicate=True),
    Output(Upload.ROLES_GRID, "rowData"),
    Output(Upload.INCLUDED, "children"),
    Output(Upload.ROLES_ALERT, "children"),
    Input(Upload.ROLES_GRID, "cellValueChanged"),
    State(Upload.ROLES_GRID, "rowData"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
@guarded(4, 3)
def on_roles_edit(changed: list[dict] | None, rows: list[dict], store: dict | None):
    """Role/include edits go into choices (role_overrides / included); later steps must recompute."""
    if not changed or not has_data(store):
        raise PreventUpdate
    ds = dataset(store)
    new_store, _ = apply_role_edits(ds.store, rows, changed if isinstance(changed, list) else [changed])
    new_rows = role_rows(ds.sha, new_store)
    n = sum(1 for r in new_rows if r["included"])
    note = None
    if n == 0:
        note = error_alert(
            "No column is used for clustering now. Tick at least one number or category column."
        )
    elif any(r["role"] not in USABLE_ROLES and r["included"] for r in new_rows):
        note = error_alert(
            "Only numbers, categories and dates can be used for clustering; other ticked columns are ignored."
        )
        note.color = "warning"
    return new_store, new_rows, included_line(n, len(new_rows)), note
