"""Preprocessing: readable float features fitted on the training posts only, with a sentence per step."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from socialdash.services.errors import NoFeaturesError, PipelineError
from socialdash.services.preprocess import (
    PreprocessSpec,
    default_spec,
    engagement_ratio_pairs,
    feature_warnings,
    fit_features,
)
from socialdash.services.roles import infer_roles
from socialdash.services.split import SplitSpec, split_rows

DATA = Path(__file__).parent / "data"
COUNTS = ["num_reactions", "num_comments", "num_shares", "num_likes", "num_loves", "num_wows", "num_hahas",
          "num_sads", "num_angrys"]  # fmt: skip


@pytest.fixture(scope="module")
def live() -> pd.DataFrame:
    df = pd.read_csv(DATA / "Live.csv").drop(columns=["Column1", "Column2", "Column3", "Column4"])
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M")
    return df


@pytest.fixture(scope="module")
def facebook() -> pd.DataFrame:
    return pd.read_csv(DATA / "dataset_Facebook.csv", sep=";")


@pytest.fixture(scope="module")
def live_split(live: pd.DataFrame):
    return split_rows(live, SplitSpec(test_size=0.2, seed=3))


@pytest.fixture(scope="module")
def live_spec(live: pd.DataFrame) -> PreprocessSpec:
    return default_spec(infer_roles(live))


def test_default_spec_from_roles(live_spec: PreprocessSpec) -> None:
    assert live_spec.metrics == tuple(COUNTS)
    assert live_spec.categoricals == ("status_type",)
    assert live_spec.datetimes == ("status_published",)
    assert (live_spec.log_transform, live_spec.scaler, live_spec.impute_numeric) == (
        "auto",
        "standard",
        "median",
    )


def test_live_features_are_readable_float_and_positional(live, live_split, live_spec) -> None:
    feats = fit_features(live, live_spec, live_split.train, live_split.test)
    assert list(feats.train.columns) == [
        *(f"{c} (log)" for c in COUNTS),
        "status_type = link",
        "status_type = photo",
        "status_type = status",
        "status_type = video",
        "status_published: hour (sin)",
        "status_published: hour (cos)",
        "status_published: weekday (sin)",
        "status_published: weekday (cos)",
    ]
    assert list(feats.test.columns) == list(feats.train.columns)
    assert set(feats.train.dtypes) == {np.dtype("float64")} and set(feats.test.dtypes) == {
        np.dtype("float64")
    }
    assert feats.train.index.tolist() == live_split.train.tolist()
    assert feats.test.index.tolist() == live_split.test.tolist()
    assert np.isfinite(feats.train.to_numpy()).all() and np.isfinite(feats.test.to_numpy()).all()
    # standard scaling on train: mean 0, spread 1 for the numbers; one-hot stays 0/1
    numbers = feats.train[[f"{c} (log)" for c in COUNTS]]
    np.testing.assert_allclose(numbers.mean(), 0, atol=1e-9)
    np.testing.assert_allclose(numbers.std(ddof=0), 1, atol=1e-9)
    assert set(np.unique(feats.train.filter(like="status_type =").to_numpy())) == {0.0, 1.0}
    assert feats.warnings == []


def test_log1p_auto_on_live_counts_is_reported_with_skew(live, live_split, live_spec) -> None:
    feats = fit_features(live, live_spec, live_split.train, live_split.test)
    log = feats.pipeline.named_steps["features"].named_transformers_["num"].named_steps["log"]
    assert log.logged_ == COUNTS
    train_counts = live[COUNTS].iloc[live_split.train]
    for name in COUNTS:
        assert log.skews_[name] == pytest.approx(train_counts[name].skew())
        assert log.skews_[name] > 1
    sentence = next(t for t in feats.transforms if t.startswith("log1p on 9 heavy-tailed columns"))
    assert f"num_comments (skew {train_counts['num_comments'].skew():.1f})" in sentence
    # the standardised value is log1p of the raw count, scaled with train statistics
    raw = np.log1p(train_counts["num_comments"].to_numpy(dtype=float))
    expected = (raw - raw.mean()) / raw.std()
    np.testing.assert_allclose(feats.train["num_comments (log)"].to_numpy(), expected, atol=1e-9)


def _fitted_statistics(feats) -> dict:
    columns = feats.pipeline.named_steps["features"].named_transformers_
    numbers = columns["num"].named_steps
    return {
        "impute": numbers["impute"].statistics_.copy(),
        "log": numbers["log"].log_mask_.copy(),
        "skews": dict(numbers["log"].skews_),
        "mean": numbers["scale"].mean_.copy(),
        "scale": numbers["scale"].scale_.copy(),
        "categories": [list(c) for c in columns["cat"].categories_],
    }


def test_no_leakage_from_test_rows(live, live_split, live_spec) -> None:
    """Changing every test post to extreme values changes nothing learnt, and no training feature."""
    spec = replace(live_spec, engagement_ratios=True)
    before = fit_features(live, spec, live_split.train, live_split.test)
    poisoned = live.copy()
    test = live_split.test
    for name in COUNTS:
        column = poisoned[name].astype("Float64")
        column.iloc[test] = 1e9
        column.iloc[test[::5]] = None  # gaps only in test rows
        poisoned[name] = column
    types = poisoned["status_type"].copy()
    types.iloc[test] = "livestream"  # a category never seen in training
    poisoned["status_type"] = types
    after = fit_features(poisoned, spec, live_split.train, live_split.test)

    old, new = _fitted_statistics(before), _fitted_statistics(after)
    np.testing.assert_array_equal(old["impute"], new["impute"])
    np.testing.assert_array_equal(old["log"], new["log"])
    assert old["skews"] == pytest.approx(new["skews"])
    np.testing.assert_allclose(old["mean"], new["mean"])
    np.testing.assert_allclose(old["scale"], new["scale"])
    assert old["categories"] == new["categories"] == [["link", "photo", "status", "video"]]
    pd.testing.assert_frame_equal(before.train, after.train)
    # the learnt median is the training posts' median, not the whole file's
    median = np.median(live["num_comments"].iloc[live_split.train])
    assert new["impute"][COUNTS.index("num_comments")] == median
    # the test posts did change: huge counts, and the unseen category maps to no column
    assert (after.test["num_comments (log)"].max()) > before.test["num_comments (log)"].max() + 3
    assert (after.test.filter(like="status_type =").to_numpy() == 0).all()
    assert not before.test.equals(after.test)


def test_canonical_spec() -> None:
    a = PreprocessSpec(
        metrics=("likes", "comments"), categoricals=("type",), datetime_parts=("weekday", "hour")
    )
    b = PreprocessSpec(
        metrics=("comments", "likes"),
        categoricals=("type",),
        datetime_parts=("hour", "weekday"),
        extra={"x": 1},
    )
    assert a.canonical() == b.canonical()
    assert a.canonical() != replace(a, scaler="robust").canonical()
    assert a.canonical() != replace(a, pca_components=2).canonical()
    assert a.canonical() != replace(a, metrics=("likes",)).canonical()
    roundtrip = PreprocessSpec.from_dict(json.loads(a.canonical()))
    assert roundtrip.canonical() == a.canonical()
    assert json.loads(a.canonical())["metrics"] == ["comments", "likes"]


def test_spec_order_does_not_change_features(live, live_split) -> None:
    a = PreprocessSpec(metrics=("num_likes", "num_comments"), categoricals=("status_type",))
    b = PreprocessSpec(metrics=("num_comments", "num_likes"), categoricals=("status_type",))
    pd.testing.assert_frame_equal(
        fit_features(live, a, live_split.train, live_split.test).train,
        fit_features(live, b, live_split.train, live_split.test).train,
    )


def test_pca_keeps_explained_variance(live, live_split, live_spec) -> None:
    plain = fit_features(live, live_spec, live_split.train, live_split.test)
    feats = fit_features(live, replace(live_spec, pca_components=3), live_split.train, live_split.test)
    assert list(feats.train.columns) == ["component 1", "component 2", "component 3"]
    assert feats.explained_variance is not None and len(feats.explained_variance) == 3
    assert np.all(np.diff(feats.explained_variance) <= 0) and 0 < feats.explained_variance.sum() <= 1
    reference = PCA(n_components=3).fit(plain.train.to_numpy())
    np.testing.assert_allclose(feats.explained_variance, reference.explained_variance_ratio_, rtol=1e-6)
    assert f"{feats.explained_variance.sum():.0%} of the spread in the 17 features" in feats.transforms[-1]
    assert plain.explained_variance is None
    with pytest.raises(PipelineError, match="PCA can keep at most 17 components"):
        fit_features(live, replace(live_spec, pca_components=18), live_split.train, live_split.test)


def test_engagement_ratios_live(live, live_split) -> None:
    spec = PreprocessSpec(metrics=tuple(COUNTS), engagement_ratios=True, log_transform="off", scaler="none")
    feats = fit_features(live, spec, live_split.train, live_split.test)
    assert "num_comments per num_reactions" in feats.train.columns
    assert "num_shares per num_reactions" in feats.train.columns
    rows = live.iloc[live_split.test]
    expected = rows["num_comments"] / (rows["num_reactions"] + 1)
    np.testing.assert_allclose(feats.test["num_comments per num_reactions"].to_numpy(), expected.to_numpy())
    assert any(t.startswith("Added 'num_comments per num_reactions'") for t in feats.transforms)
    off = fit_features(live, replace(spec, engagement_ratios=False), live_split.train, live_split.test)
    assert not any(" per " in c for c in off.train.columns)


def test_engagement_ratios_facebook_and_twitter_names(facebook) -> None:
    metrics = [c for c in facebook.columns if c not in ("Type", "Category", "Paid")]
    names = [name for _, _, name, _ in engagement_ratio_pairs(metrics)]
    assert names == [
        "comment per like",
        "share per like",
        "Lifetime Engaged Users per Lifetime Post Total Impressions",
    ]
    twitter = ["impressions", "engagements", "engagement rate", "retweets", "replies", "likes", "media views"]
    assert [n for *_, n, _ in engagement_ratio_pairs(twitter)] == [
        "replies per likes",
        "retweets per likes",
        "engagements per impressions",
    ]


def test_facebook_gaps_codes_and_sentences(facebook) -> None:
    roles = infer_roles(facebook)
    split = split_rows(facebook, SplitSpec(seed=1))
    feats = fit_features(facebook, default_spec(roles), split.train, split.test)
    assert {"Category = 1", "Category = 2", "Category = 3", "Paid = 0", "Paid = 1"} <= set(
        feats.train.columns
    )
    assert "Post Hour" in feats.train.columns  # a time code kept as a number
    missing_share = facebook["share"].iloc[split.train].isna().sum()
    if missing_share:
        median = facebook["share"].iloc[split.train].median()
        assert (
            f"Filled {missing_share} missing value{'s' if missing_share != 1 else ''} of 'share' with the "
            f"median of the training posts ({median:,.0f})." in feats.transforms
        )
    assert np.isfinite(feats.train.to_numpy()).all() and np.isfinite(feats.test.to_numpy()).all()


def test_many_levels_are_capped_and_warned() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    users = np.array([f"u{i:03d}" for i in range(100)])
    weights = np.linspace(3, 1, 100)
    df = pd.DataFrame(
        {
            "user_id": pd.array(rng.choice(users, n, p=weights / weights.sum()), dtype="string"),
            "num_likes": rng.poisson(20, n),
        }
    )
    spec = PreprocessSpec(metrics=("num_likes",), categoricals=("user_id",), max_categories=10)
    warnings = feature_warnings(df, spec)
    assert (
        "'user_id' has 100 levels; only the 10 most common are kept and the rest grouped as 'other'."
        in warnings
    )
    assert any("measure the poster, not the post" in w for w in warnings)
    split = split_rows(df, SplitSpec())
    feats = fit_features(df, spec, split.train, split.test)
    onehot = [c for c in feats.train.columns if c.startswith("user_id = ")]
    assert len(onehot) == 11 and onehot[-1] == "user_id = other"
    top = df["user_id"].iloc[split.train].value_counts()
    top = top.sort_index().sort_values(ascending=False, kind="stable").index[:10]
    assert sorted(c.removeprefix("user_id = ") for c in onehot[:-1]) == sorted(top)
    assert (feats.train[onehot].sum(axis=1) == 1).all() and (feats.test[onehot].sum(axis=1) == 1).all()
    assert (
        "'user_id' became 11 yes/no columns: its 10 most common values, and 'other' for the remaining 90."
        in (feats.transforms)
    )


def test_other_warnings() -> None:
    n = 200
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {
            "row_number": np.arange(n),
            "flat": np.ones(n),
            "sparse": pd.array([None] * 150 + rng.integers(0, 9, 50).tolist(), dtype="Int64"),
            "impressions": rng.integers(1000, 10**6, n),
            "likes": rng.integers(0, 50, n),
        }
    )
    spec = PreprocessSpec(metrics=("row_number", "flat", "sparse", "impressions", "likes"), scaler="none")
    warnings = feature_warnings(df, spec)
    assert any(
        w.startswith("'row_number' looks like an ID (200 different values in 200 posts)") for w in warnings
    )
    assert "'flat' has the same value in every post, so it adds nothing; leave it out." in warnings
    assert any(w.startswith("'sparse' is empty in 75% of posts") for w in warnings)
    assert any(w.startswith("Without rescaling, 'impressions' holds") for w in warnings)
    assert not any(w.startswith("'impressions' looks like an ID") for w in warnings)
    assert not any(
        w.startswith("Without rescaling") for w in feature_warnings(df, replace(spec, scaler="standard"))
    )


def test_cyclic_hours_put_midnight_next_to_late_evening() -> None:
    when = pd.to_datetime(
        ["2024-03-04 23:30", "2024-03-05 00:30", "2024-03-05 12:00", None, "2024-03-10 10:00"]
    )
    df = pd.DataFrame({"published": when, "likes": [1.0, 2.0, 3.0, 4.0, 5.0]})
    spec = PreprocessSpec(datetimes=("published",), datetime_parts=("hour", "weekday", "month"))
    feats = fit_features(df, spec, np.arange(5), np.array([], dtype=np.int64))
    hours = feats.train[["published: hour (sin)", "published: hour (cos)"]].to_numpy()
    assert np.linalg.norm(hours[0] - hours[1]) < 0.3 < 1.9 < np.linalg.norm(hours[0] - hours[2])
    np.testing.assert_allclose(np.hypot(hours[[0, 1, 2, 4], 0], hours[[0, 1, 2, 4], 1]), 1.0)
    np.testing.assert_array_equal(hours[3], [0.0, 0.0])  # a missing date sits at the centre
    days = feats.train[["published: weekday (sin)", "published: weekday (cos)"]].to_numpy()
    assert np.linalg.norm(days[4] - days[0]) < np.linalg.norm(days[4] - days[2])  # Sunday is next to Monday
    assert "published: month (cos)" in feats.train.columns
    assert feats.test.shape == (0, 6) and list(feats.test.columns) == list(feats.train.columns)


@pytest.mark.parametrize("scaler", ["robust", "minmax", "none"])
def test_other_scalers(live, live_split, scaler: str) -> None:
    spec = PreprocessSpec(metrics=("num_comments", "num_shares"), log_transform="off", scaler=scaler)
    feats = fit_features(live, spec, live_split.train, live_split.test)
    train = feats.train["num_comments"]
    raw = live["num_comments"].iloc[live_split.train]
    if scaler == "minmax":
        assert (train.min(), train.max()) == (0.0, 1.0)
    elif scaler == "robust":
        assert train.median() == pytest.approx(0.0)
    else:
        np.testing.assert_array_equal(train.to_numpy(), raw.to_numpy(dtype=float))


@pytest.mark.parametrize(("how", "fill"), [("mean", 3.0), ("zero", 0.0), ("median", 2.0)])
def test_imputation_and_nullable_input(how: str, fill: float) -> None:
    df = pd.DataFrame(
        {
            "likes": pd.array([1, 2, 6, None, 100], dtype="Int64"),
            "kind": pd.array(["a", None, "b", "a", "b"], dtype="string"),
        }
    )
    spec = PreprocessSpec(
        metrics=("likes",), categoricals=("kind",), impute_numeric=how, log_transform="off", scaler="none"
    )
    feats = fit_features(df, spec, np.array([0, 1, 2, 3]), np.array([4]))
    assert feats.train.loc[3, "likes"] == fill
    assert list(feats.train.columns) == ["likes", "kind = (missing)", "kind = a", "kind = b"]
    assert feats.train.loc[1, "kind = (missing)"] == 1.0


def test_errors_are_plain_sentences(live, live_split) -> None:
    train, test = live_split.train, live_split.test
    with pytest.raises(NoFeaturesError):
        fit_features(live, PreprocessSpec(), train, test)
    with pytest.raises(NoFeaturesError):
        fit_features(live, PreprocessSpec(datetimes=("status_published",), datetime_parts=()), train, test)
    cases = [
        (PreprocessSpec(metrics=("status_type",)), "holds text, not numbers"),
        (PreprocessSpec(datetimes=("num_likes",)), "does not hold dates"),
        (PreprocessSpec(metrics=("nope",)), "no column called 'nope'"),
        (PreprocessSpec(metrics=("num_likes",), scaler="huge"), "not a scaler"),  # type: ignore[arg-type]
        (PreprocessSpec(metrics=("num_likes",), datetime_parts=("year",)), "not a date part"),
        (PreprocessSpec(metrics=("num_likes",), max_categories=0), "at least 1 category"),
        (PreprocessSpec(metrics=("num_likes",), pca_components=0), "PCA components"),
    ]
    for spec, message in cases:
        with pytest.raises(PipelineError, match=message):
            fit_features(live, spec, train, test)
    with pytest.raises(PipelineError, match="no posts to train on"):
        fit_features(live, PreprocessSpec(metrics=("num_likes",)), np.array([], dtype=np.int64), test)


def test_pipeline_pickles_and_reproduces_train_rows(live, live_split, live_spec) -> None:
    feats = fit_features(live, replace(live_spec, engagement_ratios=True), live_split.train, live_split.test)
    pipeline = pickle.loads(pickle.dumps(feats.pipeline))
    again = pipeline.transform(live.iloc[live_split.train])
    np.testing.assert_allclose(again.to_numpy(), feats.train.to_numpy())
    assert list(again.columns) == list(feats.train.columns)
