"""KMeans with a fixed random_state, a k sweep with a recommended k, and deterministic cluster numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass
class SweepResult:
    ks: list[int]
    inertia: list[float]
    silhouette: list[float]  # on at most 10,000 sampled rows, seeded
    calinski_harabasz: list[float]
    davies_bouldin: list[float]
    recommended_k: int
    rule: str  # the rule that chose it, in words, with the numbers

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ClusterModel:
    """A fitted KMeans whose cluster numbers are 1..k, 1 = the largest cluster on train (ties by centroid)."""

    kmeans: object  # sklearn KMeans with centers reordered so that predict()+1 is the cluster number
    k: int
    seed: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Cluster numbers 1..k (int32) for rows of X."""
        raise NotImplementedError

    @property
    def centers(self) -> np.ndarray:
        raise NotImplementedError


def sweep_k(
    X: np.ndarray, ks: Sequence[int] = range(2, 11), seed: int = 42, progress: ProgressFn | None = None
) -> SweepResult:
    """Score every k; ks larger than the number of distinct rows are skipped. Raises TooFewRowsError."""
    raise NotImplementedError


def fit_kmeans(X: np.ndarray, k: int, seed: int = 42) -> tuple[ClusterModel, np.ndarray]:
    """Fit KMeans(k, random_state=seed) and return the model and train cluster numbers 1..k."""
    raise NotImplementedError
