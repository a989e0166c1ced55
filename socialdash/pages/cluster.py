"""Cluster page: the k sweep, the run, the projection and the cluster sizes (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash import ids

dash.register_page(__name__, path="/cluster", name="Cluster", title="Cluster · socialdash", order=3)


def layout(**_kwargs: object) -> html.Div:
    """The Cluster page; its callbacks fill it from the session's dataset and choices."""
    return html.Div(
        [
            dcc.Store(id=ids.CLUSTER_INIT, data=True),
            dcc.Store(id=ids.CLUSTER_SWEEP_KEY),
            dcc.Store(id=ids.CLUSTER_SHOW_K),
            html.H2("Cluster your posts"),
            html.P(
                "Group similar posts together. First we try 2 to 10 groups (clusters) and recommend "
                "a number; then you run the clustering with the number you pick.",
                className="lead",
            ),
            html.Div(id=ids.CLUSTER_GUIDE),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H4("1. How many clusters?", className="card-title"),
                        dbc.Progress(
                            id=ids.CLUSTER_SWEEP_PROGRESS,
                            value=0,
                            striped=True,
                            animated=True,
                            className="mb-2 d-none",
                            style={"height": "20px"},
                        ),
                        html.P(id=ids.CLUSTER_SWEEP_RULE, className="mb-2"),
                        dcc.Graph(
                            id=ids.CLUSTER_SWEEP_GRAPH,
                            config={"displaylogo": False},
                            style={"display": "none"},
                        ),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H4("2. Run the clustering", className="card-title"),
                        dbc.Row(
                            [
                                dbc.Col(
                                    [
                                        dbc.Label("Number of clusters (k)", html_for=ids.CLUSTER_K),
                                        dbc.Input(
                                            id=ids.CLUSTER_K,
                                            type="number",
                                            min=2,
                                            max=30,
                                            step=1,
                                            value=None,
                                            placeholder="recommended k",
                                        ),
                                    ],
                                    width="auto",
                                ),
                                dbc.Col(
                                    dbc.Button(
                                        "Run clustering", id=ids.CLUSTER_RUN, color="primary", n_clicks=0
                                    ),
                                    width="auto",
                                ),
                                dbc.Col(
                                    dbc.Button(
                                        "Cancel",
                                        id=ids.CLUSTER_CANCEL,
                                        color="secondary",
                                        outline=True,
                                        disabled=True,
                                        n_clicks=0,
                                    ),
                                    width="auto",
                                ),
                            ],
                            className="g-3 align-items-end mb-3",
                        ),
                        dbc.Progress(
                            id=ids.CLUSTER_PROGRESS,
                            value=0,
                            striped=True,
                            animated=True,
                            className="mb-2 d-none",
                            style={"height": "20px"},
                        ),
                        html.Div(id=ids.CLUSTER_STATUS, className="fw-semibold", role="status"),
                    ]
                ),
                className="mb-3",
            ),
            html.Div(
                id=ids.CLUSTER_RESULTS,
                style={"display": "none"},
                children=[
                    dbc.Row(
                        [
                            dbc.Col(
                                dbc.Card(
                                    dbc.CardBody(
                                        [
                                            html.H5("Your posts on a map", className="card-title"),
                                            html.P(
                                                "Each dot is a post; similar posts sit close "
                                                "together (the two main directions in your data).",
                                                className="small text-muted",
                                            ),
                                            dcc.Graph(
                                                id=ids.CLUSTER_PROJECTION, config={"displaylogo": False}
                                            ),
                                        ]
                                    )
                                ),
                                lg=7,
                                className="mb-3",
                            ),
                            dbc.Col(
                                dbc.Card(
                                    dbc.CardBody(
                                        [
                                            html.H5("Cluster sizes", className="card-title"),
                                            html.P(
                                                "Posts per cluster among the posts the model was trained on.",
                                                className="small text-muted",
                                            ),
                                            dcc.Graph(id=ids.CLUSTER_SIZES, config={"displaylogo": False}),
                                        ]
                                    )
                                ),
                                lg=5,
                                className="mb-3",
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Span(
                                "Next: check how well the clusters hold on posts the model has not seen. "
                            ),
                            dbc.Button(
                                "Go to Evaluate →", href="/evaluate", id=ids.CLUSTER_NEXT, color="success"
                            ),
                        ],
                        className="mb-4",
                    ),
                ],
            ),
        ]
    )
