"""The 1M-row export through all six pages in headless Chromium against gunicorn, timing each page.

``python -m benchmarks.browser_1m [--size 1M] [--out benchmarks/out/browser_1m.json]`` (not part of
``make test``: it takes minutes). Starts gunicorn (2 workers, free loopback port, stopped by pid), uploads the
generated file through ``#upload-data input[type=file]`` like a user, walks EDA → Preprocess → Cluster (sweep,
run with the recommended k) → Evaluate → Insights, downloads the labelled CSV and checks it: every row, the
original columns, cluster 1..k, a 20 % test split. Prints each page's time (click to content shown).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "browser_1m.json"
SLOW = 1800.0


def chrome(download_dir: Path):
    """Headless Chromium with the test suite's options (tests/conftest.py) and dash.testing's flags."""
    from selenium import webdriver

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import pytest_setup_options

    options = pytest_setup_options()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    return driver


def wait(what: str, predicate: Callable[[], object], timeout: float = SLOW) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # stale or not yet rendered elements: keep polling
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def text(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def click(driver, selector: str) -> None:
    from selenium.webdriver.common.by import By

    def ready():
        el = driver.find_element(By.CSS_SELECTOR, selector)
        return el if el.is_enabled() else None

    el = wait(selector, ready, 60)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", el)


def walk(url: str, source: Path, downloads: Path) -> dict:
    from selenium.webdriver.common.by import By

    driver = chrome(downloads)
    times: dict[str, float] = {}

    def page(name: str, action: Callable[[], None], done: Callable[[], object]) -> None:
        start = time.perf_counter()
        action()
        wait(name, done)
        times[name] = time.perf_counter() - start
        print(f"  {name:<22} {times[name]:8.1f} s   load {os.getloadavg()[0]:.1f}", flush=True)

    def nav(step: str) -> Callable[[], None]:
        return lambda: (driver.execute_script("window.scrollTo(0, 0);"), click(driver, f"#nav-step-{step}"))

    try:
        for attempt in range(3):  # a fresh worker answered a dash asset with 500 once: load the page again
            driver.get(url + "/upload")
            try:
                wait("upload page", lambda: driver.find_elements(By.CSS_SELECTOR, "#upload-data input"), 60)
                break
            except TimeoutError:
                if attempt == 2:
                    raise
        upload_input = driver.find_element(By.CSS_SELECTOR, "#upload-data input[type=file]")
        page("upload", lambda: upload_input.send_keys(str(source)),
             lambda: " rows" in text(driver, "#upload-summary"))  # fmt: skip
        summary = text(driver, "#upload-summary")
        page("eda", nav("eda"), lambda: driver.find_elements(By.CSS_SELECTOR, "#eda-content .js-plotly-plot"))
        page(
            "preprocess", nav("preprocess"), lambda: "training" in text(driver, "#preprocess-content").lower()
        )
        page(
            "cluster: sweep",
            nav("cluster"),
            lambda: "We recommend k =" in text(driver, "#cluster-sweep-rule"),
        )
        k = int(text(driver, "#cluster-sweep-rule").split("k = ")[1].split(".")[0])
        page("cluster: run", lambda: click(driver, "#cluster-run"),
             lambda: "Done:" in text(driver, "#cluster-status"))  # fmt: skip
        status = text(driver, "#cluster-status")
        page("evaluate", nav("evaluate"), lambda: "Davies-Bouldin" in text(driver, "#evaluate-metrics"))
        links = "#insights-download-csv[href^='/download/']"
        page("insights", nav("insights"), lambda: driver.find_elements(By.CSS_SELECTOR, links))

        def finished() -> Path | None:
            done = [p for p in downloads.glob("*.csv") if p.stat().st_size > 0]
            return done[0] if done and not list(downloads.glob("*.crdownload")) else None

        page("download csv", lambda: click(driver, "#insights-download-csv"), finished)
        logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    finally:
        driver.quit()
    return {"times": times, "k": k, "summary": summary, "status": status, "csv": str(finished()),
            "console_errors": logs}  # fmt: skip


def check(csv_path: Path, source: Path, k: int) -> dict:
    """The download holds every row, the original columns, cluster 1..k and a 20 % test split."""
    original = pd.read_csv(source, usecols=["post_id", "likes"])
    labelled = pd.read_csv(csv_path, encoding="utf-8-sig", usecols=["post_id", "likes", "cluster", "split"])
    header = pd.read_csv(csv_path, encoding="utf-8-sig", nrows=0).columns.tolist()
    source_header = pd.read_csv(source, nrows=0).columns.tolist()
    checks = {
        "rows": len(labelled) == len(original),
        "original columns first": header[: len(source_header)] == source_header,
        "clusters 1..k": set(labelled["cluster"]) == set(range(1, k + 1)),
        "20% test": int((labelled["split"] == "test").sum()) == round(0.2 * len(original)),
        "same posts in order": labelled["post_id"].astype(str).tolist()
        == original["post_id"].astype(str).tolist(),
        "same likes": bool((labelled["likes"].to_numpy() == original["likes"].to_numpy()).all()),
    }
    return {"rows": len(labelled), "checks": checks, "ok": all(checks.values())}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.generate import SIZES, ensure
    from tests import server_utils

    parser = argparse.ArgumentParser(description="the 1M-row file through all six pages in the browser")
    parser.add_argument("--size", default="1M", help=f"one of {', '.join(SIZES)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    source = ensure(args.size)
    server_utils.MAX_LIFETIME = int(SLOW * 2)  # the walk outlives the tests' 10-minute server cap
    with tempfile.TemporaryDirectory(prefix="socialdash-browser-1m-") as tmp:
        root = Path(tmp)
        downloads = root / "downloads"
        downloads.mkdir()
        env = {"SOCIALDASH_TIMEOUT": "900", "SOCIALDASH_ACCESS_LOG": "off", "OMP_WAIT_POLICY": "passive"}
        print(f"{source.name} ({source.stat().st_size / 1e6:,.1f} MB) through the browser; "
              f"load {os.getloadavg()}", flush=True)  # fmt: skip
        with server_utils.gunicorn_server(root, workers=2, env=env) as web:
            res = walk(web.url, source, downloads)
        res.update(check(Path(res["csv"]), source, res["k"]))
    res["total_s"] = sum(res["times"].values())
    res["load_average_at_end"] = os.getloadavg()
    print(f"total {res['total_s']:.1f} s; k = {res['k']}; {res['status']}")
    print(
        f"download: {res['rows']:,} rows; checks {res['checks']}; "
        f"console errors: {len(res['console_errors'])}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, default=str))
    return 0 if res["ok"] and not res["console_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
