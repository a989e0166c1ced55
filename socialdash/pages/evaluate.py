"""Step 5 — Evaluate: train vs test metrics, silhouette per cluster, shares and stability (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash.components.busy import busy
from socialdash.components.common import next_button, page_header, section
from socialdash.ids import Evaluate

dash.register_page(__name__, path="/evaluate", name="Evaluate", title="Evaluate · socialdash", order=5)

STATIC = {"displayModeBar": False}


def layout(**_kwargs: object) -> html.Div:
    """The Evaluate page; its callbacks fill it from the session's dataset, choices and k."""
    content = html.Div(
        id=Evaluate.CONTENT,
        style={"display": "none"},
        children=[
            section(
                "Quality on training and test posts",
                html.Div(id=Evaluate.METRICS),
                "The model learned the clusters on the training posts; the test posts were held back to "
                "check them. Similar numbers on both mean the clusters are real patterns.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Silhouette per cluster",
                            dcc.Graph(id=Evaluate.SILHOUETTE, config=STATIC),
                            "How clearly each post belongs to its cluster: bands reaching far right are "
                            "well separated; posts below 0 sit closer to another cluster.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        section(
                            "Cluster shares: training vs test",
                            html.Div(
                                [
                                    dcc.Graph(id=Evaluate.SHARES, config=STATIC),
                                    html.P(id=Evaluate.SHARES_TEXT, className="mb-0"),
                                ]
                            ),
                            "Similar bars mean each cluster is just as common among new posts.",
                        ),
                        lg=6,
                    ),
                ]
            ),
            html.Div(id=Evaluate.STABILITY, className="mb-2"),
            html.P("Next, see what each cluster means for your posting.", className="mb-0"),
            next_button("insights", button_id=Evaluate.NEXT),
        ],
    )
    return html.Div(
        [
            dcc.Store(id=Evaluate.INIT, data=True),
            dcc.Store(id=Evaluate.KEY),
            dcc.Store(id=Evaluate.JOB),
            page_header(
                "Evaluate the clusters",
                "Do the clusters also describe posts the model has not seen? We compare the training "
                "posts with the held-out test posts.",
            ),
            html.Div(id=Evaluate.GUIDE),
            html.Div(id=Evaluate.ALERT),
            busy(Evaluate.SPINNER, "Checking the clusters on the test posts…"),
            content,
        ]
    )
