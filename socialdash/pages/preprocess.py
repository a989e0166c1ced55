"""Step 3 — Prepare (preprocess): split, features and transforms; Apply stores the choices."""

import dash
from dash import dcc, html

from socialdash.components.common import page_header
from socialdash.ids import Preprocess

dash.register_page(__name__, path="/preprocess", title="Prepare · socialdash", name="Prepare", order=3)


def layout(**_kwargs):
    return html.Div(
        [
            page_header(
                "Prepare the data for clustering",
                "Choose which columns describe a post and how numbers are made comparable. The defaults work "
                "for most exports; change them and press Apply to see the effect.",
            ),
            dcc.Store(id=Preprocess.KEY),
            html.Div(id=Preprocess.ALERT),
            dcc.Loading(html.Div(id=Preprocess.CONTENT), type="dot", delay_show=300),
        ]
    )
