"""A freshly started gunicorn (2 workers × 4 threads) answers a burst of page + asset requests without a 5xx.

Regression: Dash did its setup lazily in the first request and marked it done *before* doing it, so a
concurrent first request on another thread of a fresh worker got a component-suite script (the polyfill, the
renderer) answered with a 500. A browser then failed to load the page until reloaded.
"""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server_utils import Proc, http_get, start_gunicorn, stop, wait_ready, wait_until

pytestmark = [pytest.mark.server]

THREADED = {"SOCIALDASH_THREADS": "4"}
DASH_ROUTES = ["/upload", "/_dash-layout", "/_dash-dependencies"]
COLD_STARTS = 2
BURST = 48


def _accepting(proc: Proc) -> bool:
    try:
        socket.create_connection(("127.0.0.1", proc.port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _page_assets(html: str) -> list[str]:
    """Every script and stylesheet the page asks the browser to load from this server."""
    urls = re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html)
    return sorted(set(urls))


def _status(url: str) -> int | str:
    try:
        return http_get(url, timeout=40)[0]
    except OSError as err:  # a refused or timed-out request is a failure too, reported as its text
        return f"{type(err).__name__}: {err}"


def _cold_burst(root: Path, paths: list[str]) -> tuple[list[tuple[str, int | str]], Proc]:
    """Start gunicorn and fire ``BURST`` concurrent GETs the moment it accepts connections."""
    proc = start_gunicorn(root, workers=2, env=THREADED)
    try:
        wait_until(lambda: _accepting(proc), 60, "gunicorn listening", proc, interval=0.01)
        urls = [proc.url + paths[i % len(paths)] for i in range(BURST)]
        with ThreadPoolExecutor(16) as pool:  # queued in the listen backlog: served as the workers come up
            statuses = list(pool.map(_status, urls))
        answers = [(url.removeprefix(proc.url), status) for url, status in zip(urls, statuses, strict=True)]
        return answers, proc
    finally:
        stop(proc)


@pytest.mark.timeout(240)
def test_fresh_threaded_workers_serve_the_page_and_every_asset_without_5xx(tmp_path):
    started = time.monotonic()
    probe = start_gunicorn(tmp_path / "probe", workers=1)  # learn the page's asset URLs once
    try:
        wait_ready(probe, 1, timeout=90)
        status, body = http_get(probe.url + "/upload", timeout=30)
        assert status == 200
    finally:
        stop(probe)
    assets = _page_assets(body.decode())
    assert any("polyfill" in url for url in assets), assets
    assert any("dash_renderer" in url for url in assets), assets
    paths = DASH_ROUTES + assets

    for attempt in range(COLD_STARTS):
        answers, proc = _cold_burst(tmp_path / f"cold{attempt}", paths)
        failed = [(path, status) for path, status in answers if not isinstance(status, int) or status >= 500]
        assert failed == [], f"cold start {attempt}: {failed[:5]}\n{proc.output()[-3000:]}"
        assert {status for _, status in answers} <= {200}, answers
        served = {line["path"] for line in proc.access_lines()}
        wanted = {path.split("?", 1)[0] for path in paths}
        assert wanted <= served, wanted - served
        assert "Traceback" not in proc.output(), proc.output()[-3000:]
    assert time.monotonic() - started < 180
