"""Evaluate and Insights revisits: the remembered view sends the first visit's JSON and computes nothing; the
download link and the handle checks still hold when the cache or the handle file is gone."""

from __future__ import annotations

import json
from contextvars import copy_context
from dataclasses import replace

import flask
import pytest
from app_support import upload_live
from dash import no_update
from plotly.io.json import config as json_config
from plotly.io.json import to_json_plotly

from socialdash import caching
from socialdash.app import create_app
from socialdash.callbacks import evaluate as cb_evaluate
from socialdash.callbacks import insights as cb_insights
from socialdash.callbacks.common import choices_of, mark_done
from socialdash.settings import Settings
from socialdash.web.handles import SID_KEY, HandleError, ensure_sid, resolve

K = 3
PAGES = {  # page: (keys callback, foreground view callback, background job callback, outputs they share)
    "evaluate": (cb_evaluate.evaluate_keys, cb_evaluate.evaluate_view, cb_evaluate.evaluate_content, 8),
    "insights": (cb_insights.insights_keys, cb_insights.insights_view_cb, cb_insights.insights_content, 14),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("revisits")
    return create_app(Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="r" * 48))


def upload(app) -> tuple[str, dict]:
    """A new session that uploaded Live.csv: (session id, store)."""
    with app.server.test_request_context("/"):
        sid = ensure_sid()
        store = upload_live(app)
    return sid, store


def in_session(app, sid: str, fn):
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask.session[SID_KEY] = sid
        return copy_context().run(fn)


@pytest.fixture(scope="module")
def clustered(app):
    """A session whose run (k = 3) the Cluster page computed: (session id, store)."""
    sid, store = upload(app)
    store = {**mark_done(store, "cluster"), "k": K}
    in_session(app, sid, lambda: caching.run(resolve(store["handle"]), replace(choices_of(store), k=K)))
    return sid, store


def visit(app, sid: str, store: dict, page: str) -> tuple:
    keys, view, _job, _n = PAGES[page]
    return in_session(app, sid, lambda: view(keys(True, store, None)[1], store))


@pytest.mark.parametrize("page", PAGES)
def test_a_revisit_sends_the_first_visits_json_and_computes_nothing(app, clustered, page):
    sid, store = clustered
    keys, _view, job, n = PAGES[page]
    first = visit(app, sid, store, page)
    before = caching.SERVICE_CALLS.copy()
    again = visit(app, sid, store, page)
    assert caching.SERVICE_CALLS - before == {}  # nothing computed or drawn again
    assert first[-1] is no_update and again[-1] is no_update  # no background job started
    drawn = in_session(app, sid, lambda: job(keys(True, store, None)[1], store))  # built from the run
    sent = to_json_plotly(list(drawn[:n]))
    assert to_json_plotly(list(first[:n])) == sent and to_json_plotly(list(again[:n])) == sent
    assert '"layout":' in sent  # the figures
    if page == "evaluate":
        assert "Davies-Bouldin" in sent
    else:
        assert json.loads(sent)[6].startswith(f"/download/{store['handle']}/")


def test_with_plotlys_json_engine_a_revisit_sends_plain_data(app, clustered, monkeypatch):
    sid, store = clustered
    visit(app, sid, store, "evaluate")  # remembered with the default (orjson) engine
    monkeypatch.setattr(json_config, "default_engine", "json")
    again = visit(app, sid, store, "evaluate")
    drawn = in_session(app, sid, lambda: cb_evaluate.evaluate_content({"k": K}, store))
    assert json.loads(to_json_plotly(list(again[:8]))) == json.loads(to_json_plotly(list(drawn)))


def test_the_download_link_works_after_the_cache_forgot_it(app, clustered):
    sid, store = clustered
    csv_href = visit(app, sid, store, "insights")[6]
    run_key = csv_href.rsplit("/", 1)[-1].removesuffix(".csv")
    sha = in_session(app, sid, lambda: resolve(store["handle"]))
    caching.cache.delete(f"download:{sha}:{run_key}")
    assert caching.download_choices(sha, run_key) is None
    assert visit(app, sid, store, "insights")[6] == csv_href  # the revisit gives the link back ...
    assert caching.download_choices(sha, run_key).k == K  # ... and it works again
    client = app.server.test_client()
    with client.session_transaction() as sess:
        sess[SID_KEY] = sid
    assert client.get(csv_href).status_code == 200


def test_a_handle_read_before_is_refused_once_its_file_is_gone_or_for_another_session(app):
    sid, store = upload(app)
    handle = store["handle"]
    assert len(in_session(app, sid, lambda: resolve(handle))) == 64
    with pytest.raises(HandleError):
        in_session(app, "someone-else-entirely", lambda: resolve(handle))
    (app.server.extensions["socialdash_handles"].root / f"{handle}.json").unlink()
    with pytest.raises(HandleError):
        in_session(app, sid, lambda: resolve(handle))
