"""Two browsers with separate profiles: B plants A's session-store (A's handle, choices and k) in its own
session storage and opens every page, and asks for A's download link — B sees only the "upload again"
sentence, never A's columns, figures, clusters or file."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest
import requests
from flow_support import SLOW, click, go, start, text_of, wait_for_source
from selenium import webdriver

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from isolation_support import posts_csv  # noqa: E402

pytestmark = pytest.mark.browser
MARK = "zqbrowsera"
LOST = "no longer available in this browser session"


def second_browser() -> webdriver.Chrome:
    """Another Chromium with its own (temporary) profile, built like dash_duo's."""
    spec = importlib.util.spec_from_file_location("socialdash_tests_conftest", TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    options = module.pytest_setup_options()  # the same options as dash_duo's browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return webdriver.Chrome(options=options)


def cookies_of(driver) -> dict[str, str]:
    return {c["name"]: c["value"] for c in driver.get_cookies()}


def test_second_browser_with_the_first_ones_handle_sees_nothing(dash_duo, tmp_path):
    upload = tmp_path / "alice.csv"
    upload.write_bytes(posts_csv(150, MARK, seed=7))
    start(dash_duo)
    base = dash_duo.server_url
    dash_duo.wait_for_page(f"{base}/upload")
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=20)
    dash_duo.find_element("#upload-data input[type=file]").send_keys(str(upload))
    dash_duo.wait_for_contains_text("#upload-summary", "150 rows", timeout=60)
    wait_for_source(dash_duo.driver, f"likes_{MARK}")  # the preview grid draws after the summary
    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done:", timeout=SLOW)
    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    href = dash_duo.find_element("#insights-download-csv").get_attribute("href")
    stolen = dash_duo.driver.execute_script("return window.sessionStorage.getItem('session-store');")
    assert stolen and json.loads(stolen)["k"]
    owner = requests.get(href, cookies=cookies_of(dash_duo.driver), timeout=60)
    assert owner.status_code == 200 and f"likes_{MARK}" in owner.text  # positive control

    bob = second_browser()
    try:
        bob.get(f"{base}/upload")
        bob.execute_script(
            "window.sessionStorage.setItem('session-store', arguments[0]);"
            "window.sessionStorage.setItem('session-store-timestamp', String(Date.now()));",
            stolen,
        )
        for page, where in (
            ("upload", "#upload-summary"),
            ("cluster", "#cluster-alert"),
            ("evaluate", "#evaluate-alert"),
            ("insights", "#insights-alert"),
        ):
            bob.get(f"{base}/{page}")
            deadline = time.monotonic() + SLOW
            while LOST not in bob.page_source:
                assert time.monotonic() < deadline, f"{page}: no sentence for a foreign handle"
                time.sleep(0.3)
            source = bob.page_source
            assert MARK not in source.lower(), page
            assert "Done:" not in source and "We recommend k" not in source, page
            assert bob.find_elements("css selector", f"{where} .alert"), page
        for ext in ("csv", "xlsx", "json"):
            r = requests.get(href.rsplit(".", 1)[0] + f".{ext}", cookies=cookies_of(bob), timeout=60)
            assert r.status_code == 403 and MARK not in r.text.lower()
        assert bob.get_log("browser") == []
    finally:
        bob.quit()
    assert text_of(dash_duo, "#insights-download-csv")  # A's page is untouched
    assert dash_duo.get_logs() == []
