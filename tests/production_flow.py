"""The sample-dataset flow through all six pages, driven in dash_duo's browser against any server URL.

Used by the production tests (gunicorn with several workers, Redis + Celery); the page steps are the pages B
engineer's (tests/browser/flow_support.py).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from flow_support import allow_downloads, click, text_of, wait_for_file
from selenium.common.exceptions import WebDriverException

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "socialdash" / "data" / "Live.csv"
SAMPLE_SHA = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
SLOW = 240  # seconds for one cold background step on 2 cores busy with other work

# Records every distinct label of the k-sweep progress bar while the page runs (in-app navigation keeps it).
_WATCH_PROGRESS = """
window.__sweepProgress = [];
new MutationObserver(() => {
  const bar = document.querySelector('#cluster-sweep-progress');
  const text = bar ? bar.innerText.trim() : '';
  const seen = window.__sweepProgress;
  if (text && seen[seen.length - 1] !== text) seen.push(text);
}).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
"""


@dataclass
class FlowResult:
    k: int
    csv: Path
    csv_href: str
    sweep_progress: list[str]


def press(dash_duo, selector: str, timeout: float = 60) -> None:
    """Wait for ``selector`` and click it like a user; retry while a loading overlay covers it."""
    dash_duo.wait_for_element(selector, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            click(dash_duo, selector)
            return
        except WebDriverException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def go(dash_duo, step: str) -> None:
    """Click the navbar link of ``step`` (scrolled into view) and wait for the URL."""
    press(dash_duo, f"#nav-step-{step}")
    deadline = time.monotonic() + 15
    while not dash_duo.driver.current_url.rstrip("/").endswith(f"/{step}"):
        assert time.monotonic() < deadline, dash_duo.driver.current_url
        time.sleep(0.1)


def walk(dash_duo, base_url: str, download_dir: Path) -> FlowResult:
    """Upload the sample, visit EDA and Preprocess, sweep k, run the recommended k, read the metrics and the
    insights, download the labelled CSV; assert what a user sees on the way."""
    dash_duo.server_url = f"{base_url}/upload"  # navigates and waits for the Dash renderer
    press(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)
    assert "16 columns" in text_of(dash_duo, "#upload-summary")

    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content", timeout=60)
    go(dash_duo, "preprocess")
    dash_duo.wait_for_element("#preprocess-content", timeout=60)

    dash_duo.driver.execute_script(_WATCH_PROGRESS)
    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    progress = list(dash_duo.driver.execute_script("return window.__sweepProgress || []"))
    k = int(re.search(r"k = (\d+)", text_of(dash_duo, "#cluster-sweep-rule"))[1])
    assert dash_duo.find_element("#cluster-k").get_attribute("value") == str(k)
    press(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done:", timeout=SLOW)
    assert text_of(dash_duo, "#cluster-status").startswith(f"Done: {k} clusters on ")

    go(dash_duo, "evaluate")
    dash_duo.wait_for_contains_text("#evaluate-metrics", "Davies-Bouldin", timeout=SLOW)
    metrics = text_of(dash_duo, "#evaluate-metrics")
    for word in ("Silhouette", "Calinski-Harabasz", "Davies-Bouldin", "Train", "Test"):
        assert word in metrics

    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    assert len(dash_duo.find_elements("#insights-cards .card")) == k
    href = dash_duo.find_element("#insights-download-csv").get_attribute("href")
    allow_downloads(dash_duo, download_dir)
    press(dash_duo, "#insights-download-csv")
    csv = wait_for_file(download_dir, ".csv", timeout=SLOW)
    labelled = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(labelled) == 7050
    assert set(labelled["cluster"]) == set(range(1, k + 1))
    assert set(labelled["split"]) == {"train", "test"}
    time.sleep(0.5)
    assert dash_duo.get_logs() == []
    path = href.split("://", 1)[1].split("/", 1)[1]
    return FlowResult(k=k, csv=csv, csv_href="/" + path, sweep_progress=progress)


def session_cookie(dash_duo) -> str:
    """The browser's ``Cookie`` header value for the app (the signed session)."""
    return "; ".join(f"{c['name']}={c['value']}" for c in dash_duo.driver.get_cookies())
