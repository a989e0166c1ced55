"""Revisits and re-runs with unchanged choices are served from the cache (counted service calls)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from socialdash import caching
from socialdash.app import create_app
from socialdash.callbacks import eda as eda_cb
from socialdash.callbacks import preprocess as pre_cb
from socialdash.services import pipeline
from socialdash.services.pipeline import Choices
from socialdash.settings import Settings

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    return create_app(Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="k" * 48))


@pytest.fixture(params=["Live.csv"])
def session_store(app, request):
    client = app.server.test_client()
    with client:
        body = (DATA / request.param).read_bytes()
        r = client.post("/api/upload", data=body, headers={"X-Filename": request.param})
        result = r.get_json()
        store = {**result, "choices": Choices().to_dict(), "k": None, "done": ["upload"]}
        client.get("/upload")
        yield store


def test_revisiting_eda_and_preprocess_is_served_from_the_cache(session_store):
    caching.clear()
    before = caching.SERVICE_CALLS.copy()
    for _ in range(3):  # three visits of each page, as after navigating back and forth
        eda_cb.render_eda(session_store, None)
        pre_cb.render_preprocess(session_store, None)
    calls = caching.SERVICE_CALLS - before
    assert calls["eda"] == 1
    assert calls["prepare"] == 1
    assert calls["roles"] == 1
    assert calls["load_frame"] <= 1


def test_a_changed_choice_recomputes_but_split_does_not_touch_eda(session_store):
    from socialdash.web.handles import resolve

    caching.clear()
    sha = resolve(session_store["handle"])
    choices = Choices()
    caching.eda_summary(sha, choices)
    caching.features_preview(sha, choices)
    before = caching.SERVICE_CALLS.copy()
    other_split = replace(choices, split=replace(choices.split, test_size=0.3))
    caching.eda_summary(sha, other_split)  # EDA does not depend on the split: cached
    preview = caching.features_preview(sha, other_split)  # the features do: recomputed
    calls = caching.SERVICE_CALLS - before
    assert calls["eda"] == 0 and calls["prepare"] == 1
    assert preview["test_rows"] == 2115


@pytest.mark.parametrize("session_store", ["dataset_Facebook.csv"], indirect=True)
def test_run_with_same_choices_is_cached_and_compact(session_store, monkeypatch):
    from socialdash.web.handles import resolve

    caching.clear()
    sha = resolve(session_store["handle"])
    real_run = pipeline.run
    seen = []

    def counting_run(df, choices, progress=None, **kwargs):
        seen.append(choices.canonical())
        return real_run(df, choices, progress=progress, **kwargs)

    monkeypatch.setattr(caching.pipeline, "run", counting_run)
    choices = Choices(k=4)
    t0 = time.perf_counter()
    cold = caching.run(sha, choices)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = caching.run(sha, choices)
    t_warm = time.perf_counter() - t0
    assert len(seen) == 1
    assert warm["k"] == cold["k"] == 4
    assert (warm["labels"] == cold["labels"]).all() and warm["labels"].dtype.itemsize == 2
    assert warm["test_mask"].sum() == 100 and len(warm["labels"]) == 500
    assert t_warm < t_cold / 5
    print(f"caching.run on dataset_Facebook.csv: cold {t_cold:.2f}s, cached {t_warm * 1000:.1f}ms")
    path = caching.export_path(sha, choices, "csv")
    assert caching.export_path(sha, choices, "csv") == path and path.stat().st_size > 30_000
    assert len(seen) == 1  # the export reused the cached run


def test_page_revisits_send_the_remembered_view(session_store):
    """A revisit (new page load, any worker) gets the view stored at the first visit: same JSON, figures
    stored as plain dicts, nothing computed or drawn again."""
    from plotly.io.json import to_json_plotly

    from socialdash.callbacks import _views
    from socialdash.web.handles import resolve

    caching.clear()
    first, _key, _alert = eda_cb.render_eda(session_store, None)
    pre_first, _ = pre_cb.render_preprocess(session_store, None)
    sha = resolve(session_store["handle"])
    stored = _views.recalled("eda", sha, caching.roles_key(Choices()))
    assert stored is not None and "plotly" not in repr(type(stored))
    before = caching.SERVICE_CALLS.copy()
    again, _key, _alert = eda_cb.render_eda(session_store, None)
    pre_again, _ = pre_cb.render_preprocess(session_store, None)
    assert to_json_plotly(again) == to_json_plotly(first)
    assert to_json_plotly(pre_again) == to_json_plotly(pre_first)
    assert "7,050 posts and 12 columns." in to_json_plotly(again)
    assert caching.SERVICE_CALLS - before == {}
    graphs = [g for g in _walk(again) if getattr(g, "figure", None) is not None]
    assert graphs and all(isinstance(g.figure, dict) for g in graphs)  # no Figure to re-validate


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        yield from _walk(child)
