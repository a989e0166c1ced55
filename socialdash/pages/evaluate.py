"""Evaluate page: train vs test metrics, silhouette per cluster, shares and stability (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash import ids

dash.register_page(__name__, path="/evaluate", name="Evaluate", title="Evaluate · socialdash", order=4)


def _card(title: str, hint: str, body: object) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [html.H5(title, className="card-title"), html.P(hint, className="small text-muted"), body]
        ),
        className="mb-3 h-100",
    )


def layout(**_kwargs: object) -> html.Div:
    """The Evaluate page; its callback fills it from the session's dataset, choices and k."""
    return html.Div(
        [
            dcc.Store(id=ids.EVALUATE_INIT, data=True),
            html.H2("Evaluate the clusters"),
            html.P(
                "Do the clusters also describe posts the model has not seen? We compare the training posts "
                "with the held-out test posts.",
                className="lead",
            ),
            html.Div(id=ids.EVALUATE_GUIDE),
            dcc.Loading(
                html.Div(
                    id=ids.EVALUATE_CONTENT,
                    style={"display": "none"},
                    children=[
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.H5("Quality on train and test", className="card-title"),
                                    html.Div(id=ids.EVALUATE_METRICS),
                                ]
                            ),
                            className="mb-3",
                        ),
                        dbc.Row(
                            [
                                dbc.Col(
                                    _card(
                                        "Silhouette per cluster",
                                        "How clearly each post belongs to its cluster: bands reaching "
                                        "far right are well separated; values below 0 sit closer to "
                                        "another cluster.",
                                        dcc.Graph(id=ids.EVALUATE_SILHOUETTE, config={"displaylogo": False}),
                                    ),
                                    lg=6,
                                    className="mb-3",
                                ),
                                dbc.Col(
                                    _card(
                                        "Cluster shares: train vs test",
                                        "Similar bars mean the clusters are just as common among new posts.",
                                        html.Div(
                                            [
                                                dcc.Graph(
                                                    id=ids.EVALUATE_SHARES, config={"displaylogo": False}
                                                ),
                                                html.P(id=ids.EVALUATE_SHARES_TEXT, className="mb-0"),
                                            ]
                                        ),
                                    ),
                                    lg=6,
                                    className="mb-3",
                                ),
                            ]
                        ),
                        html.Div(id=ids.EVALUATE_STABILITY, className="mb-3"),
                        html.Div(
                            [
                                html.Span("Next: see what each cluster means for your posting. "),
                                dbc.Button("Go to Insights →", href="/insights", color="success"),
                            ],
                            className="mb-4",
                        ),
                    ],
                ),
                type="circle",
            ),
        ]
    )
