"""Step 2 — Explore (EDA): what is in the data, before any clustering."""

import dash
from dash import dcc, html

from socialdash.components.common import page_header
from socialdash.ids import Eda

dash.register_page(__name__, path="/eda", title="Explore · socialdash", name="Explore", order=2)


def layout(**_kwargs):
    return html.Div(
        [
            page_header(
                "Explore your posts",
                "A first look at every column: what is empty, how the numbers are spread, which categories "
                "are common and when you post.",
            ),
            dcc.Store(id=Eda.KEY),
            html.Div(id=Eda.ALERT),
            dcc.Loading(html.Div(id=Eda.CONTENT), type="dot", delay_show=300),
        ]
    )
