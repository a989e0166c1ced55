"""Browser flow 1: the sample dataset through all six pages to the CSV and Excel downloads."""

from __future__ import annotations

import pandas as pd
import pytest
from flow_support import (
    DATA,
    SLOW,
    allow_downloads,
    click,
    go,
    screenshot,
    start,
    text_of,
    wait_for_file,
)

pytestmark = pytest.mark.browser


def test_sample_dataset_through_all_pages_to_downloads(dash_duo, tmp_path):
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    click(dash_duo, "#upload-sample")
    dash_duo.wait_for_contains_text("#upload-summary", "7,050 rows", timeout=60)
    assert "16 columns" in text_of(dash_duo, "#upload-summary")
    screenshot(dash_duo, "flow1-1-upload")

    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content", timeout=60)
    screenshot(dash_duo, "flow1-2-eda")

    go(dash_duo, "preprocess")
    dash_duo.wait_for_element("#preprocess-content", timeout=60)
    screenshot(dash_duo, "flow1-3-preprocess")

    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    recommended = int(text_of(dash_duo, "#cluster-sweep-rule").split("k = ")[1].split(".")[0])
    assert dash_duo.find_element("#cluster-k").get_attribute("value") == str(recommended)
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done:", timeout=SLOW)
    status = text_of(dash_duo, "#cluster-status")
    assert status.startswith(f"Done: {recommended} clusters on ")
    assert "training posts." in status
    dash_duo.wait_for_element("#cluster-projection .scatterlayer, #cluster-projection canvas", timeout=30)
    screenshot(dash_duo, "flow1-4-cluster")

    go(dash_duo, "evaluate")
    dash_duo.wait_for_contains_text("#evaluate-metrics", "Davies-Bouldin", timeout=SLOW)
    metrics = text_of(dash_duo, "#evaluate-metrics")
    for word in ("Silhouette", "Calinski-Harabasz", "Davies-Bouldin", "Train", "Test", "Gap"):
        assert word in metrics
    screenshot(dash_duo, "flow1-5-evaluate")

    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    cards = dash_duo.find_elements("#insights-cards .card")
    assert len(cards) == recommended
    screenshot(dash_duo, "flow1-6-insights")

    allow_downloads(dash_duo, tmp_path)
    click(dash_duo, "#insights-download-csv")
    csv_path = wait_for_file(tmp_path, ".csv")
    assert csv_path.name == "Live-clustered.csv"
    labelled = pd.read_csv(csv_path, encoding="utf-8-sig")
    original = pd.read_csv(DATA / "Live.csv")
    assert len(labelled) == 7050
    assert list(labelled.columns[: len(original.columns)]) == list(original.columns)
    assert {"cluster", "split"} <= set(labelled.columns)
    assert set(labelled["cluster"]) == set(range(1, recommended + 1))
    assert set(labelled["split"]) == {"train", "test"}
    assert (labelled["split"] == "test").sum() == round(0.2 * 7050)
    for column in original.columns:
        if column == "status_published":
            continue  # a datetime: the export writes it in ISO form
        expected, got = original[column], labelled[column]
        if expected.isna().all():
            assert got.isna().all(), column
        elif pd.api.types.is_numeric_dtype(expected):
            assert (got.to_numpy() == expected.to_numpy()).all(), column
        else:
            assert got.astype(str).tolist() == expected.astype(str).tolist(), column

    click(dash_duo, "#insights-download-xlsx")
    xlsx_path = wait_for_file(tmp_path, ".xlsx")
    assert xlsx_path.name == "Live-clustered.xlsx"
    workbook = pd.read_excel(xlsx_path, sheet_name=0)
    assert len(workbook) == 7050 and {"cluster", "split"} <= set(workbook.columns)
    assert dash_duo.get_logs() == []
