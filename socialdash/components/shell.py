"""The page shell: navbar with the six steps, the dataset badge, the session store and the page container."""

from __future__ import annotations

from collections.abc import Iterable

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from socialdash.ids import Shell

#: (step key, label, path) in the order a user walks them
STEPS: tuple[tuple[str, str, str], ...] = (
    ("upload", "Upload", "/upload"),
    ("eda", "Explore", "/eda"),
    ("preprocess", "Prepare", "/preprocess"),
    ("cluster", "Cluster", "/cluster"),
    ("evaluate", "Evaluate", "/evaluate"),
    ("insights", "Insights", "/insights"),
)
STEP_KEYS = tuple(key for key, _label, _path in STEPS)
STEP_PATHS = {key: path for key, _label, path in STEPS}
STEP_LABELS = {key: label for key, label, _path in STEPS}


def step_links(done: Iterable[str] = (), active: str | None = None) -> list:
    """One nav link per step: number, label, a tick when done; the current page highlighted."""
    done = set(done)
    items = []
    for i, (key, label, path) in enumerate(STEPS, start=1):
        is_done = key in done
        badge = html.Span("✓" if is_done else str(i), className="step-num" + (" done" if is_done else ""))
        items.append(
            dbc.NavItem(
                dbc.NavLink(
                    [badge, html.Span(label, className="step-label")],
                    href=path,
                    active=(key == active),
                    className="step-link" + (" step-done" if is_done else ""),
                    id=f"nav-step-{key}",
                )
            )
        )
    return items


def dataset_badge(name: str | None, rows: int | None, columns: int | None) -> list:
    """The current dataset's name and size, or a hint when nothing is loaded."""
    if not name:
        return [html.Span("No data loaded yet", className="text-white-50")]
    return [
        html.Span(name, className="dataset-name", title=name),
        html.Span(f" · {rows or 0:,} rows · {columns or 0:,} columns", className="dataset-size"),
    ]


def navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span("social", className="brand-a"), html.Span("dash", className="brand-b")],
                    href="/upload",
                ),
                dbc.Nav(step_links(), id=Shell.STEPS, className="steps me-auto", navbar=True),
                html.Div(dataset_badge(None, None, None), id=Shell.DATASET, className="nav-dataset"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        sticky="top",
        id=Shell.NAVBAR,
        className="mb-4",
    )


def app_layout() -> html.Div:
    """The whole-app layout around ``dash.page_container``."""
    return html.Div(
        [
            dcc.Location(id=Shell.URL, refresh="callback-nav"),
            dcc.Store(id=Shell.STORE, storage_type="session"),
            navbar(),
            dbc.Container(dash.page_container, id=Shell.CONTAINER, className="pb-5", fluid="lg"),
            html.Footer(
                dbc.Container(
                    "socialdash · your data stays on this server; the browser keeps only a reference to it.",
                    fluid="lg",
                ),
                className="app-footer text-muted small",
            ),
        ]
    )
