"""Browser flow 2: upload the semicolon-delimited Facebook metrics export and walk it through to Insights."""

from __future__ import annotations

import pytest
from flow_support import DATA, SLOW, click, go, screenshot, start, text_of

pytestmark = pytest.mark.browser


def test_facebook_export_upload_through_to_insights(dash_duo):
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=20)
    dash_duo.find_element("#upload-data input[type=file]").send_keys(str(DATA / "dataset_Facebook.csv"))
    dash_duo.wait_for_contains_text("#upload-summary", "500 rows", timeout=60)
    assert "19 columns" in text_of(dash_duo, "#upload-summary")
    screenshot(dash_duo, "flow2-1-upload")

    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content", timeout=60)
    screenshot(dash_duo, "flow2-2-eda")

    go(dash_duo, "preprocess")
    dash_duo.wait_for_element("#preprocess-apply", timeout=60)
    click(dash_duo, "#preprocess-apply")
    dash_duo.wait_for_element("#preprocess-alert .alert", timeout=60)
    screenshot(dash_duo, "flow2-3-preprocess")

    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    k = int(dash_duo.find_element("#cluster-k").get_attribute("value"))
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done:", timeout=SLOW)
    assert text_of(dash_duo, "#cluster-status") == f"Done: {k} clusters on 400 training posts."
    screenshot(dash_duo, "flow2-4-cluster")

    go(dash_duo, "evaluate")
    dash_duo.wait_for_contains_text("#evaluate-metrics", "Davies-Bouldin", timeout=SLOW)
    screenshot(dash_duo, "flow2-5-evaluate")

    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    assert len(dash_duo.find_elements("#insights-cards .card")) == k
    heatmap_labels = text_of(dash_duo, "#insights-heatmap")
    assert "Total Interactions" in heatmap_labels or "like" in heatmap_labels
    screenshot(dash_duo, "flow2-6-insights")
    assert dash_duo.get_logs() == []
