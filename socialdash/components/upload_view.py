"""The upload summary: counts, what was done to the file, a preview grid and the editable roles table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from socialdash.components.common import grid, next_button, section, sentences
from socialdash.ids import Upload

ROLE_LABELS = {
    "metric": "Number (metric)",
    "categorical": "Category",
    "datetime": "Date and time",
    "identifier": "Identifier",
    "text": "Free text",
    "constant": "Constant or empty",
}
ROLE_VALUES = list(ROLE_LABELS)


def file_note(columns: int, dropped: int) -> str | None:
    """ "The file has 16 columns; 4 empty ones are set aside ..." (None when nothing was dropped)."""
    if not dropped:
        return None
    return (
        f"The file has {columns + dropped:,} columns; {dropped:,} empty "
        f"{'one is' if dropped == 1 else 'ones are'} set aside (the download puts them back)."
    )


def included_line(n_included: int, columns: int) -> str:
    """How many columns group the posts."""
    if n_included == 0:
        return "No column is used to group your posts yet: tick at least one in the roles table below."
    return (
        f"{n_included:,} of {columns:,} columns will be used to group your posts. "
        "Check the roles below, then explore your data."
    )


def counts_line(rows: int, columns: int) -> str:
    """ "7,050 rows · 12 columns"."""
    return (
        f"{rows:,} {'row' if rows == 1 else 'rows'} · {columns:,} {'column' if columns == 1 else 'columns'}"
    )


def preview_grid(columns: Sequence[str], rows: Sequence[Mapping]) -> dag.AgGrid:
    """The first rows; fields are c0..cN so any header text is safe, shown as text."""
    defs = [
        {"field": f"c{i}", "headerName": str(name), "headerTooltip": str(name)}
        for i, name in enumerate(columns)
    ]
    return grid(Upload.PREVIEW_GRID, rows, defs, height=330)


def roles_grid(rows: Sequence[Mapping]) -> dag.AgGrid:
    """Editable: role (dropdown) and include (checkbox); the reason is explained in words."""
    defs = [
        {
            "field": "column",
            "headerName": "Column",
            "pinned": "left",
            "minWidth": 230,
            "tooltipField": "column",
        },
        {
            "field": "role",
            "headerName": "Role (click to change)",
            "editable": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": ROLE_VALUES},
            "valueFormatter": {"function": f"({json.dumps(ROLE_LABELS)})[params.value] || params.value"},
            "minWidth": 150,
        },
        {
            "field": "included",
            "headerName": "Use for clustering",
            "editable": True,
            "cellDataType": "boolean",
            "minWidth": 130,
        },
        {
            "field": "reason",
            "headerName": "Why",
            "flex": 1,
            "minWidth": 320,
            "wrapText": True,
            "autoHeight": True,
        },
    ]
    return dag.AgGrid(
        id=Upload.ROLES_GRID,
        rowData=list(rows),
        columnDefs=defs,
        defaultColDef={"resizable": True, "sortable": False},
        dashGridOptions={
            "domLayout": "autoHeight",
            "singleClickEdit": True,
            "stopEditingWhenCellsLoseFocus": True,
        },
        getRowId="params.data.column",
        style={"width": "100%"},
    )


def summary(
    name: str,
    rows: int,
    columns: int,
    report_sentences: Sequence[str],
    preview_columns: Sequence[str],
    preview_rows: Sequence[Mapping],
    role_rows: Sequence[Mapping],
    n_included: int,
    file_note: str | None = None,
) -> html.Div:
    """Everything shown after a successful upload."""
    head = dbc.Card(
        dbc.CardBody(
            [
                html.Div(name, className="text-muted small text-truncate", title=name),
                html.Div(counts_line(rows, columns), className="summary-counts"),
                html.P(file_note, className="text-muted small mb-1") if file_note else None,
                html.P(included_line(n_included, columns), id=Upload.INCLUDED, className="mb-0"),
            ]
        ),
        className="mb-4 shadow-sm border-success summary-head",
    )
    report = section(
        "What we did to read your file",
        sentences(report_sentences or ["The file was read as it is; nothing needed fixing."]),
    )
    preview = section(
        "Preview",
        preview_grid(preview_columns, preview_rows),
        f"The first {min(len(preview_rows), rows):,} of {rows:,} rows, exactly as they will be analysed.",
    )
    roles = section(
        "Column roles",
        html.Div([roles_grid(role_rows), html.Div(id=Upload.ROLES_ALERT)]),
        "Each column got a role. Only numbers and categories are used to group posts; identifiers, free text "
        "and constant columns are left out. Change a role or untick a column if it does not fit.",
    )
    return html.Div([head, report, preview, roles, next_button("eda", button_id=Upload.NEXT)])
