"""Evaluation on held-out posts: metrics and their gap, shares, stability and plain-language readings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from socialdash.services.evaluate import Evaluation, evaluate
from socialdash.services.model import fit_kmeans

SEED = 42
BlobsEval = tuple[Evaluation, np.ndarray, np.ndarray, np.ndarray]


def _split(X: np.ndarray, test_share: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(0).permutation(len(X))
    cut = int(len(X) * (1 - test_share))
    return X[perm[:cut]], X[perm[cut:]]


@pytest.fixture(scope="module")
def blobs_eval() -> BlobsEval:
    X, _ = make_blobs(n_samples=4000, n_features=5, centers=4, cluster_std=1.0, random_state=8)
    train, test = _split(X)
    model, labels = fit_kmeans(train, 4, SEED)
    return evaluate(model, train, test, labels, SEED), train, test, labels


@pytest.fixture(scope="module")
def noise_eval() -> Evaluation:
    X = np.random.default_rng(1).uniform(size=(4000, 6))
    train, test = _split(X)
    model, labels = fit_kmeans(train, 5, SEED)
    return evaluate(model, train, test, labels, SEED)


def test_blobs_hold_up_on_test_posts(
    blobs_eval: BlobsEval,
) -> None:
    ev, train, _, labels = blobs_eval
    train_m, test_m, gap = ev.metrics["train"], ev.metrics["test"], ev.metrics["gap"]
    assert train_m["silhouette"] > 0.5 and test_m["silhouette"] > 0.5
    assert abs(gap["silhouette"]) < 0.05
    assert gap["silhouette"] == pytest.approx(test_m["silhouette"] - train_m["silhouette"])
    assert train_m["davies_bouldin"] < 1
    # train metrics are the usual sklearn ones on the fitted labels (silhouette: all 3,000 rows ≤ 10,000)
    assert train_m["silhouette"] == pytest.approx(silhouette_score(train, labels), abs=1e-5)
    assert train_m["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(train, labels))
    assert train_m["davies_bouldin"] == pytest.approx(davies_bouldin_score(train, labels))
    assert "hold up on posts the model has not seen" in ev.sentences["gap"]
    assert "clearly distinct" in ev.sentences["silhouette"]
    assert "below 1 is good" in ev.sentences["davies_bouldin"]
    assert "higher means" in ev.sentences["calinski_harabasz"]


def test_blobs_are_very_stable(blobs_eval: BlobsEval) -> None:
    ev = blobs_eval[0]
    assert ev.stability["seed_ari_mean"] > 0.95
    assert ev.stability["seed_ari_min"] > 0.9
    assert ev.stability["train_vs_test_ari"] > 0.95
    assert "very stable" in ev.sentences["stability"]


def test_shares_compare_train_and_test(
    blobs_eval: BlobsEval,
) -> None:
    ev, _, test, labels = blobs_eval
    shares = ev.shares
    assert list(shares["cluster"]) == [1, 2, 3, 4]
    assert {"train_share", "test_share"} <= set(shares.columns)
    assert shares["train_share"].sum() == pytest.approx(1)
    assert shares["test_share"].sum() == pytest.approx(1)
    assert shares["train_share"].iloc[0] == pytest.approx(np.mean(labels == 1))
    assert shares["test_posts"].sum() == len(test)
    assert ev.sentences["shares"].startswith("Cluster shares are similar on training and test posts")


def test_noise_is_weak_and_less_stable(noise_eval: Evaluation, blobs_eval: BlobsEval) -> None:
    blobs = blobs_eval[0]
    assert noise_eval.metrics["train"]["silhouette"] < 0.25
    assert "weak" in noise_eval.sentences["silhouette"]
    assert noise_eval.stability["seed_ari_mean"] < blobs.stability["seed_ari_mean"]
    assert noise_eval.stability["seed_ari_min"] < 0.9
    assert "unstable: results could change with another random start" in noise_eval.sentences["stability"]


def test_single_cluster_test_set_gives_none_not_an_error() -> None:
    X, y = make_blobs(n_samples=1200, n_features=3, centers=3, random_state=2)
    model, labels = fit_kmeans(X[:900], 3, SEED)
    one_segment = X[900:][y[900:] == y[0]]
    ev = evaluate(model, X[:900], one_segment, labels, SEED)
    assert len(np.unique(model.predict(one_segment))) == 1
    assert ev.metrics["test"] == {"silhouette": None, "calinski_harabasz": None, "davies_bouldin": None}
    assert ev.metrics["gap"] == {"silhouette": None, "calinski_harabasz": None, "davies_bouldin": None}
    assert ev.metrics["train"]["silhouette"] is not None
    assert "single cluster" in ev.sentences["gap"]
    assert "different mix" in ev.sentences["shares"]
    json.dumps(ev.to_dict())


def test_empty_test_set_is_reported_not_raised() -> None:
    X, _ = make_blobs(n_samples=600, n_features=3, centers=3, random_state=4)
    model, labels = fit_kmeans(X, 3, SEED)
    ev = evaluate(model, X, X[:0], labels, SEED)
    assert ev.metrics["test"]["silhouette"] is None
    assert ev.stability["train_vs_test_ari"] is None
    assert list(ev.shares["test_share"]) == [0.0, 0.0, 0.0]
    assert "no test posts" in ev.sentences["gap"]


def test_shifted_test_mix_is_flagged() -> None:
    X, _ = make_blobs(n_samples=[800, 800, 800], n_features=4, cluster_std=1.0, random_state=6)
    train_mask = np.arange(len(X)) % 4 != 0
    model, labels = fit_kmeans(X[train_mask], 3, SEED)
    test = X[~train_mask]
    test = np.vstack([test, X[train_mask][labels == 1]])  # the test set now over-represents cluster 1
    ev = evaluate(model, X[train_mask], test, labels, SEED)
    assert "different mix" in ev.sentences["shares"]
    assert "percentage points" in ev.sentences["gap"]


def test_silhouette_samples_are_bounded_for_large_train() -> None:
    X, _ = make_blobs(n_samples=32_000, n_features=4, centers=3, random_state=12)
    train, test = X[:30_000], X[30_000:]
    model, labels = fit_kmeans(train, 3, SEED)
    ev = evaluate(model, pd.DataFrame(train), pd.DataFrame(test), labels, SEED)
    samples = ev.silhouette_samples
    assert len(samples) == 10_000
    assert list(samples.columns) == ["cluster", "silhouette"]
    assert samples["silhouette"].between(-1, 1).all()
    assert set(samples["cluster"]) == {1, 2, 3}
    # sorted per cluster for a silhouette plot
    for _, group in samples.groupby("cluster"):
        assert group["silhouette"].is_monotonic_decreasing
    # the train silhouette is the one sklearn gives on the same seeded 10,000-row sample
    expected = silhouette_score(train, labels, sample_size=10_000, random_state=SEED)
    assert ev.metrics["train"]["silhouette"] == pytest.approx(expected, abs=1e-5)
    assert ev.metrics["train"]["silhouette"] == pytest.approx(samples["silhouette"].mean())


def test_to_dict_is_json_and_summarises_silhouettes(
    blobs_eval: BlobsEval,
) -> None:
    ev = blobs_eval[0]
    data = json.loads(json.dumps(ev.to_dict()))
    assert set(data) == {"metrics", "shares", "stability", "silhouette_by_cluster", "sentences"}
    assert len(data["shares"]) == 4 and data["shares"][0]["cluster"] == 1
    assert [row["cluster"] for row in data["silhouette_by_cluster"]] == [1, 2, 3, 4]
    assert sum(row["sampled_posts"] for row in data["silhouette_by_cluster"]) == len(ev.silhouette_samples)
    assert set(data["sentences"]) == {
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
        "shares",
        "stability",
    }
