"""Preprocess page pieces: the form (from a spec and split) and the feature-matrix preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from socialdash.components.common import grid, next_button, section, sentences
from socialdash.components.eda_figures import _layout
from socialdash.components.plain_text import short_text
from socialdash.ids import Preprocess

ROLE_WORDS = {
    "metric": "number",
    "categorical": "category",
    "datetime": "date/time",
    "identifier": "identifier",
    "text": "free text",
    "constant": "constant",
}
PCA_OPTIONS = [{"label": "Off", "value": 0}] + [
    {"label": f"{n} components", "value": n} for n in (2, 3, 5, 8, 10)
]


def _field(label: str, control, help_text: str | None = None) -> html.Div:
    parts = [dbc.Label(label, className="fw-semibold mb-1"), control]
    if help_text:
        parts.append(dbc.FormText(help_text))
    return html.Div(parts, className="mb-3")


def _choice(control_id: str, options: Sequence[tuple[str, str]], value: str) -> dbc.RadioItems:
    """Inline radio buttons from (label, value) pairs."""
    choices = [{"label": label, "value": v} for label, v in options]
    return dbc.RadioItems(id=control_id, options=choices, value=value, inline=True)


def feature_options(columns: Sequence[Mapping]) -> list[dict]:
    """Checklist options: every column except free text, with its role in words."""
    return [
        {"label": f" {c['name']} ({ROLE_WORDS.get(c['role'], c['role'])})", "value": c["name"]}
        for c in columns
        if c["role"] != "text"
    ]


def form(
    columns: Sequence[Mapping],
    selected: Sequence[str],
    spec: Mapping,
    split: Mapping,
    has_datetime: bool,
    warnings: Sequence[str],
) -> dbc.Row:
    """The controls, filled with the choices in effect."""
    split_card = section(
        "Train and test posts",
        html.Div(
            [
                _field(
                    "Share of posts held out to test",
                    dcc.Slider(
                        id=Preprocess.TEST_SIZE,
                        min=0.1,
                        max=0.5,
                        step=0.05,
                        value=float(split.get("test_size", 0.2)),
                        marks={v / 100: f"{v}%" for v in (10, 20, 30, 40, 50)},
                        allow_direct_input=False,
                    ),
                    "Clusters are found on the training posts and checked on the held-out ones.",
                ),
                _field(
                    "Which posts to hold out",
                    dbc.RadioItems(
                        id=Preprocess.SPLIT_METHOD,
                        options=[
                            {"label": "A random sample", "value": "random"},
                            {"label": "The newest posts", "value": "time", "disabled": not has_datetime},
                        ],
                        value=split.get("method", "random") if has_datetime else "random",
                        inline=True,
                    ),
                    None if has_datetime else "Holding out the newest posts needs a date column.",
                ),
                _field(
                    "Random seed",
                    dbc.Input(
                        id=Preprocess.SEED, type="number", min=0, step=1, value=int(split.get("seed", 42))
                    ),
                    "The same seed gives the same split and clusters every time.",
                ),
            ]
        ),
    )
    features_card = section(
        "Columns that describe a post",
        html.Div(
            [
                dbc.Checklist(
                    id=Preprocess.FEATURES,
                    options=feature_options(columns),
                    value=list(selected),
                    className="feature-list",
                ),
                html.Div(feature_warnings(warnings), id=Preprocess.FEATURE_WARNINGS),
            ]
        ),
        "Ticked columns are used to group posts. Identifiers and free text are left out by default.",
    )
    transforms_card = section(
        "How values are made comparable",
        dbc.Row(
            [
                dbc.Col(
                    [
                        _field(
                            "Empty numbers become",
                            _choice(
                                Preprocess.IMPUTE,
                                [("the median", "median"), ("the mean", "mean"), ("zero", "zero")],
                                spec.get("impute_numeric", "median"),
                            ),
                        ),
                        _field(
                            "Log scale for heavy-tailed counts",
                            _choice(
                                Preprocess.LOG,
                                [("automatic", "auto"), ("always", "on"), ("never", "off")],
                                spec.get("log_transform", "auto"),
                            ),
                            "Automatic uses it where a few posts have far larger numbers than the rest.",
                        ),
                        _field(
                            "Scaling",
                            dbc.Select(
                                id=Preprocess.SCALER,
                                options=[
                                    {"label": "Standard (average 0, spread 1)", "value": "standard"},
                                    {"label": "Robust (median and quartiles)", "value": "robust"},
                                    {"label": "Min–max (0 to 1)", "value": "minmax"},
                                    {"label": "None", "value": "none"},
                                ],
                                value=spec.get("scaler", "standard"),
                            ),
                        ),
                    ],
                    md=6,
                ),
                dbc.Col(
                    [
                        _field(
                            "Most levels kept per category",
                            dbc.Input(
                                id=Preprocess.MAX_CATEGORIES,
                                type="number",
                                min=2,
                                max=50,
                                step=1,
                                value=int(spec.get("max_categories", 10)),
                            ),
                            "Rarer levels are grouped as “other”.",
                        ),
                        _field(
                            "From dates use",
                            dbc.Checklist(
                                id=Preprocess.DATETIME_PARTS,
                                options=[
                                    {"label": "hour of day", "value": "hour"},
                                    {"label": "day of week", "value": "weekday"},
                                    {"label": "month", "value": "month"},
                                ],
                                value=list(spec.get("datetime_parts", ("hour", "weekday"))),
                                inline=True,
                            ),
                        ),
                        _field(
                            "Engagement ratios",
                            dbc.Switch(
                                id=Preprocess.RATIOS,
                                label="add ratios such as comments per reaction",
                                value=bool(spec.get("engagement_ratios", False)),
                            ),
                        ),
                        _field(
                            "Compress with PCA",
                            dbc.Select(
                                id=Preprocess.PCA,
                                options=PCA_OPTIONS,
                                value=str(int(spec.get("pca_components") or 0)),
                            ),
                            "Combines related columns into fewer components; off keeps results easy to read.",
                        ),
                    ],
                    md=6,
                ),
            ]
        ),
    )
    apply = html.Div(
        [
            dbc.Button("Apply", id=Preprocess.APPLY, color="primary", size="lg", className="me-3"),
            html.Span(id=Preprocess.STATUS, className="text-muted"),
        ],
        className="mb-4",
    )
    return html.Div(
        [
            dbc.Row([dbc.Col(split_card, lg=5), dbc.Col(features_card, lg=7)]),
            transforms_card,
            apply,
        ]
    )


def feature_warnings(warnings: Sequence[str]):
    if not warnings:
        return None
    return dbc.Alert(sentences(warnings), color="warning", className="mt-3 mb-0 small")


def variance_figure(explained: Sequence[float]) -> go.Figure:
    """Explained variance per PCA component and cumulative."""
    xs = [f"component {i}" for i in range(1, len(explained) + 1)]
    cumulative = []
    total = 0.0
    for v in explained:
        total += v
        cumulative.append(total)
    fig = go.Figure(
        [
            go.Bar(x=xs, y=[v * 100 for v in explained], name="this component", marker_color="#0d6efd"),
            go.Scatter(x=xs, y=[v * 100 for v in cumulative], name="all so far", mode="lines+markers"),
        ]
    )
    fig.update_yaxes(title_text="% of the variation kept", range=[0, 105])
    _layout(fig, 300)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.12})
    return fig


def preview(p: Mapping) -> html.Div:
    """The feature matrix the clustering will see: shape, names, transforms, summary, PCA chart."""
    shape = (
        f"{p['train_rows']:,} training posts × {p['n_features']:,} features; "
        f"{p['test_rows']:,} posts held out to test."
    )
    names = html.Div(
        [
            dbc.Badge(short_text(n, 50), color="light", text_color="dark", className="me-1 mb-1 border")
            for n in p["feature_names"]
        ],
        className="mb-3",
    )
    summary_defs = [
        {"field": "feature", "headerName": "Feature", "pinned": "left", "minWidth": 220},
        {"field": "mean", "headerName": "Average"},
        {"field": "std", "headerName": "Spread (std)"},
        {"field": "min", "headerName": "Smallest"},
        {"field": "max", "headerName": "Largest"},
    ]
    children = [
        html.P(shape, className="fs-5 fw-semibold mb-1", id="preprocess-shape"),
        html.P(p["split"], className="text-muted"),
        html.H3("What was done", className="h6 mt-3"),
        sentences(p["transforms"] or ["The columns are used as they are."], className="mb-3"),
    ]
    if p.get("warnings"):
        children.append(feature_warnings(p["warnings"]))
    children += [
        html.H3("Features", className="h6 mt-3"),
        names,
        html.H3("Summary of the training features", className="h6"),
        grid(
            "preprocess-summary-grid",
            p["summary"],
            summary_defs,
            height=min(320, 62 + 42 * len(p["summary"])),
        ),
    ]
    if p.get("head"):
        names_ = list(p["feature_names"])
        head_defs = [
            {"field": f"f{i}", "headerName": str(n), "headerTooltip": str(n)} for i, n in enumerate(names_)
        ]
        head_rows = [{f"f{i}": row.get(n) for i, n in enumerate(names_)} for row in p["head"]]
        children += [
            html.H3("The first training posts as the clustering sees them", className="h6 mt-3"),
            grid("preprocess-head-grid", head_rows, head_defs, height=None),
        ]
    if p.get("explained_variance"):
        ev = p["explained_variance"]
        children += [
            html.H3("What PCA keeps", className="h6 mt-4"),
            html.P(
                f"{len(ev)} components keep {sum(ev) * 100:.0f}% of the variation between posts.",
                className="text-muted",
            ),
            dcc.Graph(
                figure=variance_figure(ev), config={"displayModeBar": False}, id="preprocess-pca-variance"
            ),
        ]
    return html.Div(
        [
            section("The data the clustering will see", html.Div(children), id=Preprocess.PREVIEW),
            next_button("cluster", button_id=Preprocess.NEXT),
        ]
    )
