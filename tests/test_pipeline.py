"""The whole service pipeline on real exports: roles, features, labels, determinism and the run report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialdash.services.errors import PipelineError, TooFewRowsError
from socialdash.services.ingest import IngestReport, ingest
from socialdash.services.pipeline import Choices, RunResult, run, run_report, sweep
from socialdash.services.split import SplitSpec

DATA = Path(__file__).parent / "data"
EMPTY_COLUMNS = ["Column1", "Column2", "Column3", "Column4"]


@pytest.fixture(scope="module")
def live() -> tuple[pd.DataFrame, IngestReport]:
    return ingest((DATA / "Live.csv").read_bytes(), "Live.csv")


@pytest.fixture(scope="module")
def live_run(live) -> tuple[RunResult, dict]:
    df, report = live
    choices = Choices()
    result = run(df, choices)
    return result, run_report(result, choices, report.to_dict())


def test_identifier_and_empty_columns_are_not_features_and_the_report_says_why(live_run):
    result, report = live_run
    features = report["features"]["columns"]
    assert features, "some columns must be features"
    assert not [f for f in features if "status_id" in f or f.startswith("Column")]
    spec_inputs = [*result.prepared.spec.metrics, *result.prepared.spec.categoricals]
    assert "status_id" not in spec_inputs
    assert not set(EMPTY_COLUMNS) & set(spec_inputs)

    roles = {r["name"]: r for r in report["roles"]}
    assert roles["status_id"]["role"] == "identifier"
    assert roles["status_id"]["included"] is False
    assert len(roles["status_id"]["reason"]) > 20
    for name in EMPTY_COLUMNS:
        assert roles[name]["included"] is False
        assert "empty" in roles[name]["reason"].lower()
    why_not = {r["column"]: r["reason"] for r in report["not_features"]}
    assert {"status_id", *EMPTY_COLUMNS} <= set(why_not)
    assert "num_comments" in {r["name"] for r in report["roles"] if r["included"]}


def test_every_row_gets_a_cluster_and_a_split(live, live_run):
    df, _ = live
    result, report = live_run
    k = result.k
    assert result.labels.shape == (len(df),)
    assert set(np.unique(result.labels)) == set(range(1, k + 1))
    assert set(result.split_labels) == {"train", "test"}
    n_test = int((result.split_labels == "test").sum())
    assert n_test == report["rows"]["test"] == pytest.approx(0.2 * len(df), abs=2)
    assert report["rows"]["used"] == len(df) == report["rows"]["train"] + n_test
    assert sum(c["size"] for c in report["clusters"]) == len(df)
    assert [c["cluster"] for c in report["clusters"]] == list(range(1, k + 1))
    assert all(c["name"] and c["summary"] for c in report["clusters"])


def test_report_is_plain_json_with_train_and_test_metrics(live_run):
    result, report = live_run
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    for part in ("train", "test"):
        for metric in ("silhouette", "calinski_harabasz", "davies_bouldin"):
            assert isinstance(report["metrics"][part][metric], float)
    assert -1 <= report["metrics"]["test"]["silhouette"] <= 1
    assert report["k"] == result.k and report["k"] in report["sweep"]["ks"]
    assert report["k_reason"] == result.sweep.rule and len(report["k_reason"]) > 20
    assert report["sentences"] and all(isinstance(s, str) and s for s in report["sentences"].values())
    assert report["ingest"]["n_rows"] == 7050
    assert report["choices"] == Choices().to_dict()


def test_same_input_and_choices_give_the_same_labels_names_and_report(live, live_run):
    df, ingest_report = live
    first, first_report = live_run
    choices = Choices()
    again = run(df.copy(), choices)
    assert np.array_equal(first.labels, again.labels)
    assert np.array_equal(first.split_labels, again.split_labels)
    assert [c.name for c in first.insights.clusters] == [c.name for c in again.insights.clusters]
    again_report = run_report(again, choices, ingest_report.to_dict())
    assert json.dumps(again_report, sort_keys=True) == json.dumps(first_report, sort_keys=True)


def test_sweep_alone_and_a_run_with_given_roles_match_the_full_run(live, live_run):
    """What the app does: the sweep on its own, then the run with the cached roles — the same results."""
    df, ingest_report = live
    first, first_report = live_run
    alone = sweep(df, Choices())
    assert alone.to_dict() == first.sweep.to_dict()
    given = run(df, Choices(), roles=first.prepared.roles)
    assert np.array_equal(given.labels, first.labels)
    given_report = run_report(given, Choices(), ingest_report.to_dict())
    assert json.dumps(given_report, sort_keys=True) == json.dumps(first_report, sort_keys=True)


def test_time_split_holds_out_the_newest_posts(live):
    df, ingest_report = live
    choices = Choices(split=SplitSpec(method="time", test_size=0.25), k=4)
    result = run(df, choices)
    published = df["status_published"]
    test = published[result.split_labels == "test"]
    train = published[result.split_labels == "train"]
    assert len(test) == pytest.approx(0.25 * len(df), abs=2)
    assert test.min() >= train.max()
    report = run_report(result, choices, ingest_report.to_dict())
    assert report["k"] == 4 and report["k_reason"] == "You chose k = 4."
    assert report["sweep"] is None
    assert report["choices"]["split"]["method"] == "time"
    assert set(np.unique(result.labels)) == {1, 2, 3, 4}


def test_facebook_metrics_file_clusters_with_a_fixed_k(facebook_csv):
    df, ingest_report = ingest(facebook_csv, "dataset_Facebook.csv")
    choices = Choices(k=3, seed=7, split=SplitSpec(seed=7))
    result = run(df, choices)
    report = run_report(result, choices, ingest_report.to_dict())
    assert len(result.labels) == len(df) == 500
    assert {c["cluster"] for c in report["clusters"]} == {1, 2, 3}
    assert report["metrics"]["test"]["silhouette"] is not None


def test_time_split_without_dates_is_a_plain_error(facebook_csv):
    df, _ = ingest(facebook_csv, "dataset_Facebook.csv")
    with pytest.raises(PipelineError) as err:
        run(df, Choices(split=SplitSpec(method="time"), k=3))
    assert "\n" not in str(err.value) and len(str(err.value)) > 20


def test_impossible_numbers_of_clusters_are_plain_errors(live):
    df, _ = live
    with pytest.raises(PipelineError, match="at least 2"):
        run(df, Choices(k=1))
    small = df.head(10)
    with pytest.raises(TooFewRowsError) as err:
        run(small, Choices(k=9))
    assert "clusters" in str(err.value)
