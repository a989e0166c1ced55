"""KMeans fitting with stable cluster numbers, and the k sweep with its recommendation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples, silhouette_score

from socialdash.services import model as model_module
from socialdash.services.errors import PipelineError, TooFewRowsError
from socialdash.services.model import (
    SILHOUETTE_ROWS,
    fit_kmeans,
    recommend_k,
    silhouette_values,
    sweep_k,
)


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    """Four planted segments of clearly different sizes."""
    X, _ = make_blobs(n_samples=[900, 600, 400, 250], n_features=5, cluster_std=1.0, random_state=11)
    return X


def test_fit_is_deterministic_and_cluster_1_is_largest(blobs: np.ndarray) -> None:
    model_a, labels_a = fit_kmeans(blobs, 4, seed=7)
    model_b, labels_b = fit_kmeans(blobs, 4, seed=7)
    assert labels_a.dtype == np.int32
    np.testing.assert_array_equal(labels_a, labels_b)
    np.testing.assert_array_equal(model_a.centers, model_b.centers)
    assert set(np.unique(labels_a)) == {1, 2, 3, 4}
    sizes = np.bincount(labels_a)[1:]
    assert list(sizes) == sorted(sizes, reverse=True)
    assert model_a.sizes == list(sizes)
    assert list(sizes) == [900, 600, 400, 250]  # the planted segments, largest first


def test_predict_on_train_reproduces_fit_labels(blobs: np.ndarray) -> None:
    model, labels = fit_kmeans(blobs, 4, seed=3)
    np.testing.assert_array_equal(model.predict(blobs), labels)
    np.testing.assert_array_equal(model.kmeans.predict(blobs) + 1, labels)
    assert model.predict(blobs).dtype == np.int32
    # each centre is the mean of its cluster's rows, in cluster-number order
    for cluster in range(1, 5):
        np.testing.assert_allclose(model.centers[cluster - 1], blobs[labels == cluster].mean(axis=0))


def test_dataframe_input_gives_the_same_clusters(blobs: np.ndarray) -> None:
    frame = pd.DataFrame(blobs, columns=[f"f{i}" for i in range(blobs.shape[1])])
    model_df, labels_df = fit_kmeans(frame, 4, seed=5)
    _, labels_np = fit_kmeans(blobs, 4, seed=5)
    np.testing.assert_array_equal(labels_df, labels_np)
    np.testing.assert_array_equal(model_df.predict(frame), labels_np)


def test_cluster_numbers_survive_row_permutation(blobs: np.ndarray) -> None:
    perm = np.random.default_rng(0).permutation(len(blobs))
    model, labels = fit_kmeans(blobs, 4, seed=1)
    model_p, labels_p = fit_kmeans(blobs[perm], 4, seed=1)
    np.testing.assert_array_equal(labels_p, labels[perm])
    np.testing.assert_allclose(model_p.centers, model.centers)


def test_equal_sizes_are_ordered_by_centroid() -> None:
    X, _ = make_blobs(n_samples=[300, 300, 300], n_features=3, cluster_std=0.5, random_state=4)
    model, _ = fit_kmeans(X, 3, seed=0)
    assert model.sizes == [300, 300, 300]
    first_coordinates = model.centers[:, 0]
    assert list(first_coordinates) == sorted(first_coordinates)


def test_fit_refuses_fewer_distinct_posts_than_clusters() -> None:
    X = np.repeat(np.array([[0.0, 1.0], [5.0, 5.0], [9.0, 0.0]]), 10, axis=0)
    with pytest.raises(TooFewRowsError, match="only 3 distinct posts"):
        fit_kmeans(X, 4)
    with pytest.raises(TooFewRowsError, match="only 2 posts"):
        fit_kmeans(X[:2], 3)
    model, _ = fit_kmeans(X, 3)
    assert sorted(model.sizes) == [10, 10, 10]


def test_fit_explains_missing_values() -> None:
    X = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 3.0]])
    with pytest.raises(PipelineError, match="missing"):
        fit_kmeans(X, 2)
    nullable = pd.DataFrame({"likes": pd.array([1.0, None, 3.0], dtype="Float64"), "shares": [1.0, 2.0, 3.0]})
    with pytest.raises(PipelineError, match="missing"):
        sweep_k(nullable)


@pytest.mark.parametrize("centers", [4, 5])
def test_sweep_recommends_the_planted_number_of_segments(centers: int) -> None:
    X, _ = make_blobs(n_samples=3000, n_features=6, centers=centers, cluster_std=1.0, random_state=centers)
    calls: list[tuple[int, int]] = []
    result = sweep_k(X, seed=42, progress=lambda done, total: calls.append((done, total)))
    assert result.recommended_k == centers
    assert result.ks == list(range(2, 11))
    assert calls == [(i, 9) for i in range(1, 10)]
    for values in (result.inertia, result.silhouette, result.calinski_harabasz, result.davies_bouldin):
        assert len(values) == 9
    assert result.rule.startswith(f"{centers} clusters")
    best = result.silhouette[result.ks.index(centers)]
    assert f"{best:.2f}" in result.rule
    assert result.fit_rows == result.n_rows == 3000  # small data: no sampling
    json.dumps(result.to_dict())


def test_sweep_silhouette_matches_sklearn() -> None:
    X, _ = make_blobs(n_samples=4000, n_features=4, centers=3, random_state=2)
    result = sweep_k(X, ks=[2, 3, 4], seed=9)
    for k, sil in zip(result.ks, result.silhouette, strict=True):
        _, labels = fit_kmeans(X, k, seed=9)
        assert sil == pytest.approx(silhouette_score(X, labels), abs=1e-5)


def test_silhouette_values_equal_sklearn_samples() -> None:
    rng = np.random.default_rng(3)
    X, y = make_blobs(n_samples=1500, n_features=3, centers=3, random_state=3)
    noise = rng.integers(0, 4, len(X))
    singleton = y.copy()
    singleton[0] = 7  # a one-post cluster gets silhouette 0, as in sklearn
    one_cluster = np.zeros(len(X), dtype=int)
    ours = silhouette_values(X, [y, noise, singleton, one_cluster])
    for labels, values in zip([y, noise, singleton], ours[:3], strict=True):
        np.testing.assert_allclose(values, silhouette_samples(X, labels), atol=1e-4)
    assert ours[3] is None  # undefined for a single cluster


def test_silhouette_never_uses_more_than_10000_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    X, _ = make_blobs(n_samples=30_000, n_features=4, centers=3, random_state=5)
    seen: list[int] = []
    real = model_module.silhouette_values

    def recording(matrix: np.ndarray, label_sets: list[np.ndarray]) -> list:
        seen.append(len(matrix))
        return real(matrix, label_sets)

    monkeypatch.setattr(model_module, "silhouette_values", recording)
    result = sweep_k(X, ks=[2, 3, 4], seed=1, max_fit_rows=30_000)
    assert seen == [SILHOUETTE_ROWS] and SILHOUETTE_ROWS == 10_000
    assert result.silhouette_rows == 10_000
    assert result.recommended_k == 3


def test_sweep_on_a_sample_recommends_what_the_full_data_does() -> None:
    X, _ = make_blobs(n_samples=200_000, n_features=6, centers=5, cluster_std=1.5, random_state=21)
    sampled = sweep_k(X, ks=range(3, 8), seed=42)
    full = sweep_k(X, ks=range(3, 8), seed=42, max_fit_rows=len(X))
    assert sampled.fit_rows < full.fit_rows == 200_000
    assert sampled.recommended_k == full.recommended_k == 5
    # inertia from the sample is scaled up to estimate the whole data set
    i = sampled.ks.index(5)
    assert sampled.inertia[i] == pytest.approx(full.inertia[i], rel=0.05)
    assert "random sample of 20,000 of the 200,000 posts" in sampled.sentences["sample"]


def test_sweep_skips_impossible_k_and_explains_too_few_posts() -> None:
    base = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0], [9.0, 9.0]])
    X = np.repeat(base, 8, axis=0)
    result = sweep_k(X, ks=range(2, 8))
    assert result.ks == [2, 3, 4]
    assert result.skipped_ks == [5, 6, 7]
    three = np.repeat(base[:3], 5, axis=0)
    assert sweep_k(three).ks == [2]
    with pytest.raises(TooFewRowsError) as err:
        sweep_k(three, ks=range(3, 11))
    assert str(err.value) == "There are only 3 distinct posts, so at most 2 clusters can be made."
    with pytest.raises(TooFewRowsError) as err:
        sweep_k(X, ks=[6, 7])
    assert str(err.value) == (
        "There are only 5 distinct posts, so at most 4 clusters can be made; try 2 to 4 clusters."
    )
    with pytest.raises(TooFewRowsError, match="only 2 distinct posts; at least 3 are needed"):
        sweep_k(np.repeat(base[:2], 4, axis=0))
    with pytest.raises(TooFewRowsError, match="only 2 distinct posts"):
        sweep_k(base[:2])


def test_recommend_k_prefers_fewer_clusters_when_nearly_tied() -> None:
    k, rule = recommend_k([2, 3, 4, 5], [0.30, 0.41, 0.40, 0.20])
    assert k == 3
    assert rule == (
        "3 clusters: they are the most clearly separated "
        "(silhouette 0.41, higher is better; 4 was close at 0.40 but adds a cluster)."
    )
    k, rule = recommend_k([2, 3, 4], [0.40, 0.41, 0.30])
    assert k == 2
    assert "0.40 vs 0.41" in rule and "fewer clusters" in rule
    k, rule = recommend_k([2, 3], [0.12, 0.10])
    assert k == 2 and "weak" in rule


def test_sweep_on_noise_warns_that_separation_is_weak() -> None:
    X = np.random.default_rng(0).uniform(size=(2000, 6))
    result = sweep_k(X, ks=range(2, 7), seed=0)
    assert max(s for s in result.silhouette if s is not None) < 0.25
    assert "weak" in result.rule
