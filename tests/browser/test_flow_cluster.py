"""Browser flow 4: the Cluster page's states — cached revisit in the foreground, cancel, no data, error.

Also measures the page's cold and cached time on Live.csv (sample → Cluster → sweep shown → Run → done) and
writes them to screenshots/cluster-timing.json for the notes; the times are reported, not asserted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_support import SCREENSHOTS, SLOW, click, go, screenshot, start, text_of

from socialdash import caching

pytestmark = pytest.mark.browser

# Records the last click and every Dash callback request (fetch): a step's time is "the click → the last
# answer of the callback chain it started", and the browser's long tasks (rendering) in between.
_WATCH_NETWORK = """
if (!window.__dashNet) {
  const net = window.__dashNet = {pending: 0, last: 0, clickAt: 0, requests: 0, busy: 0};
  document.addEventListener('click', () => { net.clickAt = performance.now(); }, true);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= net.clickAt) net.busy += e.duration;
  }).observe({entryTypes: ['longtask']});
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (!url.includes('_dash-update-component')) return orig.apply(this, arguments);
    net.pending += 1; net.requests += 1;
    return orig.apply(this, arguments).finally(() => { net.pending -= 1; net.last = performance.now(); });
  };
}
"""
# Notes whether the sweep's or the run's progress box was ever shown (a background job ran).
_WATCH_JOBS = """
window.__jobsShown = [];
new MutationObserver(() => {
  for (const id of ['cluster-sweep-working', 'cluster-run-working']) {
    const el = document.getElementById(id);
    const shown = el && !el.className.includes('d-none');
    if (shown && !window.__jobsShown.includes(id)) window.__jobsShown.push(id);
  }
}).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
"""


def _timed(dash_duo, action, ready, timeout: float = SLOW) -> dict:
    """Seconds from the click in ``action`` until ``ready()`` holds and the callback chain it started has
    answered (nothing pending for 0.6 s); with the number of callback requests and the seconds the browser
    spent in long tasks (mostly Plotly drawing) meanwhile."""
    driver = dash_duo.driver
    driver.execute_script("Object.assign(window.__dashNet, {requests: 0, busy: 0, clickAt: 1e12});")
    action()
    deadline = time.monotonic() + timeout
    while True:
        net = driver.execute_script("return Object.assign({now: performance.now()}, window.__dashNet)")
        if net["pending"] == 0 and net["now"] - net["last"] > 600 and ready():
            return {
                "seconds": round((net["last"] - net["clickAt"]) / 1000, 3),
                "requests": int(net["requests"]),
                "browser_busy_seconds": round(net["busy"] / 1000, 3),
            }
        assert time.monotonic() < deadline, f"not ready after {timeout} s"
        time.sleep(0.05)


def _has(dash_duo, selector: str, words: str) -> bool:
    try:
        return words in dash_duo.find_element(selector).text
    except Exception:  # re-rendered between find and read
        return False


def _sample(dash_duo) -> None:
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    click(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)


def _upload(dash_duo, path: Path, rows: str) -> None:
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=20)
    dash_duo.find_element("#upload-data input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#upload-summary", rows, timeout=SLOW)


def test_cached_revisit_renders_in_the_foreground_and_is_fast(dash_duo):
    _sample(dash_duo)
    caching.clear()  # a cold start for the measurement (the flow app's cache is shared within the process)
    dash_duo.driver.execute_script(_WATCH_NETWORK)

    sweep_cold = _timed(
        dash_duo,
        lambda: go(dash_duo, "cluster"),
        lambda: _has(dash_duo, "#cluster-sweep-rule", "We recommend k ="),
    )
    k = int(dash_duo.find_element("#cluster-k").get_attribute("value"))
    screenshot(dash_duo, "cluster-1b-sweep-shown")
    run_cold = _timed(
        dash_duo,
        lambda: click(dash_duo, "#cluster-run"),
        lambda: _has(dash_duo, "#cluster-status", "Done:"),
    )
    assert text_of(dash_duo, "#cluster-status") == f"Done: {k} clusters on 5,640 training posts."
    assert dash_duo.find_element("#cluster-next").is_displayed()  # the next step: Evaluate
    screenshot(dash_duo, "cluster-4-done")

    go(dash_duo, "upload")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)
    dash_duo.driver.execute_script(_WATCH_JOBS)
    calls = dict(caching.SERVICE_CALLS)
    revisit = _timed(
        dash_duo,
        lambda: go(dash_duo, "cluster"),
        lambda: (
            _has(dash_duo, "#cluster-sweep-rule", "We recommend k =")
            and _has(dash_duo, "#cluster-status", f"Done: {k} clusters")
        ),
    )
    rerun = _timed(
        dash_duo,
        lambda: click(dash_duo, "#cluster-run"),
        lambda: _has(dash_duo, "#cluster-status", f"Done: {k} clusters"),
    )
    assert dash_duo.driver.execute_script("return window.__jobsShown") == []  # no background job ran
    assert dict(caching.SERVICE_CALLS) == calls  # nothing was computed again
    assert dash_duo.find_element("#cluster-k").get_attribute("value") == str(k)

    cold = sweep_cold["seconds"] + run_cold["seconds"]
    cached = revisit["seconds"] + rerun["seconds"]
    timing = {
        "dataset": "Live.csv (sample)",
        "cold": {"open_to_sweep_shown": sweep_cold, "run_to_done": run_cold, "seconds": round(cold, 2)},
        "cached": {"open_to_sweep_and_run_shown": revisit, "run_to_done": rerun, "seconds": round(cached, 3)},
        "cached_over_cold": round(cached / cold, 4),
    }
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "cluster-timing.json").write_text(json.dumps(timing, indent=2))
    print("cluster page timing:", json.dumps(timing))
    assert dash_duo.get_logs() == []


def _slow_csv(folder: Path, rows: int = 60_000, metrics: int = 40) -> Path:
    """Structureless posts with many metrics: KMeans converges slowly on noise, so the sweep (~7 s) and a
    10-cluster run (~15 s) last long enough to be cancelled on a quiet machine too."""
    rng = np.random.default_rng(7)
    names = [f"m{i:02d}" for i in range(metrics)]
    frame = pd.DataFrame(rng.normal(size=(rows, metrics)).round(3), columns=names)
    path = folder / "many_posts.csv"
    frame.to_csv(path, index=False)
    return path


def test_cancel_sweep_and_run_leave_the_page_usable(dash_duo, tmp_path):
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/cluster")  # no data yet: guidance, no controls
    dash_duo.wait_for_contains_text("#cluster-guide", "There is no data yet", timeout=30)
    assert not dash_duo.find_element("#cluster-body").is_displayed()
    screenshot(dash_duo, "cluster-0-no-data")

    go(dash_duo, "upload")
    _upload(dash_duo, _slow_csv(tmp_path), "60,000 rows")
    go(dash_duo, "cluster")
    dash_duo.wait_for_element("#cluster-sweep-working:not(.d-none)", timeout=SLOW)
    dash_duo.wait_for_contains_text("#cluster-sweep-note", "Scoring 9 possible cluster counts", timeout=SLOW)
    assert not dash_duo.find_element("#cluster-run").is_enabled()  # Run waits for the sweep (or a cancel)
    screenshot(dash_duo, "cluster-1-sweeping")

    click(dash_duo, "#cluster-sweep-cancel")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "You cancelled the scoring", timeout=30)
    dash_duo.wait_for_element("#cluster-sweep-working.d-none", timeout=30)
    assert dash_duo.find_element("#cluster-sweep-restart").is_displayed()
    assert dash_duo.find_element("#cluster-run").is_enabled()
    screenshot(dash_duo, "cluster-2-sweep-cancelled")

    click(dash_duo, "#cluster-sweep-restart")  # "Score again" starts it over; cancel once more
    dash_duo.wait_for_element("#cluster-sweep-working:not(.d-none)", timeout=30)
    assert not dash_duo.find_element("#cluster-sweep-restart").is_displayed()
    click(dash_duo, "#cluster-sweep-cancel")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "You cancelled the scoring", timeout=30)

    box = dash_duo.find_element("#cluster-k")  # the user picks k without the sweep, runs, then cancels
    dash_duo.clear_input(box)
    box.send_keys("10")
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_element("#cluster-run-working:not(.d-none)", timeout=30)
    dash_duo.wait_for_contains_text("#cluster-run-note", "Clustering your posts into 10 groups", timeout=30)
    screenshot(dash_duo, "cluster-3-running")
    click(dash_duo, "#cluster-cancel")
    dash_duo.wait_for_contains_text("#cluster-status", "You cancelled the clustering", timeout=30)
    dash_duo.wait_for_element("#cluster-run-working.d-none", timeout=30)
    assert dash_duo.find_element("#cluster-run").is_enabled()
    assert not dash_duo.find_element("#cluster-results").is_displayed()
    go(dash_duo, "evaluate")  # nothing was clustered: Evaluate still points back to Cluster
    dash_duo.wait_for_contains_text("#evaluate-guide", "Run the clustering", timeout=60)
    assert dash_duo.get_logs() == []


def test_a_sweep_that_cannot_work_shows_a_sentence(dash_duo, tmp_path):
    path = tmp_path / "same_posts.csv"
    path.write_text("post,likes,shares\n" + "".join(f"p{i},5,1\n" for i in range(6)), encoding="utf-8")
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    _upload(dash_duo, path, "6 rows")
    go(dash_duo, "cluster")
    dash_duo.wait_for_element("#cluster-alert .alert", timeout=SLOW)
    message = text_of(dash_duo, "#cluster-alert")
    assert message and "Traceback" not in message
    assert dash_duo.find_element("#cluster-run").is_enabled()
    assert "message above says why" in text_of(dash_duo, "#cluster-sweep-rule")
    screenshot(dash_duo, "cluster-5-error")
    assert dash_duo.get_logs() == []
