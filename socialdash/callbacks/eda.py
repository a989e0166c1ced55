"""EDA: aggregates from caching.eda_summary → figures; metric/category pickers; marks the step done."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from socialdash import caching
from socialdash.callbacks._views import remembered
from socialdash.callbacks.common import choices_of, dataset, guarded, has_data, is_done, mark_done
from socialdash.components import eda_figures as figs
from socialdash.components.common import next_button, no_data, section, sentences
from socialdash.ids import Eda, Shell


def page_key(store: dict) -> str:
    """What the page content depends on: the dataset handle and the role choices."""
    return f"{store.get('handle')}|{caching.roles_key(choices_of(store))}"


def sample_note(summary: dict) -> str:
    """Says when the correlations were computed on a sample of the posts (big files)."""
    rows = (summary.get("correlation") or {}).get("sampled_rows")
    return f" Computed on a random sample of {rows:,} of your {summary['n_rows']:,} posts." if rows else ""


def category_start(column: str, summary: dict) -> object:
    """The first category column's chart, drawn with the page."""
    counts = summary["categories"].get(column)
    return figs.category_figure(column, counts) if counts else figs.empty_figure("Pick a category column.")


def eda_content(summary: dict) -> html.Div:
    """The whole page body from the aggregates."""
    metrics = summary["metrics"]
    categoricals = summary["categoricals"]
    time = summary["time"]
    parts = [
        section("In short", sentences(summary["facts"]), id=Eda.FACTS),
        section(
            "Every column at a glance",
            figs.summary_grid(Eda.SUMMARY_GRID, summary["columns"]),
            "Role is what the column is used as; “Used for clusters” can be changed on the Upload page.",
        ),
    ]
    dist_controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=Eda.METRIC,
                    options=[{"label": m, "value": m} for m in metrics],
                    value=metrics[0] if metrics else None,
                    clearable=False,
                ),
                md=8,
            ),
            dbc.Col(dbc.Switch(id=Eda.LOG, label="Log scale", value=True), md=4, className="pt-1"),
        ],
        className="mb-2",
    )
    if metrics:  # the first metric drawn here, not by a second request after the page arrives
        first = summary["histograms"].get(metrics[0])
        first_figure = figs.distribution_figure(metrics[0], first, True) if first else None
        first_note = figs.distribution_note(metrics[0], first, True) if first else None
        parts.append(
            section(
                "How a number is spread",
                html.Div(
                    [
                        dist_controls,
                        dcc.Graph(figure=first_figure, id=Eda.DISTRIBUTION, config={"displayModeBar": False}),
                        html.P(first_note, id=Eda.DISTRIBUTION_NOTE, className="figure-note"),
                    ]
                ),
                "Social numbers are usually heavy-tailed: most posts get little, a few get a lot. "
                "The log scale shows both.",
            )
        )
    row = []
    row.append(
        dbc.Col(
            section(
                "Empty cells",
                dcc.Graph(
                    figure=figs.missing_figure(summary["missing"]),
                    id=Eda.MISSING,
                    config={"displayModeBar": False},
                ),
                "Empty numbers are filled in with the median when clustering (changeable on Prepare).",
            ),
            lg=6,
        )
    )
    if categoricals:
        row.append(
            dbc.Col(
                section(
                    "Categories",
                    html.Div(
                        [
                            dcc.Dropdown(
                                id=Eda.CATEGORY,
                                options=[{"label": c, "value": c} for c in categoricals],
                                value=categoricals[0],
                                clearable=False,
                                className="mb-2",
                            ),
                            dcc.Graph(
                                figure=category_start(categoricals[0], summary),
                                id=Eda.CATEGORIES,
                                config={"displayModeBar": False},
                            ),
                        ]
                    ),
                    "How many posts fall in each level of a category column.",
                ),
                lg=6,
            )
        )
    parts.append(dbc.Row(row))
    parts.append(
        section(
            "Which numbers move together",
            dcc.Graph(
                figure=figs.correlation_figure(summary["correlation"]),
                id=Eda.CORRELATION,
                config={"displayModeBar": False},
            ),
            "Rank correlation between number columns: 1 means they rise together, 0 unrelated, −1 opposite. "
            "Strongly related numbers count almost twice when grouping posts." + sample_note(summary),
        )
    )
    if time:
        parts.append(
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Posts over time",
                            dcc.Graph(
                                figure=figs.over_time_figure(time),
                                id=Eda.OVER_TIME,
                                config={"displayModeBar": False},
                            ),
                            f"How many posts you published per {time['unit']} (from “{time['column']}”).",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        section(
                            "When you post",
                            dcc.Graph(
                                figure=figs.hour_weekday_figure(time),
                                id=Eda.HOUR_WEEKDAY,
                                config={"displayModeBar": False},
                            ),
                            "Posts by weekday and hour of the day; darker means more posts.",
                        ),
                        lg=6,
                    ),
                ]
            )
        )
    parts.append(next_button("preprocess", button_id=Eda.NEXT))
    return html.Div(parts)


@callback(
    Output(Eda.CONTENT, "children"),
    Output(Eda.KEY, "data"),
    Output(Eda.ALERT, "children"),
    Input(Shell.STORE, "data"),
    State(Eda.KEY, "data"),
)
@guarded(3, 2)
def render_eda(store: dict | None, shown_key: str | None):
    """The EDA page for the session's dataset and role choices (re-rendered only when they change)."""
    if not has_data(store):
        return no_data(), None, None
    assert store is not None
    key = page_key(store)
    if key == shown_key:
        raise PreventUpdate
    ds = dataset(store)
    content = remembered(
        "eda",
        ds.sha,
        caching.roles_key(ds.choices),
        lambda: eda_content(caching.eda_summary(ds.sha, ds.choices)),
    )  # a revisit sends the remembered page (figures as dicts) instead of drawing it again
    return content, key, None


@callback(
    Output(Shell.STORE, "data", allow_duplicate=True),
    Input(Eda.KEY, "data"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,
)
def mark_eda_done(key: str | None, store: dict | None):
    """Seeing the EDA page for a dataset completes the step."""
    if not key or not has_data(store) or is_done(store, ["eda"]):
        raise PreventUpdate
    return mark_done(store, "eda")


@callback(
    Output(Eda.DISTRIBUTION, "figure"),
    Output(Eda.DISTRIBUTION_NOTE, "children"),
    Input(Eda.METRIC, "value"),
    Input(Eda.LOG, "value"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,  # the page arrives with the first metric drawn
)
@guarded(2, 1, render=lambda message: message)
def update_distribution(metric: str | None, log: bool, store: dict | None):
    if not metric or not has_data(store):
        raise PreventUpdate
    ds = dataset(store)
    hist = caching.eda_summary(ds.sha, ds.choices)["histograms"].get(metric)
    if hist is None:
        return figs.empty_figure("Pick a number column."), no_update
    return figs.distribution_figure(metric, hist, bool(log)), figs.distribution_note(metric, hist, bool(log))


@callback(
    Output(Eda.CATEGORIES, "figure"),
    Input(Eda.CATEGORY, "value"),
    State(Shell.STORE, "data"),
    prevent_initial_call=True,  # the page arrives with the first category column drawn
)
@guarded(1, 0, render=figs.empty_figure)
def update_categories(column: str | None, store: dict | None):
    if not column or not has_data(store):
        raise PreventUpdate
    ds = dataset(store)
    counts = caching.eda_summary(ds.sha, ds.choices)["categories"].get(column)
    if counts is None:
        return figs.empty_figure("Pick a category column.")
    return figs.category_figure(column, counts)
