"""Browser flow on a big export: a generated 100,000-post file through all six pages to the CSV download."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from flow_support import ROOT, SLOW, allow_downloads, click, go, start, text_of, wait_for_file

sys.path.insert(0, str(ROOT))  # benchmarks/ is not an installed package
from benchmarks.generate import generate

pytestmark = pytest.mark.browser
ROWS = 100_000


def test_100k_rows_through_all_pages_to_the_labelled_csv(dash_duo, tmp_path):
    frame, _segments = generate(ROWS)
    source = tmp_path / "agency_posts.csv"
    frame.to_csv(source, index=False)
    original = pd.read_csv(source)
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    dash_duo.find_element("#upload-data input[type=file]").send_keys(str(source))
    dash_duo.wait_for_contains_text("#upload-summary", f"{ROWS:,} rows", timeout=SLOW)
    assert f"{original.shape[1]} columns" in text_of(dash_duo, "#upload-summary")

    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content .js-plotly-plot", timeout=SLOW)

    go(dash_duo, "preprocess")
    dash_duo.wait_for_contains_text("#preprocess-content", "80,000", timeout=SLOW)

    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    k = int(text_of(dash_duo, "#cluster-sweep-rule").split("k = ")[1].split(".")[0])
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done:", timeout=SLOW)
    assert text_of(dash_duo, "#cluster-status") == f"Done: {k} clusters on 80,000 training posts."

    go(dash_duo, "evaluate")
    dash_duo.wait_for_contains_text("#evaluate-metrics", "Davies-Bouldin", timeout=SLOW)

    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    assert len(dash_duo.find_elements("#insights-cards .card")) == k

    allow_downloads(dash_duo, downloads)
    click(dash_duo, "#insights-download-csv")
    labelled = pd.read_csv(wait_for_file(downloads, ".csv", timeout=SLOW), encoding="utf-8-sig")
    assert len(labelled) == ROWS
    assert list(labelled.columns[: original.shape[1]]) == list(original.columns)
    assert {"cluster", "split"} <= set(labelled.columns)
    assert set(labelled["cluster"]) == set(range(1, k + 1))
    assert (labelled["split"] == "test").sum() == ROWS // 5 and set(labelled["split"]) == {"train", "test"}
    assert labelled["post_id"].tolist() == original["post_id"].astype(str).tolist()
    assert (labelled["likes"].to_numpy() == original["likes"].to_numpy()).all()
    assert dash_duo.get_logs() == []
