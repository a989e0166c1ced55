"""/ leads to /upload (the server redirects; this page is the fallback for in-app navigation)."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

dash.register_page(__name__, path="/", title="socialdash", name="Home")


def layout(**_kwargs):
    return dbc.Card(
        dbc.CardBody(
            [
                html.H1("Find out which kinds of posts work for you", className="h3"),
                html.P(
                    "socialdash groups your social-media posts into clusters of similar posts and tells you "
                    "what each group does for your engagement. It takes six short steps.",
                    className="lead",
                ),
                dcc.Link("Start with your upload →", href="/upload", className="btn btn-primary btn-lg"),
            ]
        ),
        className="shadow-sm",
    )
