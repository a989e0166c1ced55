"""A "working on it" line that a background callback's ``running`` shows and hides."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def busy(id_: str, text: str) -> html.Div:
    """Hidden by default (class d-none); ``running=[(Output(id_, "className"), "d-block", "d-none")]``."""
    return html.Div(
        [dbc.Spinner(size="sm", color="primary"), html.Span(text, className="ms-2")],
        id=id_,
        className="d-none",
        role="status",
    )
