"""services/eda: aggregates whose size does not depend on the number of rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from socialdash.services import eda
from socialdash.services.roles import infer_roles


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "type": rng.choice(["photo", "video", "link"], size=n),
            "published": pd.Timestamp("2024-01-01 08:00")
            + pd.to_timedelta(rng.integers(0, 90 * 24, n), unit="h"),
            "likes": rng.pareto(1.5, n).round() * 10,
            "comments": rng.poisson(3, n).astype("float64"),
        }
    )


def test_summary_size_does_not_grow_with_rows():
    small, big = frame(2_000), frame(60_000)
    s_small = eda.summarize(small, infer_roles(small))
    s_big = eda.summarize(big, infer_roles(big))
    assert abs(len(json.dumps(s_big)) - len(json.dumps(s_small))) < 3_000
    assert s_big["n_rows"] == 60_000
    assert sum(s_big["histograms"]["likes"]["linear"]["counts"]) == 60_000


def test_column_summary_reports_missing_distinct_and_range():
    df = pd.DataFrame(
        {"likes": [1.0, 2.0, None, 10.0], "type": pd.array(["a", "b", "a", None], dtype="string")}
    )
    rows = {r["column"]: r for r in eda.column_summary(df, infer_roles(df))}
    assert rows["likes"]["missing_pct"] == 25.0
    assert (rows["likes"]["min"], rows["likes"]["median"], rows["likes"]["max"]) == (1.0, 2.0, 10.0)
    assert rows["type"]["distinct"] == 2 and rows["type"]["min"] is None


def test_log_histogram_keeps_zeros_apart_and_whole_numbers_contiguous():
    values = np.array([0, 0, 1, 1, 2, 3, 50, 1000], dtype=float)
    h = eda.histogram(values)
    assert h["zeros"] == 2 and h["n"] == 8
    assert sum(h["log"]["counts"]) == 6
    edges = h["log"]["edges"]
    assert edges[0] == 0.5 and edges[1] == 1.5  # 1 has its own bin
    assert h["median"] == 1.5


def test_category_counts_top_levels_and_other():
    s = pd.Series(["x"] * 5 + ["y"] * 3 + [f"z{i}" for i in range(20)] + [None], dtype="string")
    c = eda.category_counts(s, max_levels=2)
    assert c["levels"] == ["x", "y"] and c["counts"] == [5, 3]
    assert c["other"] == 20 and c["missing"] == 1 and c["n_levels"] == 22


def test_time_aggregates_per_week_and_hour_weekday_grid():
    df = frame(3_000)
    t = eda.time_aggregates(df["published"])
    assert t["unit"] == "day" and sum(t["counts"]) == 3_000
    grid = np.array(t["hour_weekday"])
    assert grid.shape == (7, 24) and grid.sum() == 3_000
    dates_only = eda.time_aggregates(pd.Series(pd.date_range("2020-01-01", periods=800, freq="D"), name="d"))
    assert dates_only["unit"] == "week" and dates_only["hour_weekday"] is None


def test_correlation_is_spearman_over_metrics_and_facts_are_sentences():
    df = frame(1_000)
    df["likes_twice"] = df["likes"] * 2
    s = eda.summarize(df, infer_roles(df))
    corr = s["correlation"]
    i, j = corr["columns"].index("likes"), corr["columns"].index("likes_twice")
    assert corr["method"] == "spearman" and corr["matrix"][i][j] == 1.0
    assert s["facts"][0] == "1,000 posts and 6 columns."
    assert all(f.endswith(".") for f in s["facts"])
