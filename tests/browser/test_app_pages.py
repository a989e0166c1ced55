"""Browser tests of Upload → Explore → Prepare, direct URLs without data, and a bad upload."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import click, nav, shot, text

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"


def store_json(dash_duo) -> str | None:
    return dash_duo.driver.execute_script("return window.sessionStorage.getItem('session-store')")


def test_sample_to_eda_to_preprocess_apply(live):
    dash_duo = live
    dash_duo.wait_for_page(f"{dash_duo.server_url}/")
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=10)
    click(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)
    summary = text(dash_duo, "#upload-summary")
    assert "12 columns" in summary
    assert "Dropped 4 empty columns" in summary
    dash_duo.wait_for_contains_text("#nav-dataset", "7,050 rows")
    dash_duo.wait_for_element("#upload-roles-grid .ag-row", timeout=10)
    shot(dash_duo, "app-1-upload-sample")
    # untick a column in the roles table: the choice reaches the store and the next pages
    click(dash_duo, "#upload-roles-grid .ag-row[row-id='num_angrys'] [col-id='included'] input")
    dash_duo.wait_for_contains_text("#upload-summary", "10 of 12 columns", timeout=10)
    deadline = time.monotonic() + 10
    while '"num_angrys":false' not in (store_json(dash_duo) or ""):
        assert time.monotonic() < deadline, store_json(dash_duo)
        time.sleep(0.1)

    nav(dash_duo, "eda")
    dash_duo.wait_for_contains_text("#eda-facts", "7,050 posts", timeout=60)
    dash_duo.wait_for_element("#eda-distribution .main-svg", timeout=20)
    dash_duo.wait_for_element("#eda-hour-weekday .main-svg", timeout=20)
    dash_duo.wait_for_contains_text("#eda-distribution-note", "Half of the posts", timeout=20)
    pinned = "#eda-summary-grid .ag-pinned-left-cols-container .ag-row[row-index='11']"
    name = dash_duo.find_element(pinned).text
    cells = dash_duo.find_element("#eda-summary-grid .ag-center-cols-container .ag-row[row-index='11']").text
    assert name == "num_angrys" and cells.split()[:2] == ["Number", "no"]
    shot(dash_duo, "app-2-eda")

    nav(dash_duo, "preprocess")
    dash_duo.wait_for_contains_text("#preprocess-preview", "training posts", timeout=60)
    assert "5,640 training posts" in text(dash_duo, "#preprocess-preview")
    dash_duo.find_element("#preprocess-pca").send_keys("3")  # pick "3 components"
    click(dash_duo, "#preprocess-apply")
    dash_duo.wait_for_contains_text("#preprocess-alert", "Applied", timeout=30)
    dash_duo.wait_for_contains_text("#preprocess-preview", "3 components keep", timeout=60)
    assert "× 3 features" in text(dash_duo, "#preprocess-preview")
    shot(dash_duo, "app-3-preprocess-pca")
    assert dash_duo.get_logs() == []


def test_upload_facebook_export_by_file_input(live):
    dash_duo = live
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    field = dash_duo.wait_for_element("#upload-data input[type=file]", timeout=10)
    field.send_keys(str(DATA / "dataset_Facebook.csv"))
    dash_duo.wait_for_contains_text("#upload-summary", "500 rows", timeout=60)
    assert "19 columns" in text(dash_duo, "#upload-summary")
    assert "semicolons" in text(dash_duo, "#upload-summary")
    dash_duo.wait_for_contains_text("#nav-dataset", "dataset_Facebook.csv")
    shot(dash_duo, "app-4-upload-facebook")
    nav(dash_duo, "eda")
    dash_duo.wait_for_contains_text("#eda-facts", "500 posts", timeout=60)
    shot(dash_duo, "app-5-eda-facebook")
    assert dash_duo.get_logs() == []


def test_insights_without_data_gives_guidance(live):
    dash_duo = live
    dash_duo.wait_for_page(f"{dash_duo.server_url}/insights")
    dash_duo.wait_for_element(".guard a[href='/upload'], .guard a[href$='/upload']", timeout=20)
    shot(dash_duo, "app-6-insights-no-data")
    for path in ("/eda", "/preprocess"):
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
        dash_duo.wait_for_contains_text(".guard", "Upload your posts export", timeout=20)
    link = dash_duo.find_element(".guard a")
    link.click()
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=10)
    assert dash_duo.get_logs() == []


def test_invalid_file_alerts_and_app_keeps_working(live, tmp_path):
    dash_duo = live
    bad = tmp_path / "posts.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=10).send_keys(str(bad))
    dash_duo.wait_for_contains_text("#upload-alert", "binary file", timeout=30)
    shot(dash_duo, "app-7-upload-invalid")
    click(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)
    assert dash_duo.get_logs() == []
