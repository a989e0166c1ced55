"""KMeans with a fixed random_state, a k sweep with a recommended k, and deterministic cluster numbers.

Cluster numbers are 1..k: cluster 1 is the largest on train, ties broken by the lexicographic order of the
centroids. The fitted sklearn ``KMeans`` has its ``cluster_centers_`` (and ``labels_``) permuted into that
order, so ``kmeans.predict(X) + 1`` is the cluster number with no lookup table.

Every fit uses ``n_init=N_INIT`` (4) k-means++ starts with ``algorithm="lloyd"``: four starts keep the result
from hanging on one unlucky start at a quarter of sklearn's old default cost (10).

The k sweep fits on a seeded sample of at most ``SWEEP_FIT_ROWS`` rows (so a sweep over k = 2..10 on a
million posts costs about as much as a couple of full fits) and computes the silhouette on at most
``SILHOUETTE_ROWS`` (10,000) rows of that sample. Its fits use ``tol=SWEEP_TOL`` (1e-3 instead of sklearn's
1e-4): comparing k needs each solution's shape, not its last decimals, and numbers of clusters above the true
one otherwise crawl for hundreds of iterations. The silhouette is O(n²); the pairwise distances of the
sampled rows are computed once and shared by every k (see :func:`silhouette_values`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from socialdash.services.errors import NoFeaturesError, PipelineError, TooFewRowsError

ProgressFn = Callable[[int, int], None]  # (done, total)

N_INIT = 4  # k-means++ starts per fit; the best (lowest inertia) start is kept
SWEEP_FIT_ROWS = 20_000  # the k sweep fits on at most this many sampled rows
SILHOUETTE_ROWS = 10_000  # silhouette is never computed on more rows than this
SWEEP_SILHOUETTE_ROWS = SILHOUETTE_ROWS  # rows of the fit sample the sweep's silhouettes use
SWEEP_TOL = 1e-3  # the sweep's KMeans stop earlier than sklearn's 1e-4: same shapes, ~3× fewer iterations
SILHOUETTE_TOLERANCE = 0.02  # ks within this of the best silhouette count as equally good; fewest wins
_DISTANCE_CHUNK_CELLS = 4_000_000  # float32 cells per distance block (16 MB)


@dataclass
class SweepResult:
    ks: list[int]
    inertia: list[float]  # estimated for all rows when the sweep fitted on a sample
    silhouette: list[float | None]  # on at most 10,000 sampled rows, seeded; None if undefined
    calinski_harabasz: list[float]
    davies_bouldin: list[float]
    recommended_k: int
    rule: str  # the rule that chose it, in words, with the numbers
    # additive fields
    n_rows: int = 0  # rows given to the sweep
    fit_rows: int = 0  # rows the sweep's KMeans fits (and CH, DB, inertia) used
    silhouette_rows: int = 0  # rows the silhouette used
    skipped_ks: list[int] = field(default_factory=list)  # asked-for ks that the data cannot support
    sentences: dict[str, str] = field(default_factory=dict)  # how to read each metric of the sweep

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ClusterModel:
    """A fitted KMeans whose cluster numbers are 1..k, 1 = the largest cluster on train (ties by centroid)."""

    kmeans: object  # sklearn KMeans with centers reordered so that predict()+1 is the cluster number
    k: int
    seed: int
    sizes: list[int] = field(default_factory=list)  # additive: train rows per cluster 1..k

    def predict(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Cluster numbers 1..k (int32) for rows of X."""
        matrix = as_matrix(X)
        if len(matrix) == 0:
            return np.empty(0, dtype=np.int32)
        return (self.kmeans.predict(matrix) + 1).astype(np.int32)  # type: ignore[attr-defined]

    @property
    def centers(self) -> np.ndarray:
        """Cluster centres in feature space; row i is cluster i + 1."""
        return self.kmeans.cluster_centers_  # type: ignore[attr-defined]


def as_matrix(X: np.ndarray | pd.DataFrame) -> np.ndarray:
    """A 2-D float64 array of X (no copy when it already is one)."""
    if isinstance(X, pd.DataFrame):
        matrix = X.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        matrix = np.asarray(X, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1)
    if matrix.ndim != 2:
        raise PipelineError("The features must be a table of posts by columns.")
    return matrix


def _check_features(matrix: np.ndarray) -> None:
    if matrix.shape[1] == 0:
        raise NoFeaturesError()
    if not np.isfinite(matrix).all():
        raise PipelineError(
            "Some feature values are missing or infinite, so the posts cannot be clustered; "
            "turn on filling of missing values on Preprocess."
        )


def distinct_rows(matrix: np.ndarray) -> int:
    """Number of distinct rows (posts with different feature values)."""
    if len(matrix) == 0:
        return 0
    return len(np.unique(matrix, axis=0))


def _too_few_message(n_distinct: int, n_rows: int) -> str:
    if n_rows == 0:
        return "There are no posts to cluster."
    if n_distinct < 3:
        posts = "post" if n_distinct == 1 else "posts"
        return f"There are only {n_distinct} distinct {posts}; at least 3 are needed to find clusters."
    return f"There are only {n_distinct} distinct posts, so at most {n_distinct - 1} clusters can be made."


def new_kmeans(k: int, seed: int, tol: float = 1e-4, copy_x: bool = True) -> KMeans:
    """The one KMeans configuration used everywhere (sklearn's default tol unless the sweep asks).

    ``copy_x=False`` lets KMeans centre the matrix in place (and add the mean back afterwards) instead of
    copying it: only for a matrix the caller owns.
    """
    return KMeans(n_clusters=k, random_state=seed, n_init=N_INIT, algorithm="lloyd", tol=tol, copy_x=copy_x)


def fit_quietly(km: KMeans, matrix: np.ndarray) -> KMeans:
    """Fit without sklearn's warning about fewer distinct clusters than k (callers check for it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return km.fit(matrix)


def fit_kmeans(
    X: np.ndarray | pd.DataFrame, k: int, seed: int = 42, copy_x: bool = True
) -> tuple[ClusterModel, np.ndarray]:
    """Fit KMeans(k, random_state=seed) and return the model and train cluster numbers 1..k.

    ``copy_x=False`` saves a copy of the whole matrix: KMeans centres X in place and adds the mean back
    (values may move by a rounding step), so pass it only for a float64 array nobody else reads meanwhile.
    A DataFrame or non-float64 X is converted to a private array first and never copied again.
    Raises TooFewRowsError when there are fewer distinct rows than k.
    """
    k = int(k)
    if k < 1:
        raise PipelineError("The number of clusters must be at least 1.")
    matrix = as_matrix(X)
    if matrix is not X and matrix.flags.owndata and matrix.flags.writeable:
        copy_x = False  # as_matrix already made a private copy
    _check_features(matrix)
    n = len(matrix)
    if n < k:
        if n == 0:
            raise TooFewRowsError("There are no posts to cluster.")
        raise TooFewRowsError(f"There are only {n} posts, so at most {n} clusters can be made.")
    km = fit_quietly(new_kmeans(k, seed, copy_x=copy_x), matrix)
    sizes = np.bincount(km.labels_, minlength=k)
    if (sizes == 0).any():  # only happens with fewer distinct rows than k
        d = distinct_rows(matrix)
        raise TooFewRowsError(
            f"There are only {d} distinct posts, so at most {d} clusters can be made; choose fewer clusters."
        )
    centers = km.cluster_centers_
    # np.lexsort: the last key is the primary one → size (descending), then centroid coordinates in order.
    keys = [centers[:, j] for j in range(centers.shape[1] - 1, -1, -1)]
    order = np.lexsort((*keys, -sizes))
    inverse = np.empty(k, dtype=np.intp)
    inverse[order] = np.arange(k)
    km.cluster_centers_ = np.ascontiguousarray(centers[order])
    km.labels_ = inverse[km.labels_].astype(np.int32)
    labels = (km.labels_ + 1).astype(np.int32)
    model = ClusterModel(kmeans=km, k=k, seed=int(seed), sizes=[int(s) for s in sizes[order]])
    return model, labels


def sample_index(n: int, size: int, seed: int) -> np.ndarray:
    """Seeded row sample of at most ``size`` rows, the same one sklearn's silhouette_score draws."""
    if n <= size:
        return np.arange(n)
    return np.random.RandomState(seed).permutation(n)[:size]


def silhouette_values(matrix: np.ndarray, label_sets: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    """Per-row silhouette of ``matrix`` under each labelling (None where undefined: < 2 or = n clusters).

    Same definition as ``sklearn.metrics.silhouette_samples`` (euclidean; agrees to about 1e-4 per row and
    1e-5 on the mean), but the pairwise distances are computed once, block by block in float32 on centred
    data, and shared by all labellings: per-cluster distance sums come from one matrix product with the
    stacked one-hot labels. Pass at most 10,000 rows (memory and time grow with rows²).
    """
    m = len(matrix)
    encoded: list[tuple[np.ndarray, np.ndarray] | None] = []
    blocks: list[np.ndarray] = []
    for labels in label_sets:
        uniques, codes = np.unique(np.asarray(labels), return_inverse=True)
        if not 2 <= len(uniques) <= m - 1:
            encoded.append(None)
            continue
        counts = np.bincount(codes, minlength=len(uniques))
        encoded.append((codes, counts))
        onehot = np.zeros((m, len(uniques)), dtype=np.float32)
        onehot[np.arange(m), codes] = 1.0
        blocks.append(onehot)
    if not blocks:
        return [None] * len(encoded)
    weights = np.hstack(blocks)
    points = (matrix - matrix.mean(axis=0)).astype(np.float32)
    points_t = np.ascontiguousarray(points.T)
    sq = np.einsum("ij,ij->i", points, points)
    sums = np.empty((m, weights.shape[1]), dtype=np.float64)
    step = max(1, _DISTANCE_CHUNK_CELLS // m)
    for start in range(0, m, step):
        stop = min(m, start + step)
        dist = points[start:stop] @ points_t
        dist *= -2.0
        dist += sq[start:stop, None]
        dist += sq[None, :]
        np.maximum(dist, 0.0, out=dist)
        dist[np.arange(stop - start), np.arange(start, stop)] = 0.0
        np.sqrt(dist, out=dist)
        sums[start:stop] = dist @ weights
    out: list[np.ndarray | None] = []
    offset = 0
    rows = np.arange(m)
    for item in encoded:
        if item is None:
            out.append(None)
            continue
        codes, counts = item
        block = sums[:, offset : offset + len(counts)]
        offset += len(counts)
        own = counts[codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = block[rows, codes] / (own - 1)
            means = block / counts
            means[rows, codes] = np.inf
            inter = means.min(axis=1)
            values = (inter - intra) / np.maximum(intra, inter)
        out.append(np.nan_to_num(values))
    return out


def score_or_none(
    fn: Callable[[np.ndarray, np.ndarray], float], matrix: np.ndarray, labels: np.ndarray
) -> float | None:
    """A sklearn cluster score, or None where it is undefined (one cluster, every row its own cluster)."""
    try:
        return float(fn(matrix, labels))
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def recommend_k(ks: Sequence[int], silhouette: Sequence[float | None]) -> tuple[int, str]:
    """The fewest clusters whose silhouette is within 0.02 of the best, and that rule in words."""
    scored = [(k, s) for k, s in zip(ks, silhouette, strict=True) if s is not None]
    if not scored:
        k = min(ks)
        return k, (
            f"{k} clusters: the separation of the clusters could not be measured, so the fewest clusters "
            "tried is suggested."
        )
    best_k, best = max(scored, key=lambda item: (item[1], -item[0]))
    close = [(k, s) for k, s in scored if s >= best - SILHOUETTE_TOLERANCE]
    chosen_k, chosen = min(close, key=lambda item: item[0])
    if len(scored) == 1:
        rule = (
            f"{chosen_k} clusters: the only number of clusters this data allows "
            f"(silhouette {_fmt(chosen)}, higher is better)."
        )
    elif chosen_k == best_k:
        others = [(k, s) for k, s in scored if k != best_k]
        runner_k, runner = max(others, key=lambda item: (item[1], -item[0]))
        if runner >= best - SILHOUETTE_TOLERANCE:
            extra = "a cluster" if runner_k == best_k + 1 else "clusters"
            tail = f"{runner_k} was close at {_fmt(runner)} but adds {extra}"
        else:
            tail = f"the next best, {runner_k} clusters, scores {_fmt(runner)}"
        rule = (
            f"{chosen_k} clusters: they are the most clearly separated "
            f"(silhouette {_fmt(chosen)}, higher is better; {tail})."
        )
    else:
        rule = (
            f"{chosen_k} clusters: almost as clearly separated as the best, {best_k} clusters "
            f"(silhouette {_fmt(chosen)} vs {_fmt(best)}, higher is better), with fewer clusters to act on; "
            f"when silhouettes differ by less than {SILHOUETTE_TOLERANCE}, the fewer clusters win."
        )
    if best < 0.25:
        rule += (
            " Even the best silhouette is weak (below 0.25):"
            " the posts do not fall into clearly separate groups."
        )
    return chosen_k, rule


def _sweep_sentences(n: int, fit_rows: int, silhouette_rows: int) -> dict[str, str]:
    sampled = fit_rows < n
    inertia = (
        "Inertia is the total squared distance of posts to their cluster centre: it always falls as clusters "
        "are added, so look for the 'elbow' where it stops falling fast."
    )
    if sampled:
        inertia += f" It is estimated for all {n:,} posts from a random sample of {fit_rows:,}."
    silhouette = (
        "Silhouette (from −1 to 1) tells how much closer posts are to their own cluster than to the next "
        "one: "
        "above 0.5 is strong, 0.25–0.5 reasonable, below 0.25 weak."
    )
    if silhouette_rows < n:
        silhouette += f" It is measured on a random sample of {silhouette_rows:,} posts."
    return {
        "inertia": inertia,
        "silhouette": silhouette,
        "calinski_harabasz": (
            "Calinski-Harabasz compares the spread between clusters with the spread inside them: higher is "
            "better, and it only compares numbers of clusters on the same data."
        ),
        "davies_bouldin": (
            "Davies-Bouldin measures how much each cluster overlaps its most similar neighbour: lower is "
            "better, below 1 is good."
        ),
        "sample": (
            f"Every number of clusters was fitted on a random sample of {fit_rows:,} of the {n:,} posts "
            "to keep the comparison fast; the final model uses all posts."
            if sampled
            else f"Every number of clusters was fitted on all {n:,} posts."
        ),
    }


def sweep_k(
    X: np.ndarray | pd.DataFrame,
    ks: Sequence[int] = range(2, 11),
    seed: int = 42,
    progress: ProgressFn | None = None,
    max_fit_rows: int = SWEEP_FIT_ROWS,
) -> SweepResult:
    """Score every k; ks larger than the number of distinct rows are skipped. Raises TooFewRowsError.

    Fits on a seeded sample of at most ``max_fit_rows`` rows (additive parameter); the silhouette uses at
    most 10,000 rows of that sample. ``progress(done, total)`` is called once per k; the last call comes
    when the whole sweep is done.
    """
    matrix = as_matrix(X)
    _check_features(matrix)
    n = len(matrix)
    wanted = sorted({int(k) for k in ks if int(k) >= 2})
    if not wanted:
        raise PipelineError("Choose at least one number of clusters of 2 or more.")
    fit_idx = np.sort(sample_index(n, max_fit_rows, seed)) if n > max_fit_rows else np.arange(n)
    sample = matrix[fit_idx] if n > max_fit_rows else matrix
    m = len(sample)
    n_distinct = distinct_rows(sample)
    usable = [k for k in wanted if k < n_distinct]
    if n < 3 or not usable:
        exact = n_distinct if m == n else distinct_rows(matrix)
        message = _too_few_message(exact, n)
        if exact > 3:
            message = message[:-1] + f"; try 2 to {exact - 1} clusters."
        raise TooFewRowsError(message)
    sil_idx = sample_index(m, min(SWEEP_SILHOUETTE_ROWS, SILHOUETTE_ROWS), seed)
    sil_matrix = sample[sil_idx]
    total = len(usable)
    inertia: list[float] = []
    ch: list[float] = []
    db: list[float] = []
    label_sets: list[np.ndarray] = []
    for i, k in enumerate(usable, start=1):
        km = fit_quietly(new_kmeans(k, seed, tol=SWEEP_TOL), sample)
        labels = km.labels_
        inertia.append(float(km.inertia_) * n / m)
        ch.append(score_or_none(calinski_harabasz_score, sample, labels) or 0.0)
        db.append(score_or_none(davies_bouldin_score, sample, labels) or 0.0)
        label_sets.append(labels[sil_idx])
        if progress is not None and i < total:
            progress(i, total)
    silhouette = [
        None if values is None else float(values.mean())
        for values in silhouette_values(sil_matrix, label_sets)
    ]
    recommended, rule = recommend_k(usable, silhouette)
    if progress is not None:
        progress(total, total)
    return SweepResult(
        ks=usable,
        inertia=inertia,
        silhouette=silhouette,
        calinski_harabasz=ch,
        davies_bouldin=db,
        recommended_k=recommended,
        rule=rule,
        n_rows=n,
        fit_rows=m,
        silhouette_rows=len(sil_idx),
        skipped_ks=[k for k in wanted if k not in usable],
        sentences=_sweep_sentences(n, m, len(sil_idx)),
    )
