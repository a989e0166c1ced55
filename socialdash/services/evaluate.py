"""Judge clusters on posts the model has not seen: train vs test metrics, shares, stability.

Silhouettes use at most 10,000 seeded rows (of train, and of test); Calinski-Harabasz and Davies-Bouldin use
every row. Stability refits KMeans with ``STABILITY_SEEDS`` other seeds on at most ``STABILITY_ROWS`` sampled
train rows and compares them with the model's labels (adjusted Rand index, ARI: 1 = identical clusters,
0 = no better than chance); ``train_vs_test_ari`` compares the model's predictions on (at most
``STABILITY_ROWS``) test rows with a fresh KMeans fitted on those test rows only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score

from socialdash.services.model import (
    SILHOUETTE_ROWS,
    ClusterModel,
    as_matrix,
    fit_quietly,
    new_kmeans,
    sample_index,
    score_or_none,
    silhouette_values,
)

STABILITY_SEEDS = 5  # other random starts compared with the model
STABILITY_ROWS = 20_000  # rows the stability refits use
SHARE_SHIFT_POINTS = 10.0  # a cluster's share moving more than this (percentage points) is worth a warning
GAP_WARNING = 0.1  # test silhouette this much below train is worth a warning
METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin")


@dataclass
class Evaluation:
    # {"train": {"silhouette": .., "calinski_harabasz": .., "davies_bouldin": ..}, "test": {..}, "gap": {..}}
    metrics: dict[str, dict[str, float | None]]
    shares: (
        pd.DataFrame
    )  # columns: cluster (1..k), train_share, test_share (fractions); + train_posts, test_posts
    stability: dict[str, float | None]  # {"seed_ari_mean", "seed_ari_min", "train_vs_test_ari"}
    silhouette_samples: pd.DataFrame  # columns: cluster, silhouette (sampled, ≤ 10,000 rows)
    sentences: dict[str, str]  # plain-language reading per metric + "gap", "shares", "stability"

    def to_dict(self) -> dict:
        """JSON-friendly (no frames of more than k rows).

        ``silhouette_samples`` is not included row by row (up to 10,000 values); instead
        ``silhouette_by_cluster`` gives, per cluster, the sampled rows, their mean silhouette and the share of
        sampled posts with a negative silhouette (closer to another cluster than to their own).
        """
        shares = [
            {key: _plain(value) for key, value in row.items()}
            for row in self.shares.to_dict(orient="records")
        ]
        return {
            "metrics": {
                part: {name: _plain(v) for name, v in vals.items()} for part, vals in self.metrics.items()
            },
            "shares": shares,
            "stability": {name: _plain(v) for name, v in self.stability.items()},
            "silhouette_by_cluster": silhouette_by_cluster(self.silhouette_samples),
            "sentences": dict(self.sentences),
        }


def _plain(value: object) -> object:
    """numpy scalars → Python; NaN → None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def silhouette_by_cluster(samples: pd.DataFrame) -> list[dict]:
    """Per cluster: sampled posts, mean silhouette and share of sampled posts with a negative silhouette."""
    out = []
    for cluster, group in samples.groupby("cluster", sort=True):
        values = group["silhouette"].to_numpy(dtype=np.float64)
        out.append(
            {
                "cluster": int(cluster),
                "sampled_posts": len(values),
                "mean_silhouette": float(values.mean()),
                "negative_share": float((values < 0).mean()),
            }
        )
    return out


def _silhouette(matrix: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float | None, pd.DataFrame]:
    """Mean silhouette on ≤ 10,000 seeded rows, and those rows' values (sorted for a silhouette plot)."""
    idx = sample_index(len(matrix), SILHOUETTE_ROWS, seed)
    (values,) = silhouette_values(matrix[idx], [labels[idx]]) if len(idx) else [None]
    if values is None:
        return None, pd.DataFrame(
            {"cluster": pd.Series(dtype="int32"), "silhouette": pd.Series(dtype="float64")}
        )
    frame = pd.DataFrame({"cluster": labels[idx].astype(np.int32), "silhouette": values})
    frame = frame.sort_values(["cluster", "silhouette"], ascending=[True, False], kind="stable")
    return float(values.mean()), frame.reset_index(drop=True)


def _metrics(
    matrix: np.ndarray, labels: np.ndarray, seed: int
) -> tuple[dict[str, float | None], pd.DataFrame]:
    sil, frame = _silhouette(matrix, labels, seed)
    if len(matrix) == 0:
        return dict.fromkeys(METRICS), frame
    return {
        "silhouette": sil,
        "calinski_harabasz": score_or_none(calinski_harabasz_score, matrix, labels),
        "davies_bouldin": score_or_none(davies_bouldin_score, matrix, labels),
    }, frame


def _gap(train: dict[str, float | None], test: dict[str, float | None]) -> dict[str, float | None]:
    return {
        name: None if train[name] is None or test[name] is None else float(test[name] - train[name])  # type: ignore[operator]
        for name in METRICS
    }


def _shares(k: int, train_labels: np.ndarray, test_labels: np.ndarray) -> pd.DataFrame:
    train_counts = np.bincount(train_labels, minlength=k + 1)[1 : k + 1]
    test_counts = np.bincount(test_labels, minlength=k + 1)[1 : k + 1]
    return pd.DataFrame(
        {
            "cluster": np.arange(1, k + 1, dtype=np.int32),
            "train_share": train_counts / max(1, len(train_labels)),
            "test_share": test_counts / max(1, len(test_labels)),
            "train_posts": train_counts.astype(np.int64),
            "test_posts": test_counts.astype(np.int64),
        }
    )


def _refit_labels(matrix: np.ndarray, k: int, seed: int) -> np.ndarray | None:
    """Labels of a fresh KMeans(k, seed), or None when the rows cannot make k clusters."""
    if len(matrix) < k:
        return None
    km = fit_quietly(new_kmeans(k, seed), matrix)
    if len(np.unique(km.labels_)) < k:
        return None
    return km.labels_


def _stability(
    model: ClusterModel, train: np.ndarray, test: np.ndarray, train_labels: np.ndarray, seed: int
) -> dict[str, float | None]:
    out: dict[str, float | None] = {"seed_ari_mean": None, "seed_ari_min": None, "train_vs_test_ari": None}
    k = model.k
    if k < 2:
        return out
    idx = np.sort(sample_index(len(train), STABILITY_ROWS, seed))
    sample, reference = train[idx], train_labels[idx]
    aris = []
    for other in range(seed + 1, seed + 1 + STABILITY_SEEDS):
        labels = _refit_labels(sample, k, other)
        if labels is None:
            break
        aris.append(float(adjusted_rand_score(reference, labels)))
    if len(aris) == STABILITY_SEEDS:
        out["seed_ari_mean"] = float(np.mean(aris))
        out["seed_ari_min"] = float(np.min(aris))
    if len(test):
        tidx = np.sort(sample_index(len(test), STABILITY_ROWS, seed))
        fresh = _refit_labels(test[tidx], k, seed)
        if fresh is not None:
            out["train_vs_test_ari"] = float(adjusted_rand_score(model.predict(test[tidx]), fresh))
    return out


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _silhouette_sentence(train: float | None, test: float | None) -> str:
    if train is None:
        return "Silhouette cannot be measured: the training posts form fewer than 2 clusters."
    if train >= 0.5:
        band = "clusters are clearly distinct (strong)"
    elif train >= 0.25:
        band = "clusters are reasonably distinct"
    elif train >= 0:
        band = "clusters are weak: they overlap a lot"
    else:
        band = "clusters are weak: many posts sit closer to another cluster than to their own"
    test_part = "" if test is None else f" ({_num(test)} on test posts)"
    return (
        f"Silhouette {_num(train)} on training posts{test_part} — {band}; it runs from −1 to 1, "
        "above 0.5 is strong, below 0.25 weak."
    )


def _ch_sentence(train: float | None, test: float | None) -> str:
    if train is None:
        return "Calinski-Harabasz cannot be measured: the training posts form fewer than 2 clusters."
    test_part = "" if test is None else f" ({_num(test, 0)} on test posts)"
    return (
        f"Calinski-Harabasz {_num(train, 0)} on training posts{test_part}: higher means the clusters are "
        "better separated; it has no good or bad level of its own and only compares numbers of clusters "
        "on the same data."
    )


def _db_sentence(train: float | None, test: float | None) -> str:
    if train is None:
        return "Davies-Bouldin cannot be measured: the training posts form fewer than 2 clusters."
    if train < 1:
        band = "good: clusters are compact and far apart"
    elif train < 2:
        band = "fair: some clusters sit close to each other"
    else:
        band = "poor: clusters overlap"
    test_part = "" if test is None else f" ({_num(test)} on test posts)"
    return (
        f"Davies-Bouldin {_num(train)} on training posts{test_part} — {band}; "
        "lower is better, below 1 is good."
    )


def _points(value: float) -> str:
    return f"{value:.0f} percentage point{'' if round(value) == 1 else 's'}"


def _max_shift(shares: pd.DataFrame) -> tuple[float, int]:
    """Largest change of a cluster's share from train to test, in percentage points, and that cluster."""
    diff = (shares["test_share"] - shares["train_share"]).abs().to_numpy() * 100
    i = int(np.argmax(diff)) if len(diff) else 0
    return (float(diff[i]) if len(diff) else 0.0), (int(shares["cluster"].iloc[i]) if len(diff) else 1)


def _gap_sentence(metrics: dict[str, dict[str, float | None]], shares: pd.DataFrame, n_test: int) -> str:
    train, test = metrics["train"]["silhouette"], metrics["test"]["silhouette"]
    if n_test == 0:
        return "There are no test posts, so the clusters cannot be checked on posts the model has not seen."
    if train is None or test is None:
        return (
            "The test posts fall into a single cluster (or are too few), so the clusters cannot be checked "
            "on posts the model has not seen; use a larger test set."
        )
    diff = test - train
    shift, _ = _max_shift(shares)
    if abs(diff) < 0.005:
        head = f"Test silhouette is the same as train ({_num(test)})"
    elif diff > 0:
        head = f"Test silhouette is {_num(diff)} higher than train"
    else:
        head = f"Test silhouette is {_num(-diff)} lower than train"
    if diff < -GAP_WARNING:
        text = (
            f"{head} — the clusters are less distinct on posts the model has not seen; "
            "treat them with caution."
        )
    else:
        text = f"{head} — the clusters hold up on posts the model has not seen."
    if shift > SHARE_SHIFT_POINTS:
        text += (
            f" But cluster shares shift by up to {_points(shift)} between training and test "
            "posts, "
            "so the test posts are a different mix (common when the test set is the latest posts)."
        )
    return text


def _shares_sentence(shares: pd.DataFrame, n_test: int) -> str:
    if n_test == 0:
        return "There are no test posts to compare cluster shares with."
    shift, cluster = _max_shift(shares)
    row = shares.loc[shares["cluster"] == cluster].iloc[0]
    detail = (
        f"cluster {cluster}: {row['train_share'] * 100:.0f}% of training posts, "
        f"{row['test_share'] * 100:.0f}% of test posts"
    )
    if shift > SHARE_SHIFT_POINTS:
        return (
            f"Cluster shares differ between training and test posts by up to {_points(shift)} "
            f"({detail}) — the test posts are a different mix, so the clusters may describe them less well."
        )
    return (
        "Cluster shares are similar on training and test posts: "
        f"the largest change is {_points(shift)} ({detail})."
    )


def _stability_sentence(stability: dict[str, float | None], k: int) -> str:
    mean, low, tt = stability["seed_ari_mean"], stability["seed_ari_min"], stability["train_vs_test_ari"]
    if mean is None or low is None:
        return "Stability cannot be measured: it needs at least 2 clusters and enough distinct posts."
    if mean >= 0.9:
        band = "very stable: another random start gives practically the same clusters"
    elif mean >= 0.75:
        band = "stable: another random start gives mostly the same clusters"
    else:
        band = "unstable: results could change with another random start"
    text = (
        f"Stability {_num(mean)} (agreement with {STABILITY_SEEDS} other random starts, lowest {_num(low)}; "
        f"1 = identical clusters, 0 = chance) — {band}; 0.9 and above is very stable, below 0.75 unstable."
    )
    if tt is not None:
        agree = "agree well" if tt >= 0.75 else "agree poorly"
        text += (
            f" {k} clusters fitted on the test posts alone {agree} with this model's clusters "
            f"(agreement {_num(tt)})."
        )
    return text


def evaluate(
    model: ClusterModel,
    X_train: np.ndarray | pd.DataFrame,
    X_test: np.ndarray | pd.DataFrame,
    train_labels: np.ndarray,
    seed: int = 42,
) -> Evaluation:
    """Metrics on train (fitted labels) and test (predicted labels), their gap, shares and stability.

    Undefined metrics (e.g. the test posts fall into one cluster) are None; nothing is raised for them.
    """
    train = as_matrix(X_train)
    test = as_matrix(X_test)
    train_labels = np.asarray(train_labels).astype(np.int64)
    test_labels = model.predict(test).astype(np.int64) if len(test) else np.empty(0, dtype=np.int64)
    train_metrics, samples = _metrics(train, train_labels, seed)
    test_metrics, _ = _metrics(test, test_labels, seed)
    metrics = {"train": train_metrics, "test": test_metrics, "gap": _gap(train_metrics, test_metrics)}
    shares = _shares(model.k, train_labels, test_labels)
    stability = _stability(model, train, test, train_labels, seed)
    sentences = {
        "silhouette": _silhouette_sentence(train_metrics["silhouette"], test_metrics["silhouette"]),
        "calinski_harabasz": _ch_sentence(
            train_metrics["calinski_harabasz"], test_metrics["calinski_harabasz"]
        ),
        "davies_bouldin": _db_sentence(train_metrics["davies_bouldin"], test_metrics["davies_bouldin"]),
        "gap": _gap_sentence(metrics, shares, len(test)),
        "shares": _shares_sentence(shares, len(test)),
        "stability": _stability_sentence(stability, model.k),
    }
    return Evaluation(
        metrics=metrics, shares=shares, stability=stability, silhouette_samples=samples, sentences=sentences
    )
