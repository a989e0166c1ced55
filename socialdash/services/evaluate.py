"""Judge clusters on posts the model has not seen: train vs test metrics, shares, stability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialdash.services.model import ClusterModel


@dataclass
class Evaluation:
    # {"train": {"silhouette": .., "calinski_harabasz": .., "davies_bouldin": ..}, "test": {...}, "gap": {...}}
    metrics: dict[str, dict[str, float | None]]
    shares: pd.DataFrame  # columns: cluster (1..k), train_share, test_share (fractions)
    stability: dict[str, float | None]  # {"seed_ari_mean", "seed_ari_min", "train_vs_test_ari"}
    silhouette_samples: pd.DataFrame  # columns: cluster, silhouette (sampled, ≤ 10,000 rows)
    sentences: dict[str, str]  # plain-language reading per metric + "gap", "shares", "stability"

    def to_dict(self) -> dict:
        """JSON-friendly (no frames of more than k rows)."""
        raise NotImplementedError


def evaluate(
    model: ClusterModel, X_train: np.ndarray, X_test: np.ndarray, train_labels: np.ndarray, seed: int = 42
) -> Evaluation:
    """Metrics on train (fitted labels) and test (predicted labels), their gap, shares and stability."""
    raise NotImplementedError
