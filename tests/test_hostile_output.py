"""Output safety and limits: user text is text everywhere (figures included), downloads are formula-safe,
workbooks are parsed with defusedxml behind a zip-bomb and DTD guard, limits answer 413 before parsing."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hostile_dash import texts
from hostile_support import corpus_script

from socialdash.app import create_app
from socialdash.callbacks import upload as upload_cb
from socialdash.components import cluster_figures, eda_figures, evaluate_figures, insights_cards
from socialdash.components.plain_text import plain, short_text
from socialdash.services import export
from socialdash.services.errors import CorruptFileError, TooLargeError
from socialdash.services.ingest import IngestLimits, ingest
from socialdash.settings import Settings

EVIL = corpus_script.HTML_PAYLOADS
NAMES = {1: corpus_script.SCRIPT_TITLE, 2: corpus_script.IMG_TITLE, 3: corpus_script.ANCHOR}
RAW = ("<script", "<img", "<b>", "<a ")
OURS = ("<br>", "<extra>", "</extra>")  # markup the figures add themselves


def user_markup(fig) -> list[str]:
    """Strings of a figure that carry markup from user text (ours removed)."""
    found = []
    for text in texts(fig.to_plotly_json()):
        rest = text
        for tag in OURS:
            rest = rest.replace(tag, "")
        if "<" in rest or any(r in text for r in RAW):
            found.append(text)
    return found


def test_plain_escapes_for_plotly_and_short_text_stays_text() -> None:
    assert plain(corpus_script.BOLD) == "&lt;b&gt;bold&lt;/b&gt;"
    assert short_text(corpus_script.BOLD) == "<b>bold</b>"  # React renders it as these characters
    assert plain(f"{corpus_script.SCRIPT_TITLE}\r\n\tx", None) == (
        "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt; x"
    )


def test_every_figure_builder_renders_user_text_as_text() -> None:
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"x": rng.normal(size=30), "y": rng.normal(size=30), "cluster": [1, 2, 3] * 10})
    samples = pd.DataFrame({"cluster": [1, 2, 3] * 10, "silhouette": rng.uniform(-1, 1, 30)})
    shares = pd.DataFrame({"cluster": [1, 2, 3], "train_share": [0.3, 0.3, 0.4],
                           "test_share": [0.2, 0.5, 0.3]})
    lifts = pd.DataFrame({e: [1.5, 0.5, 1.0] for e in EVIL}, index=[1, 2, 3])
    mix = {c: {e: 1 / len(EVIL) for e in EVIL} for c in (1, 2, 3)}
    figs = [
        cluster_figures.projection_figure(points, NAMES, axis_titles=(EVIL[0], EVIL[1])),
        cluster_figures.sizes_figure({1: 10, 2: 10, 3: 10}, NAMES),
        evaluate_figures.silhouette_figure(samples, NAMES),
        evaluate_figures.shares_figure(shares, NAMES),
        insights_cards.lift_heatmap(lifts, NAMES),
        insights_cards.category_mix_figure(EVIL[3], mix, NAMES),
        eda_figures.missing_figure([{"column": e, "missing_pct": 10.0} for e in EVIL]),
        eda_figures.category_figure(EVIL[0], {"levels": list(EVIL), "counts": [5, 4, 3, 2, 1]}),
        eda_figures.correlation_figure({"columns": list(EVIL[:2]), "matrix": [[1, 0.5], [0.5, 1]]}),
        eda_figures.empty_figure(f"“{EVIL[0]}” has no values."),
    ]
    for fig in figs:
        assert user_markup(fig) == []
    legend = [t.name for t in figs[0].data]
    assert "Cluster 1 · &lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in legend


TEMPLATE_HEADER = "%{y}<b>x</b> %{customdata[0]}"
OUR_PLACEHOLDER = re.compile(r"%\{(?:x|y|z|text|customdata\[\d\])(?::[^}]*)?\}")


def templates(node) -> list[str]:
    """Every hovertemplate / texttemplate string in a figure's JSON."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("hovertemplate", "texttemplate") and isinstance(v, str)]
        return found + [t for v in node.values() for t in templates(v)]
    if isinstance(node, list):
        return [t for v in node for t in templates(v)]
    return []


def test_user_text_in_hover_templates_is_never_a_placeholder() -> None:
    """A header like "%{y}<b>x</b>" inside a hovertemplate would be filled in by Plotly; it must stay text."""
    names = {1: TEMPLATE_HEADER, 2: "CTR 50%", 3: "ok"}
    points = pd.DataFrame({"x": [0.1, 0.2, 0.3], "y": [1.0, 2.0, 3.0], "cluster": [1, 2, 3]})
    samples = pd.DataFrame({"cluster": [1, 2, 3] * 4, "silhouette": np.linspace(-1, 1, 12)})
    shares = pd.DataFrame({"cluster": [1, 2, 3], "train_share": [0.3, 0.3, 0.4],
                           "test_share": [0.2, 0.5, 0.3]})
    mix = {c: {TEMPLATE_HEADER: 0.5, "other": 0.5} for c in (1, 2, 3)}
    lifts = pd.DataFrame({TEMPLATE_HEADER: [1.5, 0.5, 1.0]}, index=[1, 2, 3])
    figs = {
        "projection": cluster_figures.projection_figure(points, names, axis_titles=(TEMPLATE_HEADER, "y")),
        "sizes": cluster_figures.sizes_figure({1: 3, 2: 4, 3: 5}, names),
        "silhouette": evaluate_figures.silhouette_figure(samples, names),
        "shares": evaluate_figures.shares_figure(shares, names),
        "heatmap": insights_cards.lift_heatmap(lifts, names),
        "mix": insights_cards.category_mix_figure(TEMPLATE_HEADER, mix, names),
        "missing": eda_figures.missing_figure([{"column": TEMPLATE_HEADER, "missing_pct": 10.0}]),
        "categories": eda_figures.category_figure(TEMPLATE_HEADER, {"levels": [TEMPLATE_HEADER, "b"],
                                                                    "counts": [2, 1]}),
    }
    escaped = "&#37;{y}&lt;b&gt;x&lt;/b&gt; &#37;{customdata[0]}"
    placed = []
    for what, fig in figs.items():
        for template in templates(fig.to_plotly_json()):
            assert "%{y}&lt;b&gt;" not in template, (what, template)  # the header's placeholder, unescaped
            rest = OUR_PLACEHOLDER.sub("", template)
            assert "%{" not in rest and "<b>" not in rest, (what, template)  # only our own placeholders
            if escaped in template:
                placed.append(what)
        assert "%{y}<b>" not in " ".join(texts(fig.to_plotly_json())), what
    assert {"projection", "silhouette", "mix"} <= set(placed)  # the user's text is in those, as text
    assert "CTR 50&#37;" in " ".join(templates(figs["projection"].to_plotly_json()))


def test_exemplar_grid_and_cards_carry_payloads_as_plain_values() -> None:
    grid = insights_cards.exemplar_grid("g", [{"cluster": 1, EVIL[0]: EVIL[1]}], [EVIL[0]])
    assert grid.columnDefs[1]["headerName"] == EVIL[0]
    assert grid.rowData[0]["c0"] == EVIL[1]
    assert not any("cellRenderer" in d for d in grid.columnDefs)  # AG Grid shows values as text
    card = insights_cards.cluster_card({"cluster": 1, "name": EVIL[3], "size": 3, "share": 0.5, "lifts": {}})
    assert EVIL[3] in str(card)


def test_downloads_neutralise_formulas_in_headers_cells_and_cluster_names() -> None:
    df = pd.DataFrame({p: [p, "ok"] for p in corpus_script.FORMULA_PAYLOADS})
    df["likes"] = [-3, 4]
    labelled = export.labelled_frame(df, np.array([1, 2]), np.array(["train", "test"]), {1: "=1+1", 2: "@x"})
    back = pd.read_csv(io.BytesIO(export.to_csv_bytes(labelled)), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    cells = [*back.columns, *back.drop(columns="likes").to_numpy().ravel()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert back.columns[0] == "'" + corpus_script.FORMULA_PAYLOADS[0]
    assert list(back["likes"]) == ["-3", "4"]  # numbers are never touched
    assert list(back["cluster_name"]) == ["'=1+1", "'@x"]
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(labelled)))
    cells = [c for row in wb["posts"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    header = [c.value.replace("_x000D_", "\r") for c in wb["posts"][1]]  # openpyxl keeps OOXML's CR escape
    assert header[: len(corpus_script.FORMULA_PAYLOADS)] == list(corpus_script.FORMULA_PAYLOADS)
    assert all(c.quotePrefix for c in wb["posts"][1][: len(corpus_script.FORMULA_PAYLOADS)])


# --------------------------------------------------------------------------- Excel hardening
def test_openpyxl_parses_with_defusedxml() -> None:
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


def test_entity_bomb_inside_the_sheet_is_refused_by_defusedxml_too() -> None:
    """A DTD hidden after 4 KB of comments slips past the quick scan; defusedxml still refuses it."""
    good = corpus_script.billion_laughs()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    padded = []
    for name, data in members:
        if name == "xl/sharedStrings.xml":
            head, rest = data.split(b"\n", 1)
            data = head + b"\n" + b"<!--" + b"x" * 8192 + b"-->" + rest
        padded.append((name, data))
    with pytest.raises(CorruptFileError) as err:
        ingest(corpus_script._zip(padded), "padded.xlsx")
    assert "damaged" in str(err.value)


def test_a_workbook_too_big_when_unpacked_is_refused_before_parsing() -> None:
    data = corpus_script.workbook([["caption"], *[["summer sale " * 20]] * 3000])  # unpacks ~50x
    with pytest.raises(TooLargeError, match="Unpacked, this workbook would take"):
        ingest(data, "h.xlsx", IngestLimits(max_bytes=len(data)))


# --------------------------------------------------------------------------- limits through the app
@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="h" * 48,
                        max_upload_bytes=4000, max_rows=30, max_columns=5)
    return create_app(settings), root


def _post(client, name: str, data: bytes):
    return client.post("/api/upload", data=data, headers={"X-Filename": name,
                                                          "Content-Type": "application/octet-stream"})


def test_limits_answer_413_with_a_sentence_the_page_shows(small_app) -> None:
    app, root = small_app
    client = app.server.test_client()
    size = _post(client, "big.csv", b"a,b\n" + b"1,2\n" * 2000)
    assert size.status_code == 413
    assert size.get_json()["error"].startswith("The file is larger than the 3.9 KB this server accepts.")
    rows = _post(client, "rows.csv", corpus_script.csv_text(corpus_script.POST_HEADER[3:],
                                                             [[1, 2, 3]] * 40).encode())
    assert rows.status_code == 413
    assert rows.get_json()["error"] == "The file has more than 30 rows; this server accepts up to 30 rows."
    cols = _post(client, "cols.csv", corpus_script.csv_text([f"c{i}" for i in range(8)], [[1] * 8]).encode())
    assert cols.status_code == 413
    assert cols.get_json()["error"] == "The file has 8 columns; this server accepts up to 5 columns."
    ok = _post(client, "ok.csv",
               corpus_script.csv_text(corpus_script.POST_HEADER[3:], [[1, 2, 3]] * 20).encode())
    assert ok.status_code == 200 and ok.get_json()["rows"] == 20
    assert list((root / "data" / "uploads").glob("*")) == []  # streamed temp files are always removed
    _store, alert = upload_cb.on_upload_result(rows.get_json(), None)
    assert alert.children == rows.get_json()["error"]
