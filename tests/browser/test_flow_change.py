"""Browser flow 3: changing Preprocess after clustering makes Evaluate and Insights follow the new choices."""

from __future__ import annotations

import pytest
from flow_support import SLOW, click, go, screenshot, start, text_of
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser


def _cluster(dash_duo, k: int | None = None) -> int:
    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    box = dash_duo.find_element("#cluster-k")
    if k is not None:
        dash_duo.clear_input(box)
        box.send_keys(str(k))
    k = int(box.get_attribute("value"))
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", f"Done: {k} clusters", timeout=SLOW)
    return k


def _evaluate(dash_duo) -> str:
    go(dash_duo, "evaluate")
    dash_duo.wait_for_contains_text("#evaluate-metrics", "Davies-Bouldin", timeout=SLOW)
    return text_of(dash_duo, "#evaluate-metrics")


def _insights(dash_duo) -> str:
    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    return text_of(dash_duo, "#insights-cards") + dash_duo.find_element(
        "#insights-download-csv"
    ).get_attribute("href")


def test_changing_preprocess_after_clustering_updates_evaluate_and_insights(dash_duo):
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    click(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)

    k = _cluster(dash_duo, 4)
    before_metrics = _evaluate(dash_duo)
    before_insights = _insights(dash_duo)

    go(dash_duo, "preprocess")
    dash_duo.wait_for_element("#preprocess-scaler", timeout=60)
    Select(dash_duo.find_element("#preprocess-scaler")).select_by_value("minmax")
    click(dash_duo, "#preprocess-apply")
    dash_duo.wait_for_contains_text("#preprocess-alert", "Applied", timeout=60)
    screenshot(dash_duo, "flow3-1-preprocess-changed")

    go(dash_duo, "evaluate")  # the old run no longer applies: guidance back to Cluster, not stale numbers
    dash_duo.wait_for_contains_text("#evaluate-guide", "Run the clustering", timeout=60)
    assert not dash_duo.find_element("#evaluate-content").is_displayed()
    screenshot(dash_duo, "flow3-2-evaluate-needs-run")

    assert _cluster(dash_duo, k) == k
    screenshot(dash_duo, "flow3-3-cluster-rerun")
    after_metrics = _evaluate(dash_duo)
    screenshot(dash_duo, "flow3-4-evaluate-new")
    after_insights = _insights(dash_duo)
    screenshot(dash_duo, "flow3-5-insights-new")
    assert after_metrics != before_metrics
    assert after_insights != before_insights
    assert dash_duo.get_logs() == []
