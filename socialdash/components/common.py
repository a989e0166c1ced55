"""Shared page pieces: headers, alerts, the next-step button, the missing-step guidance, grids, cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash.components.shell import STEP_LABELS, STEP_PATHS


def page_header(title: str, lead: str) -> html.Div:
    return html.Div([html.H1(title, className="h3 mb-1"), html.P(lead, className="text-muted mb-4")])


def rendered_page(title: str, lead: str, key_id: str, alert_id: str, content_id: str) -> html.Div:
    """A page whose content a callback renders: header, page key store, alert slot, loading content."""
    return html.Div(
        [
            page_header(title, lead),
            dcc.Store(id=key_id),
            html.Div(id=alert_id),
            dcc.Loading(html.Div(id=content_id), type="dot", delay_show=300),
        ]
    )


def alert(message: str, color: str = "danger", **kwargs: Any) -> dbc.Alert:
    """A dismissable alert with one plain sentence (rendered as text, never HTML)."""
    return dbc.Alert(message, color=color, dismissable=True, className="mt-3", **kwargs)


def error_alert(message: str) -> dbc.Alert:
    return alert(message, color="danger")


def generic_error_alert() -> dbc.Alert:
    return alert(
        "Something went wrong on our side while preparing this page. Please try again; "
        "if it keeps happening, upload the file again.",
        color="danger",
    )


def next_button(step: str, text: str | None = None, button_id: str | None = None, disabled: bool = False):
    """A primary "Next: <step> →" link button to ``step``."""
    label = text or f"Next: {STEP_LABELS[step]} →"
    kwargs = {"id": button_id} if button_id else {}
    return dbc.Button(
        label,
        href=STEP_PATHS[step],
        color="primary",
        size="lg",
        disabled=disabled,
        className="mt-4",
        **kwargs,
    )


def missing_step(step: str, message: str) -> dbc.Alert:
    """Guidance for a page whose earlier step is missing: what to do and a link there."""
    return dbc.Alert(
        [
            html.H2("One step is missing", className="h5 alert-heading"),
            html.P(message, className="mb-3"),
            dcc.Link(f"Go to {STEP_LABELS[step]} →", href=STEP_PATHS[step], className="btn btn-primary"),
        ],
        color="info",
        className="guard",
    )


def no_data(_message: str | None = None) -> dbc.Alert:
    """The standard guidance when no dataset is loaded."""
    return missing_step(
        "upload",
        _message or "There is no data yet. Upload your posts export (or try the sample dataset) to start.",
    )


def section(title: str, children: Any, description: str | None = None, **kwargs: Any) -> dbc.Card:
    """A titled card with an optional sentence under the title."""
    body = [html.H2(title, className="h5 card-title")]
    if description:
        body.append(html.P(description, className="text-muted small"))
    body.append(children)
    return dbc.Card(dbc.CardBody(body), className="mb-4 shadow-sm", **kwargs)


def sentences(items: Sequence[str], className: str = "mb-0") -> html.Ul:
    return html.Ul([html.Li(s) for s in items], className=className)


def grid(
    grid_id: str | Mapping,
    rows: Sequence[Mapping],
    columns: Sequence[Mapping] | None = None,
    height: int | None = 320,
    fit: bool = False,
    **kwargs: Any,
) -> dag.AgGrid:
    """A read-only AG Grid; cells render as text. ``columns`` default to the keys of the first row.
    ``fit``: shrink the columns to the grid's width instead of sizing them to their content."""
    if columns is None:
        keys = list(rows[0].keys()) if rows else []
        columns = [{"field": str(k), "headerName": str(k)} for k in keys]
    style = {"height": f"{height}px"} if height else {}
    return dag.AgGrid(
        id=grid_id,
        rowData=list(rows),
        columnDefs=list(columns),
        defaultColDef={"resizable": True, "sortable": True, "filter": True, "minWidth": 110},
        dashGridOptions={"domLayout": "normal" if height else "autoHeight", "suppressFieldDotNotation": True},
        columnSize="sizeToFit" if fit else "autoSize",
        className="ag-theme-alpine",
        style=style,
        **kwargs,
    )
