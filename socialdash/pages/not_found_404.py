"""Unknown addresses: say so and lead back to the steps."""

import dash
from dash import dcc, html

from socialdash.components.common import page_header

dash.register_page(__name__, path="/404", title="Page not found · socialdash", name="Not found")


def layout(**_kwargs):
    return html.Div(
        [
            page_header("This page does not exist", "The address may be mistyped or come from an old link."),
            dcc.Link("Go to Upload →", href="/upload", className="btn btn-primary"),
        ]
    )
