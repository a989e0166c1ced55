"""Step 6 — Insights: cluster cards, lifts, category mix, timing, exemplars, downloads (layout only)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash.components.busy import busy
from socialdash.components.common import page_header, section
from socialdash.ids import Insights

dash.register_page(__name__, path="/insights", name="Insights", title="Insights · socialdash", order=6)

STATIC = {"displayModeBar": False}


def _download(id_: str, label: str, color: str) -> html.A:
    """A link styled as a button; the callback sets its href to the download route."""
    return html.A(label, id=id_, href="", className=f"btn btn-{color} me-2 mb-2 disabled", role="button")


def layout(**_kwargs: object) -> html.Div:
    """The Insights page; its callbacks fill it from the session's dataset, choices and k."""
    downloads = html.Div(
        [
            _download(Insights.DOWNLOAD_CSV, "⬇ Labelled posts (CSV)", "primary"),
            _download(Insights.DOWNLOAD_XLSX, "⬇ Labelled posts (Excel)", "outline-primary"),
            _download(Insights.DOWNLOAD_REPORT, "⬇ Run report (JSON)", "outline-secondary"),
        ]
    )
    content = html.Div(
        id=Insights.CONTENT,
        style={"display": "none"},
        children=[
            html.Div(id=Insights.CARDS, className="mb-2"),
            section(
                "Download your labelled posts",
                downloads,
                "Every post with its original columns plus its cluster number, cluster name and whether "
                "it was used to train or to test. The report lists your settings and all the numbers.",
            ),
            section(
                "How each cluster differs from your typical post",
                dcc.Graph(id=Insights.HEATMAP, config=STATIC),
                "Each cell is the cluster's median divided by the median of all posts: ×2 is twice as "
                "high (blue), ×0.5 half as high (red).",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Categories in each cluster",
                            html.Div(id=Insights.MIX),
                            "The share of each category (for example the post type) inside a cluster.",
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        section(
                            "When to post",
                            html.Div(id=Insights.TIMING),
                            "The hours and weekdays when each cluster's posts do best.",
                        ),
                        lg=5,
                    ),
                ]
            ),
            section(
                "Example posts",
                html.Div(id=Insights.EXEMPLARS),
                "The posts closest to the centre of each cluster: typical members.",
            ),
        ],
    )
    return html.Div(
        [
            dcc.Store(id=Insights.INIT, data=True),
            dcc.Store(id=Insights.KEY),
            dcc.Store(id=Insights.JOB),
            page_header(
                "What each cluster means",
                "Each cluster described in your own numbers and compared with your typical post; "
                "download your posts with their cluster below the cards.",
            ),
            html.Div(id=Insights.GUIDE),
            html.Div(id=Insights.ALERT),
            busy(Insights.SPINNER, "Describing the clusters…"),
            content,
        ]
    )
