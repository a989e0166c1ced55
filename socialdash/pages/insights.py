"""Insights page: cluster cards, lift heatmap, category mix, timing, exemplars, downloads (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash import ids

dash.register_page(__name__, path="/insights", name="Insights", title="Insights · socialdash", order=5)


def _download(id_: str, label: str, color: str) -> html.A:
    return html.A(
        label, id=id_, href="", download="", className=f"btn btn-{color} me-2 mb-2 disabled", role="button"
    )


def layout(**_kwargs: object) -> html.Div:
    """The Insights page; its callback fills it from the session's dataset, choices and k."""
    return html.Div(
        [
            dcc.Store(id=ids.INSIGHTS_INIT, data=True),
            html.H2("What each cluster means"),
            html.P(
                "Each cluster described in your own numbers, compared with the median post, and your posts "
                "with their cluster to download.",
                className="lead",
            ),
            html.Div(id=ids.INSIGHTS_GUIDE),
            dcc.Loading(
                html.Div(
                    id=ids.INSIGHTS_CONTENT,
                    style={"display": "none"},
                    children=[
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.H5("Download your labelled posts", className="card-title"),
                                    html.P(
                                        "Every post with its original columns plus its cluster number, "
                                        "cluster name and whether it was used to train or to test.",
                                        className="small text-muted",
                                    ),
                                    _download(ids.INSIGHTS_DOWNLOAD_CSV, "Download CSV", "primary"),
                                    _download(
                                        ids.INSIGHTS_DOWNLOAD_XLSX, "Download Excel", "outline-primary"
                                    ),
                                    _download(
                                        ids.INSIGHTS_DOWNLOAD_REPORT,
                                        "Download run report (JSON)",
                                        "outline-secondary",
                                    ),
                                ]
                            ),
                            className="mb-3",
                        ),
                        html.Div(id=ids.INSIGHTS_CARDS),
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.H5(
                                        "How each cluster differs from your typical post",
                                        className="card-title",
                                    ),
                                    html.P(
                                        "A cell is the cluster's median divided by the median of all posts: "
                                        "×2 is twice as high, ×0.5 half as high.",
                                        className="small text-muted",
                                    ),
                                    dcc.Graph(id=ids.INSIGHTS_HEATMAP, config={"displaylogo": False}),
                                ]
                            ),
                            className="mb-3",
                        ),
                        dbc.Row(
                            [
                                dbc.Col(
                                    dbc.Card(
                                        dbc.CardBody(
                                            [
                                                html.H5("Post types in each cluster", className="card-title"),
                                                html.Div(id=ids.INSIGHTS_MIX),
                                            ]
                                        ),
                                        className="h-100",
                                    ),
                                    lg=7,
                                    className="mb-3",
                                ),
                                dbc.Col(
                                    dbc.Card(
                                        dbc.CardBody(
                                            [
                                                html.H5("When to post", className="card-title"),
                                                html.Div(id=ids.INSIGHTS_TIMING),
                                            ]
                                        ),
                                        className="h-100",
                                    ),
                                    lg=5,
                                    className="mb-3",
                                ),
                            ]
                        ),
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.H5("Example posts", className="card-title"),
                                    html.P(
                                        "The posts closest to the centre of each cluster.",
                                        className="small text-muted",
                                    ),
                                    html.Div(id=ids.INSIGHTS_EXEMPLARS),
                                ]
                            ),
                            className="mb-4",
                        ),
                    ],
                ),
                type="circle",
            ),
        ]
    )
