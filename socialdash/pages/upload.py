"""Step 1 — Upload: drop zone (file input added by assets/upload.js), sample dataset, summary."""

import dash
import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from socialdash.components.common import page_header
from socialdash.ids import Upload

dash.register_page(__name__, path="/upload", title="Upload · socialdash", name="Upload", order=1)

ACCEPT = ".csv,.tsv,.txt,.xlsx"


def _max_bytes() -> int:
    if flask.has_app_context():
        settings = flask.current_app.extensions.get("socialdash_settings")
        if settings is not None:
            return int(settings.max_upload_bytes)
    return 200 * 1024 * 1024


def layout(**_kwargs):
    max_bytes = _max_bytes()
    drop_zone = html.Div(
        [
            html.Div("⇪", className="drop-icon", **{"aria-hidden": "true"}),
            html.Div("Drop your posts export here", className="drop-title"),
            html.Div(["or ", html.Span("choose a file", className="drop-link")], className="drop-sub"),
            html.Div(
                f"CSV, TSV, TXT or Excel (.xlsx), up to {max_bytes // (1024 * 1024):,} MB",
                className="drop-hint",
            ),
        ],
        id=Upload.DATA,
        className="drop-zone",
        **{"data-accept": ACCEPT, "data-max-bytes": str(max_bytes)},
    )
    sample = html.Div(
        [
            html.P("No export at hand?", className="mb-2 fw-semibold"),
            dbc.Button("Try the sample dataset", id=Upload.SAMPLE, color="secondary", outline=True),
            html.P(
                [
                    "7,050 Facebook posts of Thai online sellers: “Facebook Live Sellers in Thailand” by "
                    "Nassim Dehouche, UCI Machine Learning Repository, ",
                    html.A("CC BY 4.0", href="https://creativecommons.org/licenses/by/4.0/", target="_blank"),
                    ".",
                ],
                className="small text-muted mt-2 mb-0",
            ),
        ],
        className="sample-box",
    )
    return html.Div(
        [
            page_header(
                "Upload your posts",
                "Export your posts from your platform or social-media tool and upload the file. "
                "We read it on this server and keep it only for your analysis.",
            ),
            dbc.Row(
                [dbc.Col(drop_zone, md=8), dbc.Col(sample, md=4, className="d-flex align-items-center")],
                className="g-4 mb-3",
            ),
            dbc.Progress(id=Upload.PROGRESS, value=0, className="upload-progress d-none", striped=True),
            dcc.Store(id=Upload.RESULT),
            dcc.Store(id=Upload.SHOWN),
            html.Div(id=Upload.ALERT),
            dcc.Loading(html.Div(id=Upload.SUMMARY, className="mt-4"), type="dot", delay_show=300),
        ]
    )
