"""Describe clusters in the user's own units: sizes, lifts, category mix, timing, exemplars, names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialdash.services.roles import ColumnRole


@dataclass
class ClusterInsight:
    cluster: int  # 1..k
    name: str  # short automatic name, e.g. "High-comment videos"
    summary: str  # two sentences with numbers
    size: int
    share: float  # fraction of all labelled posts
    lifts: dict[str, float]  # metric → cluster median / overall median (or mean ratio when median is 0)
    medians: dict[str, float]
    category_mix: dict[str, dict[str, float]]  # column → {level: share in cluster}
    distinguishing: list[dict]  # [{"feature": .., "statistic": .., "direction": "higher"|"lower", "sentence": ..}]
    best_hours: list[int]  # best posting hours by median of the main engagement metric (empty if no datetime)
    best_weekdays: list[str]
    exemplars: pd.DataFrame  # up to 5 rows closest to the centroid: id, text and link columns when present

    def to_dict(self) -> dict:
        raise NotImplementedError


@dataclass
class Insights:
    clusters: list[ClusterInsight]
    lift_table: pd.DataFrame  # index cluster 1..k, columns metrics, values lift vs overall median
    overall_medians: dict[str, float]

    def to_dict(self) -> dict:
        raise NotImplementedError


def describe_clusters(
    df: pd.DataFrame,
    labels: np.ndarray,
    roles: list[ColumnRole],
    distances: np.ndarray | None = None,
) -> Insights:
    """``labels`` (1..k) align with ``df`` rows; ``distances`` to own centroid (same rows) pick exemplars."""
    raise NotImplementedError
