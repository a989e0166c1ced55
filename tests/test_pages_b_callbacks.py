"""Cluster, Evaluate and Insights callbacks called as plain functions, and the download route (pages B)."""

from __future__ import annotations

import io
import json
from contextvars import copy_context
from dataclasses import replace

import pandas as pd
import pytest
from app_support import upload_live
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from socialdash import caching
from socialdash.app import create_app
from socialdash.callbacks import _run_state
from socialdash.callbacks import cluster as cb_cluster
from socialdash.callbacks import evaluate as cb_evaluate
from socialdash.callbacks import insights as cb_insights
from socialdash.callbacks.common import choices_of, mark_done, with_choices
from socialdash.settings import Settings
from socialdash.web.downloads import download_name
from socialdash.web.handles import SID_KEY, ensure_sid


def _text(component) -> str:
    return json.dumps(component, default=lambda o: o.to_plotly_json(), ensure_ascii=False)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages_b")
    return create_app(Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="s" * 48))


@pytest.fixture(scope="module")
def session(app):
    """A request context with a session id, and the session store after uploading Live.csv."""
    with app.server.test_request_context("/"):
        sid = ensure_sid()
        yield sid, upload_live(app)


def run_in_context(fn, *args, triggered: str):
    """Call a callback that reads ``ctx.triggered_id`` as Dash would after ``triggered`` fired."""

    def call():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": triggered, "value": 1}]))
        return fn(*args)

    return copy_context().run(call)


# ----------------------------------------------------------------------------- guards (no data, no run)
def test_pages_without_data_guide_to_upload():
    guide, key, show_k, body = cb_cluster.cluster_keys(True, None, None)
    assert "Go to Upload" in _text(guide) and "/upload" in _text(guide)
    assert key is no_update and show_k is None and body == {"display": "none"}
    for keys in (cb_evaluate.evaluate_keys, cb_insights.insights_keys):
        guide, key = keys(True, {}, None)
        assert "There is no data yet" in _text(guide) and key is no_update


def test_results_pages_without_a_run_guide_to_cluster():
    store = {"handle": "h" * 32, "choices": {}, "k": None, "done": ["upload"]}
    guide, key = cb_evaluate.evaluate_keys(True, store, None)
    assert "/cluster" in _text(guide) and "Run the clustering" in _text(guide)
    store_k = {**store, "k": 3}
    guide, key = cb_insights.insights_keys(True, store_k, None)
    assert guide is None and key == {"handle": "h" * 32, "choices": {}, "k": 3}
    assert cb_insights.insights_keys(True, mark_done(store_k, "evaluate"), key) == (no_update, no_update)


def test_sweep_key_ignores_k_and_parse_k_accepts_whole_numbers_only():
    a = {"handle": "h", "choices": {"k": 3, "seed": 1}, "k": 3}
    b = {"handle": "h", "choices": {"k": 5, "seed": 1}, "k": 5}
    assert cb_cluster.sweep_key_of(a) == cb_cluster.sweep_key_of(b) == {"handle": "h", "choices": {"seed": 1}}
    assert [cb_cluster.parse_k(v) for v in (4, "4", 4.0, 2, 30)] == [4, 4, 4, 2, 30]
    assert [cb_cluster.parse_k(v) for v in (None, "", "x", 1, 31, 3.5)] == [None] * 6


def test_download_name_from_the_upload_name():
    assert download_name("Live.csv", "csv") == "Live-clustered.csv"
    assert download_name("Live.csv (sample)", "xlsx") == "Live-clustered.xlsx"
    assert download_name("my posts/../x.csv", "json") == "x-clustered-report.json"
    assert download_name(None, "csv") == "posts-clustered.csv"


# ----------------------------------------------------------------------------- the real flow on Live.csv
SWEEP_KEY, SWEEP_CANCEL = "cluster-sweep-key.data", "cluster-sweep-cancel.n_clicks"
RUN, SHOW_K, RUN_CANCEL = "cluster-run.n_clicks", "cluster-show-k.data", "cluster-cancel.n_clicks"


def sweep_view(key, store, triggered=SWEEP_KEY):
    return run_in_context(cb_cluster.cluster_sweep_view, key, 0, 0, store, triggered=triggered)


def run_view(store, k_value=None, show_k=None, triggered=RUN, shown=None):
    view = cb_cluster.cluster_run_view
    return run_in_context(view, 1, show_k, 0, k_value, store, shown, triggered=triggered)


def test_cluster_sweep_run_evaluate_insights_and_download(app, session):
    sid, store = session
    with app.server.test_request_context("/"):
        import flask

        flask.session[SID_KEY] = sid
        guide, key, show_k, _body = cb_cluster.cluster_keys(True, store, None)
        assert guide is None and key["handle"] == store["handle"] and show_k is None

        # cold: the foreground view finds no cached sweep and starts the background job
        sha, chosen = _sha(store), choices_of(store)
        assert caching.cached_sweep(sha, chosen) is None
        *shown, job = sweep_view(key, store)
        assert job["key"] == key and shown[1] == {"display": "none"} and shown[4] is None
        progress: list = []
        ready = cb_cluster.cluster_sweep(progress.append, job, store)
        assert ready["error"] is None and ready["nonce"] == job["nonce"]
        assert progress[-1] == (100, "9 of 9", "Scoring 9 possible cluster counts… 9 of 9 done.")
        fig, style, rule, k_value, alert, restart = cb_cluster.cluster_sweep_done(ready, store)
        assert alert is None and style == {"display": "block"} and restart == {"display": "none"}
        assert _text(rule).startswith(f'[{{"props": {{"children": "We recommend k = {k_value}."')
        assert len([t for t in fig.data if t.mode == "lines+markers"]) == 4

        calls = caching.SERVICE_CALLS["run"]
        *shown, status, _store, job = run_view(store, k_value=k_value)
        assert job["k"] == k_value and job["save"] is True and status == ""
        ready = cb_cluster.cluster_run(progress.append, job, store)
        assert ready["error"] is None and ready["k"] == k_value
        assert caching.cached_sweep(sha, replace(chosen, k=5)) is not None  # k does not change the sweep
        assert caching.run_view_cached(sha, replace(chosen, k=k_value))
        assert not caching.run_view_cached(sha, replace(chosen, k=k_value + 1))
        projection, sizes, _style, status, new = cb_cluster.cluster_run_done(ready, store)
        assert status == f"Done: {k_value} clusters on 5,640 training posts."
        assert new["k"] == k_value and "cluster" in new["done"]
        assert projection.data[0].type == "scattergl"
        assert sum(len(t.x) for t in projection.data) == 5640
        assert sum(sizes.data[0].x) == 5640
        assert caching.SERVICE_CALLS["run"] == calls + 1

        # cached revisit: everything renders in the foreground, no job is started, nothing is computed
        before = dict(caching.SERVICE_CALLS)
        _guide, key2, show_k, _body = cb_cluster.cluster_keys(True, new, None)
        assert key2 == key and show_k == k_value
        fig2, style2, rule2, k2, _alert, _restart, job = sweep_view(key2, new)
        assert job is no_update and style2 == {"display": "block"} and k2 == k_value
        assert _text(rule2) == _text(rule) and len(fig2.data) == len(fig.data)
        again = run_view(new, show_k=show_k, triggered=SHOW_K)
        assert again[3] == status and again[2] == {"display": "block"}
        assert again[4] is no_update and again[5] is no_update  # no store write, no background job
        pressed = run_view(new, k_value=k_value)  # Run again with the same k: also from the cache
        assert pressed[3] == status and pressed[5] is no_update and pressed[4] is no_update  # store unchanged
        assert run_view(new, k_value=k_value, shown=status) == (no_update,) * 6  # already on screen
        assert dict(caching.SERVICE_CALLS) == before  # the revisit came from the cache

        _guide, ekey = cb_evaluate.evaluate_keys(True, new, None)
        content = cb_evaluate.evaluate_content(ekey, new)
        shown, metrics, silhouette, shares, _shares_text, stability, alert, marked = content
        assert alert is None and shown == {"display": "block"} and "evaluate" in marked["done"]
        text = _text(metrics)
        for word in ("Silhouette", "Calinski-Harabasz", "Davies-Bouldin", "Gap (test − train)"):
            assert word in text
        assert len(silhouette.data) == k_value and [t.name for t in shares.data] == ["train", "test"]
        assert "Stability" in _text(stability)

        _guide, ikey = cb_insights.insights_keys(True, new, None)
        out = cb_insights.insights_content(ikey, new)
        shown, cards, heatmap, _mix, _timing, _exemplars, csv_href, xlsx_href, json_href = out[:9]
        assert len(cards.children) == k_value
        assert heatmap.data[0].type == "heatmap"
        assert csv_href.startswith(f"/download/{store['handle']}/") and csv_href.endswith(".csv")
        assert "disabled" not in out[9]
        assert caching.SERVICE_CALLS["run"] == calls + 1

    client = app.server.test_client()
    with client.session_transaction() as sess:
        sess[SID_KEY] = sid
    response = client.get(csv_href)
    assert response.status_code == 200
    assert "filename=Live-clustered.csv" in response.headers["Content-Disposition"]
    labelled = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert len(labelled) == 7050 and {"cluster", "split"} <= set(labelled.columns)
    assert labelled["cluster"].between(1, k_value).all()
    report = client.get(json_href)
    assert report.status_code == 200 and json.loads(report.data)["k"] == k_value
    assert client.get(xlsx_href).data[:2] == b"PK"

    stranger = app.server.test_client()
    assert stranger.get(csv_href).status_code == 403
    assert client.get(csv_href.replace(csv_href.split("/")[3][:4], "ffff", 1)).status_code == 404


def test_other_preprocessing_gives_other_results(app, session):
    sid, store = session
    with app.server.test_request_context("/"):
        import flask

        flask.session[SID_KEY] = sid
        first = with_choices(store, replace(choices_of(store), k=3), "cluster") | {"k": 3}
        spec = caching.default_spec(
            caching.dataset(first["handle"]) if False else _sha(store), choices_of(store)
        )
        robust = with_choices(
            first, replace(choices_of(first), preprocess=replace(spec, scaler="minmax")), "preprocess"
        )
        assert robust["k"] is None  # later pages now guide back to Cluster instead of showing stale results
        guide, _key = cb_evaluate.evaluate_keys(True, robust, None)
        assert "/cluster" in _text(guide)
        second = {**robust, "k": 3}
        a = _text(cb_evaluate.evaluate_content(_run_state.run_key_of(first), first)[1])
        b = _text(cb_evaluate.evaluate_content(_run_state.run_key_of(second), second)[1])
        assert a != b


def _sha(store: dict) -> str:
    from socialdash.web.handles import resolve

    return resolve(store["handle"])


def test_cancel_and_job_failures_give_a_sentence_and_leave_the_page_usable(app, session):
    sid, store = session
    other = with_choices(store, replace(choices_of(store), seed=7), "preprocess")  # nothing cached for it
    with app.server.test_request_context("/"):
        import flask

        flask.session[SID_KEY] = sid
        _guide, key, _show_k, _body = cb_cluster.cluster_keys(True, other, None)
        before = dict(caching.SERVICE_CALLS)
        _fig, style, rule, _k, alert, restart, job = sweep_view(key, other, triggered=SWEEP_CANCEL)
        assert "You cancelled the scoring" in rule and restart == {"display": "block"} and job is no_update
        *_figs, status, saved, job = run_view(other, k_value=3, triggered=RUN_CANCEL)
        assert status == cb_cluster.RUN_CANCELLED and saved is no_update and job is no_update
        *_figs, status, _saved, job = run_view(other, k_value="lots")
        assert status.startswith("Enter a whole number of clusters") and job is no_update
        assert dict(caching.SERVICE_CALLS) == before
        *_shown, job = sweep_view(key, other, triggered="cluster-sweep-restart.n_clicks")  # "Score again"
        assert job["key"] == key

    stranger = {**other, "handle": "x" * 32}  # a handle this session does not own
    with app.server.test_request_context("/"):
        flask.session[SID_KEY] = sid
        ready = cb_cluster.cluster_sweep(lambda _p: None, {"key": key, "nonce": 1}, stranger)
        assert ready["error"] and "Traceback" not in ready["error"]
        _fig, style, _rule, _k, alert, restart = cb_cluster.cluster_sweep_done(ready, stranger)
        assert (
            ready["error"] in _text(alert)
            and style == {"display": "none"}
            and restart == {"display": "block"}
        )
        failed = cb_cluster.cluster_run(lambda _p: None, {"k": 3, "save": True, "nonce": 1}, stranger)
        out = cb_cluster.cluster_run_done(failed, stranger)
        assert failed["error"] in _text(out[3]) and out[4] is no_update
