"""Cluster insights in the user's own units: lifts, mix, best times, exemplars, names and summaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialdash.services.insights import Insights, describe_clusters
from socialdash.services.roles import ColumnRole, Role

TUESDAY_20H = pd.Timestamp("2024-03-05 20:00")  # a Tuesday


def _role(name: str, role: Role, included: bool = True) -> ColumnRole:
    return ColumnRole(name=name, role=role, reason="set in the test", included=included)


def _posts(seed: int = 7) -> tuple[pd.DataFrame, np.ndarray, list[ColumnRole]]:
    """Three kinds of posts with known differences, shaped like ingest output.

    1: 800 videos with ~3× the comments, best on Tuesdays at 20:00;
    2: 800 photos with few reactions; 3: 400 links whose shares are 5× the average (most posts get none).
    """
    rng = np.random.default_rng(seed)
    sizes = {1: 800, 2: 800, 3: 400}
    labels = np.concatenate([np.full(n, c) for c, n in sizes.items()])
    n = len(labels)
    kind = np.select(
        [labels == 1, labels == 2],
        [rng.choice(["video", "photo"], n, p=[0.9, 0.1]), rng.choice(["photo", "status"], n, p=[0.85, 0.15])],
        rng.choice(["link", "photo"], n, p=[0.8, 0.2]),
    )
    comments = np.where(labels == 1, rng.poisson(30, n), rng.poisson(10, n))
    reactions = np.where(labels == 2, rng.poisson(20, n), rng.poisson(50, n))
    shares = np.where(labels == 3, rng.poisson(20, n), (rng.random(n) < 0.05).astype(int))
    start = pd.Timestamp("2024-03-04 00:00")  # a Monday
    when = start + pd.to_timedelta(rng.integers(0, 28 * 24, n), unit="h")
    slot = (labels == 1) & (rng.random(n) < 0.3)
    when = np.where(slot, TUESDAY_20H + pd.to_timedelta(7 * rng.integers(0, 4, n), unit="D"), when)
    reactions = np.where(slot, reactions * 3, reactions)
    df = pd.DataFrame(
        {
            "post_id": pd.array([f"p{i:05d}" for i in range(n)], dtype="str"),
            "Post type": pd.array(kind, dtype="str"),
            "published": pd.Series(when).astype("datetime64[ns]"),
            "message": pd.array([f"Message {i}" for i in range(n)], dtype="str"),
            "permalink": pd.array([f"https://example.com/p/{i}" for i in range(n)], dtype="str"),
            "num_reactions": reactions.astype("int64"),
            "num_comments": comments.astype("int64"),
            "num_shares": shares.astype("int64"),
            "num_wows": np.zeros(n, dtype="int64"),
        }
    )
    order = rng.permutation(n)  # clusters interleaved, as in a real export
    df, labels = df.iloc[order].reset_index(drop=True), labels[order]
    roles = [
        _role("post_id", Role.IDENTIFIER, False),
        _role("Post type", Role.CATEGORICAL),
        _role("published", Role.DATETIME),
        _role("message", Role.TEXT, False),
        _role("permalink", Role.TEXT, False),
        *(_role(c, Role.METRIC) for c in ["num_reactions", "num_comments", "num_shares", "num_wows"]),
    ]
    return df, labels, roles


@pytest.fixture(scope="module")
def posts() -> tuple[pd.DataFrame, np.ndarray, list[ColumnRole], Insights]:
    df, labels, roles = _posts()
    return df, labels, roles, describe_clusters(df, labels, roles)


def test_sizes_shares_and_lift_table(posts) -> None:
    df, labels, _, ins = posts
    assert [c.cluster for c in ins.clusters] == [1, 2, 3]
    assert [c.size for c in ins.clusters] == [800, 800, 400]
    assert [c.share for c in ins.clusters] == pytest.approx([0.4, 0.4, 0.2])
    assert list(ins.lift_table.index) == [1, 2, 3]
    assert list(ins.lift_table.columns) == ["num_reactions", "num_comments", "num_shares", "num_wows"]
    overall = df["num_comments"].median()
    cluster1 = df.loc[labels == 1, "num_comments"].median()
    assert ins.overall_medians["num_comments"] == overall
    assert ins.clusters[0].medians["num_comments"] == cluster1
    assert ins.lift_table.at[1, "num_comments"] == pytest.approx(cluster1 / overall)
    assert ins.clusters[0].lifts["num_comments"] == pytest.approx(cluster1 / overall)


def test_mostly_zero_metric_falls_back_to_the_mean_ratio(posts) -> None:
    df, labels, _, ins = posts
    assert df["num_shares"].median() == 0
    assert ins.lift_basis == {
        "num_reactions": "median",
        "num_comments": "median",
        "num_shares": "mean",
        "num_wows": "none",
    }
    expected = df.loc[labels == 3, "num_shares"].mean() / df["num_shares"].mean()
    assert ins.lift_table.at[3, "num_shares"] == pytest.approx(expected)
    assert expected > 3
    assert ins.lift_table["num_wows"].isna().all()  # never used: no lift to speak of


def test_category_mix_against_overall(posts) -> None:
    df, labels, _, ins = posts
    mix = ins.clusters[0].category_mix["Post type"]
    assert sum(mix.values()) == pytest.approx(1.0)
    assert mix["video"] == pytest.approx((df.loc[labels == 1, "Post type"] == "video").mean())
    assert ins.overall_mix["Post type"]["photo"] == pytest.approx((df["Post type"] == "photo").mean())


def test_names_are_short_plain_and_unique(posts) -> None:
    *_, ins = posts
    assert [c.name for c in ins.clusters] == ["High-comment videos", "Quiet photos", "Viral links"]


def test_summary_has_two_sentences_with_numbers(posts) -> None:
    *_, ins = posts
    first = ins.clusters[0].summary
    assert first.startswith("800 posts (40% of all posts), mostly videos (")
    assert "vs " in first and "overall)" in first
    assert re.search(r"They get \d+\.\d× the comments", first)
    assert first.endswith("best posted on Tuesdays around 20:00.")
    assert len(re.findall(r"\.\s", first)) == 1  # exactly two sentences
    quiet = ins.clusters[1].summary
    assert quiet.startswith("800 posts (40% of all posts), mostly photos")
    assert "fewer reactions than a typical post" in quiet


def test_best_posting_times_use_the_main_engagement_metric(posts) -> None:
    *_, ins = posts
    assert ins.main_metric == "num_reactions"
    assert ins.datetime_column == "published"
    assert ins.clusters[0].best_hours[0] == 20
    assert ins.clusters[0].best_weekdays[0] == "Tuesday"
    assert len(ins.clusters[0].best_hours) == 3
    assert len(ins.clusters[0].best_weekdays) == 2


def test_distinguishing_features_have_sentences(posts) -> None:
    *_, ins = posts
    top = ins.clusters[0].distinguishing
    assert 1 <= len(top) <= 5
    stats = [abs(d["statistic"]) for d in top]
    assert stats == sorted(stats, reverse=True)
    comments = next(d for d in top if d["feature"] == "num_comments")
    assert comments["direction"] == "higher"
    assert re.fullmatch(
        r"Comments are \d+\.\d× the typical post \(\d+(\.\d)? against \d+(\.\d)? at the median\)\.",
        comments["sentence"],
    )
    video = next(d for d in top if d["feature"] == "Post type = video")
    assert re.fullmatch(r"\d+% are videos, against \d+% of all posts\.", video["sentence"])
    shares = next(d for d in ins.clusters[2].distinguishing if d["feature"] == "num_shares")
    assert shares["sentence"].startswith("Half or more of all posts get no shares; these average ")


def test_exemplars_show_id_text_link_and_top_metrics(posts) -> None:
    df, labels, _, ins = posts
    ex = ins.clusters[0].exemplars
    assert len(ex) == 5
    assert list(ex.columns[:5]) == ["post_id", "message", "permalink", "published", "Post type"]
    assert "num_reactions" in ex.columns and "num_comments" in ex.columns
    members = set(df.loc[labels == 1, "post_id"])
    assert set(ex["post_id"]) <= members


def test_exemplars_follow_given_distances() -> None:
    df, labels, roles = _posts()
    distances = np.random.default_rng(1).random(len(df))
    ins = describe_clusters(df, labels, roles, distances)
    for c in ins.clusters:
        idx = np.flatnonzero(labels == c.cluster)
        closest = idx[np.argsort(distances[idx])[:5]]
        assert c.exemplars["post_id"].tolist() == df["post_id"].iloc[closest].tolist()


def test_to_dict_is_json(posts) -> None:
    *_, ins = posts
    data = json.loads(json.dumps(ins.to_dict(), allow_nan=False))
    assert [c["name"] for c in data["clusters"]] == [c.name for c in ins.clusters]
    first = data["clusters"][0]
    assert first["lifts"]["num_wows"] is None
    assert len(first["exemplars"]) == 5
    record = first["exemplars"][0]
    assert isinstance(record["post_id"], str)
    assert isinstance(record["num_reactions"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", record["published"])
    assert data["lift_table"][2]["cluster"] == 3
    assert data["lift_table"][2]["num_shares"] == pytest.approx(ins.lift_table.at[3, "num_shares"])


def test_similar_clusters_get_distinct_names() -> None:
    df, labels, roles = _posts()
    split = np.where(
        (labels == 2) & (np.arange(len(df)) % 2 == 0), 4, labels
    )  # two halves of the quiet photos
    ins = describe_clusters(df, split, roles)
    names = [c.name for c in ins.clusters]
    assert len(set(names)) == 4
    assert names[1] == "Quiet photos"
    assert names[3].startswith(("Quiet photos", "Low-"))


def test_without_datetime_or_categories() -> None:
    df, labels, roles = _posts()
    roles = [r for r in roles if r.role in (Role.METRIC, Role.IDENTIFIER)]
    ins = describe_clusters(df[["post_id", "num_reactions", "num_comments", "num_shares"]], labels, roles)
    assert all(c.best_hours == [] and c.best_weekdays == [] for c in ins.clusters)
    assert ins.clusters[0].category_mix == {}
    assert ins.clusters[0].name == "High-comment posts"
    assert "best posted" not in ins.clusters[0].summary
    assert ins.clusters[0].summary.endswith(".")
    assert list(ins.clusters[0].exemplars.columns[:1]) == ["post_id"]


def test_main_metric_prefers_engagements_and_names_stay_plain() -> None:
    rng = np.random.default_rng(3)
    n = 400
    labels = np.repeat([1, 2], n // 2)
    df = pd.DataFrame(
        {
            "impressions": rng.poisson(1000, n).astype("int64"),
            "media engagements": rng.poisson(5, n).astype("int64"),
            "engagements": np.where(labels == 1, rng.poisson(80, n), rng.poisson(10, n)).astype("int64"),
            "engagement rate": rng.random(n),
            "<b>*type*</b>": pd.array(np.where(labels == 1, "video", "photo"), dtype="str"),
        }
    )
    roles = [_role(c, Role.METRIC) for c in df.columns[:4]] + [_role("<b>*type*</b>", Role.CATEGORICAL)]
    ins = describe_clusters(df, labels, roles)
    assert ins.main_metric == "engagements"
    assert ins.clusters[0].name == "High-engagement videos"
    for c in ins.clusters:
        assert not re.search(r"[<>*_`#\[\]]", c.name)


def test_live_export_realistic(data_dir: Path) -> None:
    df = pd.read_csv(data_dir / "Live.csv", dtype={"status_id": "str", "status_type": "str"})
    df = df.drop(columns=["Column1", "Column2", "Column3", "Column4"])
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M").astype(
        "datetime64[ns]"
    )
    metrics = [c for c in df.columns if c.startswith("num_")]
    roles = [
        _role("status_id", Role.IDENTIFIER, False),
        _role("status_type", Role.CATEGORICAL),
        _role("status_published", Role.DATETIME),
        *(_role(c, Role.METRIC) for c in metrics),
    ]
    # four groups a marketer would recognise: videos with many comments, other videos, photos, the rest
    labels = np.select(
        [
            (df["status_type"] == "video") & (df["num_comments"] > 100),
            df["status_type"] == "video",
            df["status_type"] == "photo",
        ],
        [1, 2, 3],
        4,
    )
    ins = describe_clusters(df, labels, roles)
    assert sum(c.size for c in ins.clusters) == 7050
    names = [c.name for c in ins.clusters]
    assert len(set(names)) == 4
    assert names[0].endswith("videos") and "comment" in names[0].lower()
    assert names[2].endswith("photos")
    for c in ins.clusters:
        assert c.summary.count(". ") == 1 and c.summary.endswith(".")
        assert 0 < len(c.exemplars) <= 5
        assert c.best_weekdays and c.best_hours
    assert ins.lift_basis["num_reactions"] == "median"
    assert ins.lift_basis["num_angrys"] == "mean"
    json.dumps(ins.to_dict(), allow_nan=False)


def test_edge_cases_nullable_negative_empty_and_no_metrics() -> None:
    df = pd.DataFrame(
        {
            "likes": pd.array([1, None, 3, 4, 0, 0], dtype="Int64"),
            "sentiment": [0.1, -0.2, np.nan, 0.3, 0.0, 0.0],
            "kind": pd.array([None] * 6, dtype="str"),
            "t": pd.to_datetime(["2020-01-01 10:00"] * 6, utc=True),
        }
    )
    roles = [
        _role("likes", Role.METRIC),
        _role("sentiment", Role.METRIC),
        _role("kind", Role.CATEGORICAL),
        _role("t", Role.DATETIME),
    ]
    ins = describe_clusters(df, np.array([1, 1, 1, 2, 2, 2]), roles)
    assert ins.lift_basis == {"likes": "median", "sentiment": "none"}  # no ratio of a metric that can be < 0
    assert ins.clusters[0].lifts["likes"] == pytest.approx(2.0 / 1.0)
    assert ins.clusters[0].category_mix == {"kind": {"(missing)": 1.0}}
    assert ins.clusters[0].best_hours == [10]
    json.dumps(ins.to_dict(), allow_nan=False)

    one = describe_clusters(df, np.ones(6, dtype=int), roles)
    assert one.clusters[0].name == "Typical posts"
    assert "close to that of a typical post" in one.clusters[0].summary

    empty = describe_clusters(df.iloc[:0], np.array([], dtype=int), roles)
    assert empty.clusters == [] and empty.lift_table.empty

    ids_only = describe_clusters(
        pd.DataFrame({"id": ["x", "y"]}), np.array([1, 2]), [_role("id", Role.IDENTIFIER, False)]
    )
    assert [c.name for c in ids_only.clusters] == ["Posts", "Posts 2"]
    assert ids_only.clusters[1].exemplars["id"].tolist() == ["y"]


def test_misaligned_labels_are_a_programming_error() -> None:
    df, labels, roles = _posts()
    with pytest.raises(ValueError, match="one entry per row"):
        describe_clusters(df, labels[:-1], roles)
