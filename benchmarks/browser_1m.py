"""The 1M-row export through all six pages in headless Chromium against gunicorn, timing each page.

``python -m benchmarks.browser_1m [--size 1M] [--out benchmarks/out/browser_1m.json]`` (not part of
``make test``: it takes minutes). Starts gunicorn (2 workers, free loopback port, stopped by pid), uploads the
generated file through ``#upload-data input[type=file]`` like a user, walks EDA → Preprocess → Cluster (sweep,
run with the recommended k) → Evaluate → Insights, downloads the labelled CSV and checks it: every row, the
original columns, cluster 1..k, a 20 % test split. Prints each page's time (click to content shown and its
charts drawn by Plotly).

Then every page is revisited (``--revisits``, on by default): navigate to another page, then back, and time
until the page's text and all its charts are drawn again — each page's revisit over its own first visit
(target ≤ 0.05×; a revisit cannot be faster than the browser drawing the charts). ``--file`` walks any export
(e.g. tests/data/Live.csv; the download check then only compares rows and columns).
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


#: charts with data that Plotly has drawn inside a container (dcc.Graph draws an empty plot before data)
DRAWN_JS = """return Array.from(document.querySelectorAll(arguments[0] + ' .js-plotly-plot'))
    .filter(g => g.data && g.data.length && g._fullLayout && g.offsetParent !== null).length;"""

#: per page: where its charts are, what text says its content arrived
PAGES: dict[str, tuple[str, str, str]] = {
    "upload": ("#upload-summary", "#upload-summary", " rows"),
    "eda": ("#eda-content", "#eda-content", "posts and"),
    "preprocess": ("#preprocess-content", "#preprocess-content", "training"),
    "cluster": ("#cluster-body", "#cluster-status", "Done:"),
    "evaluate": ("#evaluate-content", "#evaluate-metrics", "Davies-Bouldin"),
    "insights": ("#insights-content", "#insights-content", "Download your labelled posts"),
}


def walk(url: str, source: Path, downloads: Path, revisits: bool = True) -> dict:
    from selenium.webdriver.common.by import By

    driver = chrome(downloads)
    times: dict[str, float] = {}
    charts: dict[str, int] = {}

    def drawn(name: str) -> int:
        return int(driver.execute_script(DRAWN_JS, PAGES[name][0]))

    def shown(name: str) -> bool:
        _charts, selector, words = PAGES[name]
        return words.lower() in text(driver, selector).lower() and drawn(name) >= charts.get(name, 0)

    def page(name: str, action: Callable[[], None], done: Callable[[], object], draws: str = "") -> None:
        """Time ``action`` until ``done``; for a page that draws charts (``draws``), until the last of them
        is drawn (the count stable for 2 s), which also fixes how many its revisits wait for."""
        start = time.perf_counter()
        action()
        wait(name, done)
        end = time.perf_counter()
        if draws:
            last, since = drawn(draws), time.perf_counter()
            while time.perf_counter() - since < 2.0:
                now = drawn(draws)
                if now != last:
                    last, since = now, time.perf_counter()
                    end = since
                time.sleep(0.05)
            charts[draws] = last
        times[name] = end - start
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
        page("eda", nav("eda"), lambda: shown("eda") and drawn("eda"), draws="eda")
        page("preprocess", nav("preprocess"), lambda: shown("preprocess"))
        page(
            "cluster: sweep",
            nav("cluster"),
            lambda: "We recommend k =" in text(driver, "#cluster-sweep-rule"),
        )
        k = int(text(driver, "#cluster-sweep-rule").split("k = ")[1].split(".")[0])
        page("cluster: run", lambda: click(driver, "#cluster-run"),
             lambda: "Done:" in text(driver, "#cluster-status"), draws="cluster")  # fmt: skip
        status = text(driver, "#cluster-status")
        times["cluster"] = times["cluster: sweep"] + times["cluster: run"]  # the page's first visit
        page("evaluate", nav("evaluate"), lambda: shown("evaluate") and drawn("evaluate"), draws="evaluate")
        links = "#insights-download-csv[href^='/download/']"
        page("insights", nav("insights"),
             lambda: driver.find_elements(By.CSS_SELECTOR, links) and shown("insights") and drawn("insights"),
             draws="insights")  # fmt: skip

        def finished() -> Path | None:
            done = [p for p in downloads.glob("*.csv") if p.stat().st_size > 0]
            return done[0] if done and not list(downloads.glob("*.crdownload")) else None

        page("download csv", lambda: click(driver, "#insights-download-csv"), finished)
        revisit: dict[str, float] = {}
        if revisits:
            print("revisits (navigate away, then back; until text and charts are drawn):", flush=True)
            order = list(PAGES)
            for i, name in enumerate(order):
                away = order[i - 1] if i else "insights"
                nav(away)()
                wait(f"{away} (away)", lambda away=away: shown(away))
                best = float("inf")
                for _ in range(3):  # best of 3 revisits
                    nav(away)()
                    wait(f"{away} (away)", lambda away=away: shown(away))
                    start = time.perf_counter()
                    nav(name)()
                    wait(f"{name} revisit", lambda name=name: shown(name))
                    best = min(best, time.perf_counter() - start)
                revisit[name] = best
                ratio = best / times[name]
                print(f"  {name:<22} {best:8.3f} s   {ratio:.3f}x of {times[name]:.2f} s", flush=True)
        logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    finally:
        driver.quit()
    ratios = {name: revisit[name] / times[name] for name in revisit}
    return {"times": times, "revisit": revisit, "revisit_over_cold": ratios, "charts": charts, "k": k,
            "summary": summary, "status": status, "csv": str(finished()), "console_errors": logs}  # fmt: skip


def check(csv_path: Path, source: Path, k: int) -> dict:
    """The download holds every row, the original columns, cluster 1..k and a 20 % test split (and, for a
    generated export, the same posts in order with the same likes)."""
    source_header = pd.read_csv(source, nrows=0).columns.tolist()
    if not {"post_id", "likes"} <= set(source_header):  # --file: any export
        labelled = pd.read_csv(csv_path, encoding="utf-8-sig")
        checks = {
            "rows": len(labelled) == len(pd.read_csv(source, usecols=[0])),
            "clusters 1..k": set(labelled["cluster"]) == set(range(1, k + 1)),
            "split": set(labelled["split"]) == {"train", "test"},
        }
        return {"rows": len(labelled), "checks": checks, "ok": all(checks.values())}
    original = pd.read_csv(source, usecols=["post_id", "likes"])
    labelled = pd.read_csv(csv_path, encoding="utf-8-sig", usecols=["post_id", "likes", "cluster", "split"])
    header = pd.read_csv(csv_path, encoding="utf-8-sig", nrows=0).columns.tolist()
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
    parser.add_argument("--file", type=Path, default=None, help="any export instead of a generated file")
    parser.add_argument("--no-revisits", dest="revisits", action="store_false", help="skip the revisits")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    source = args.file.resolve() if args.file else ensure(args.size)
    server_utils.MAX_LIFETIME = int(SLOW * 2)  # the walk outlives the tests' 10-minute server cap
    with tempfile.TemporaryDirectory(prefix="socialdash-browser-1m-") as tmp:
        root = Path(tmp)
        downloads = root / "downloads"
        downloads.mkdir()
        env = {"SOCIALDASH_TIMEOUT": "900", "SOCIALDASH_ACCESS_LOG": "off", "OMP_WAIT_POLICY": "passive"}
        print(f"{source.name} ({source.stat().st_size / 1e6:,.1f} MB) through the browser; "
              f"load {os.getloadavg()}", flush=True)  # fmt: skip
        with server_utils.gunicorn_server(root, workers=2, env=env) as web:
            res = walk(web.url, source, downloads, args.revisits)
        res.update(check(Path(res["csv"]), source, res["k"]))
    res["total_s"] = sum(v for name, v in res["times"].items() if name != "cluster")  # = sweep + run
    res["load_average_at_end"] = os.getloadavg()
    print(f"total {res['total_s']:.1f} s; k = {res['k']}; {res['status']}")
    for name, ratio in res["revisit_over_cold"].items():
        cold, again = res["times"][name], res["revisit"][name]
        charts = res["charts"].get(name, 0)
        print(f"  {name:<11} first {cold:8.2f} s  revisit {again:6.3f} s  {ratio:.3f}x  charts {charts}")
    print(
        f"download: {res['rows']:,} rows; checks {res['checks']}; "
        f"console errors: {len(res['console_errors'])}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, default=str))
    return 0 if res["ok"] and not res["console_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
