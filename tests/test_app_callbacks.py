"""Callbacks called as plain functions, inside a request of a browser session that uploaded a file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from dash.exceptions import PreventUpdate

from socialdash.app import create_app
from socialdash.callbacks import eda as eda_cb
from socialdash.callbacks import preprocess as pre_cb
from socialdash.callbacks import shell as shell_cb
from socialdash.callbacks import upload as upload_cb
from socialdash.callbacks.common import new_store
from socialdash.settings import Settings

DATA = Path(__file__).parent / "data"


def plain(fn):
    """@dash.callback returns the function itself: call it like any function."""
    return fn


def text_of(component) -> str:
    """All text in a Dash component tree (what a user would read)."""
    out = []

    def walk(node):
        if node is None:
            return
        if isinstance(node, str | int | float):
            out.append(str(node))
            return
        if isinstance(node, list | tuple):
            for n in node:
                walk(n)
            return
        children = getattr(node, "children", None)
        walk(children)

    walk(component)
    return " ".join(out)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    return create_app(Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="c" * 48))


@pytest.fixture
def session(app):
    """A client whose request context stays open: callbacks see its session like in a real request."""
    client = app.server.test_client()
    with client:
        client.get("/upload")
        yield client


def upload(client, name: str, body: bytes) -> dict:
    r = client.post(
        "/api/upload", data=body, headers={"X-Filename": name, "Content-Type": "application/octet-stream"}
    )
    return r.get_json()


@pytest.fixture
def live_store(session):
    result = upload(session, "Live.csv", (DATA / "Live.csv").read_bytes())
    store = plain(upload_cb.on_upload_result)(result, None)[0]
    session.get("/upload")  # keep a request context of the same session open
    return store


def test_upload_result_becomes_store_and_summary(session):
    result = upload(session, "Live.csv", (DATA / "Live.csv").read_bytes())
    store, alert = plain(upload_cb.on_upload_result)(result, None)
    assert alert is None
    assert store["rows"] == 7050 and store["columns"] == 12 and store["done"] == ["upload"]
    assert store["handle"] == result["handle"] and "sha" not in json.dumps(store)
    session.get("/upload")
    view, shown = plain(upload_cb.render_summary)(store, None)
    words = text_of(view)
    assert "7,050 rows · 12 columns" in words
    assert "The file has 16 columns; 4 empty ones are set aside" in words
    assert "Columns are separated by commas." in words
    assert shown == store["handle"]
    with pytest.raises(PreventUpdate):  # same dataset already shown: no re-render
        plain(upload_cb.render_summary)(store, shown)


def test_upload_error_becomes_alert(session):
    _store, alert = plain(upload_cb.on_upload_result)({"error": "This looks like a binary file."}, {"x": 1})
    assert "binary file" in text_of(alert)


def test_preview_rows_are_capped_and_json_safe(live_store):
    frame = pd.DataFrame({"a": range(200), "when": pd.date_range("2024-01-01", periods=200)})
    rows = upload_cb.preview_rows(frame)
    assert len(rows) == 50
    assert rows[0] == {"c0": 0, "c1": "2024-01-01"}


def test_role_edit_changes_choices_and_resets_later_steps(live_store):
    store = {**live_store, "done": ["upload", "eda", "preprocess", "cluster"], "k": 4}
    rows = upload_cb.role_rows(caching_sha(store), store)
    event = [{"colId": "included", "data": {"column": "num_shares", "included": False}}]
    new_store_, new_rows, included, note = plain(upload_cb.on_roles_edit)(event, rows, store)
    assert included.startswith("10 of 12 columns will be used")
    assert new_store_["choices"]["included"] == {"num_shares": False}
    assert new_store_["done"] == ["upload"] and new_store_["k"] is None
    assert next(r for r in new_rows if r["column"] == "num_shares")["included"] is False
    assert note is None


def caching_sha(store):
    from socialdash.web.handles import resolve

    return resolve(store["handle"])


def test_handle_of_another_session_is_refused(app, live_store):
    other = app.server.test_client()
    with other:
        other.get("/upload")
        view, _ = plain(upload_cb.render_summary)(live_store, None)
        assert "no longer available in this browser session" in text_of(view)


def test_eda_renders_from_aggregates(live_store):
    content, key, alert = plain(eda_cb.render_eda)(live_store, None)
    words = text_of(content)
    assert "7,050 posts and 12 columns." in words
    assert alert is None and key.startswith(live_store["handle"])
    fig, note = plain(eda_cb.update_distribution)("num_comments", True, live_store)
    assert fig.layout.xaxis.type == "log"
    assert "Half of the posts have" in note
    assert len(fig.data[0].x) <= 40  # bins, not rows
    cat = plain(eda_cb.update_categories)("status_type", live_store)
    assert set(cat.data[0].y) >= {"photo", "video"}


def test_no_data_pages_give_guidance():
    content, _key, _ = plain(eda_cb.render_eda)(None, None)
    assert "Upload your posts export" in text_of(content)
    content, _key = plain(pre_cb.render_preprocess)(None, None)
    assert "Go to Upload" in text_of(content)


def test_preprocess_apply_writes_choices_and_preview(live_store):
    content, key = plain(pre_cb.render_preprocess)(live_store, None)
    assert "5,640 training posts" in text_of(content)
    store, alert = plain(pre_cb.apply_choices)(
        1,
        ["num_reactions", "num_comments", "num_shares", "status_type"],
        0.3,
        "time",
        7,
        "median",
        "off",
        "robust",
        10,
        ["hour"],
        False,
        "2",
        live_store,
    )
    spec = store["choices"]["preprocess"]
    assert sorted(spec["metrics"]) == ["num_comments", "num_reactions", "num_shares"]
    assert spec["categoricals"] == ["status_type"] and spec["pca_components"] == 2
    assert store["choices"]["split"]["method"] == "time" and store["choices"]["split"]["test_size"] == 0.3
    assert "Applied" in text_of(alert)
    content, _ = plain(pre_cb.render_preprocess)(store, key)
    words = text_of(content)
    assert "× 2 features" in words and "2 components keep" in words
    assert "newest" in words or "latest" in words or "after" in words


def test_preprocess_apply_without_columns_alerts(live_store):
    _, alert = plain(pre_cb.apply_choices)(
        1, [], 0.2, "random", 42, "median", "auto", "standard", 10, [], False, "0", live_store
    )
    assert "Tick at least one column" in text_of(alert)


def test_navbar_marks_done_steps_and_shows_dataset(live_store):
    steps, badge = shell_cb.update_navbar({**live_store, "done": ["upload", "eda"]}, "/preprocess")
    words = text_of(steps)
    assert words.count("✓") == 2 and "Prepare" in words
    assert "7,050 rows · 12 columns" in text_of(badge)
    assert new_store({"handle": "h", "name": "n", "rows": 1, "columns": 2})["k"] is None
