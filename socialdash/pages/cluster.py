"""Step 4 — Cluster: the k sweep, the run, the projection and the cluster sizes (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash.components.common import next_button, page_header, section
from socialdash.ids import Cluster

dash.register_page(__name__, path="/cluster", name="Cluster", title="Cluster · socialdash", order=4)

GRAPH_CONFIG = {"displaylogo": False}
STATIC = {"displayModeBar": False}
SWEEP_STARTING = "Getting your posts ready for scoring…"


def _bar(id_: str) -> dbc.Progress:
    return dbc.Progress(id=id_, value=0, striped=True, animated=True, style={"height": "22px"})


def _working(id_: str, note_id: str, note: str, bar_id: str, cancel: dbc.Button | None = None) -> html.Div:
    """A sentence over a progress bar (with an optional cancel button), hidden until a job runs."""
    bar = dbc.Row(
        [dbc.Col(_bar(bar_id)), *([dbc.Col(cancel, width="auto")] if cancel else [])],
        className="g-2 align-items-center",
    )
    return html.Div(
        id=id_,
        className="mb-3 d-none",
        children=[html.P(note, id=note_id, className="mb-1", role="status"), bar],
    )


def layout(**_kwargs: object) -> html.Div:
    """The Cluster page; its callbacks fill it from the session's dataset and choices."""
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Number of clusters (k)", html_for=Cluster.K, className="fw-semibold"),
                    dbc.Input(
                        id=Cluster.K,
                        type="number",
                        min=2,
                        max=30,
                        step=1,
                        value=None,
                        placeholder="recommended k",
                        style={"width": "10rem"},
                    ),
                ],
                width="auto",
            ),
            dbc.Col(dbc.Button("Run clustering", id=Cluster.RUN, color="primary", n_clicks=0), width="auto"),
            dbc.Col(
                dbc.Button(
                    "Cancel", id=Cluster.CANCEL, color="secondary", outline=True, disabled=True, n_clicks=0
                ),
                width="auto",
            ),
        ],
        className="g-3 align-items-end mb-3",
    )
    results = html.Div(
        id=Cluster.RESULTS,
        style={"display": "none"},
        children=[
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Your posts on a map",
                            dcc.Graph(id=Cluster.PROJECTION, config=GRAPH_CONFIG),
                            "Each dot is a post (a random 10,000 of them when you have more); similar "
                            "posts sit close together. The axes are the two main directions in which your "
                            "posts differ.",
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        section(
                            "Cluster sizes",
                            dcc.Graph(id=Cluster.SIZES, config=STATIC),
                            "Posts per cluster among the posts the model was trained on.",
                        ),
                        lg=5,
                    ),
                ]
            ),
            html.P(
                "Next, check that the clusters also hold for posts the model has not seen.", className="mb-0"
            ),
            next_button("evaluate", button_id=Cluster.NEXT),
        ],
    )
    return html.Div(
        [
            dcc.Store(id=Cluster.INIT, data=True),
            dcc.Store(id=Cluster.SWEEP_KEY),
            dcc.Store(id=Cluster.SHOW_K),
            dcc.Store(id=Cluster.SWEEP_JOB),
            dcc.Store(id=Cluster.SWEEP_READY),
            dcc.Store(id=Cluster.RUN_JOB),
            dcc.Store(id=Cluster.RUN_READY),
            page_header(
                "Cluster your posts",
                "We group similar posts together. First we try 2 to 10 groups (clusters) and recommend a "
                "number; then you run the clustering with the number you pick.",
            ),
            html.Div(id=Cluster.GUIDE),
            html.Div(id=Cluster.ALERT),
            html.Div(
                id=Cluster.BODY,
                style={"display": "none"},
                children=[
                    section(
                        "1. How many clusters?",
                        html.Div(
                            [
                                _working(
                                    Cluster.SWEEP_WORKING,
                                    Cluster.SWEEP_NOTE,
                                    SWEEP_STARTING,
                                    Cluster.SWEEP_PROGRESS,
                                    dbc.Button(
                                        "Cancel",
                                        id=Cluster.SWEEP_CANCEL,
                                        color="secondary",
                                        outline=True,
                                        size="sm",
                                        n_clicks=0,
                                    ),
                                ),
                                html.P(id=Cluster.SWEEP_RULE, className="mb-2"),
                                dbc.Button(
                                    "Score again",
                                    id=Cluster.SWEEP_RESTART,
                                    color="primary",
                                    outline=True,
                                    n_clicks=0,
                                    className="mb-2",
                                    style={"display": "none"},
                                ),
                                dcc.Graph(id=Cluster.SWEEP_GRAPH, config=STATIC, style={"display": "none"}),
                            ]
                        ),
                        "Each chart scores the clusters for each k; the star marks our recommendation.",
                    ),
                    section(
                        "2. Run the clustering",
                        html.Div(
                            [
                                controls,
                                _working(Cluster.RUN_WORKING, Cluster.RUN_NOTE, "", Cluster.PROGRESS),
                                html.Div(
                                    id=Cluster.STATUS, className="fw-semibold text-success", role="status"
                                ),
                            ]
                        ),
                        "Keep the recommended number or type your own, then press Run.",
                    ),
                    results,
                ],
            ),
        ]
    )
