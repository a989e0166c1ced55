"""A frozen, JSON-serialisable preprocessing spec compiled into an sklearn Pipeline fitted on train only."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from socialdash.services.roles import ColumnRole

Scaler = Literal["standard", "robust", "minmax", "none"]
LogMode = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class PreprocessSpec:
    """Every preprocessing choice. ``canonical()`` is the same string for the same choices (the cache key)."""

    metrics: tuple[str, ...] = ()  # numeric metric columns used as features
    categoricals: tuple[str, ...] = ()  # one-hot encoded
    datetimes: tuple[str, ...] = ()  # expanded into the parts below
    datetime_parts: tuple[str, ...] = ("hour", "weekday")  # subset of hour, weekday, month
    impute_numeric: Literal["median", "mean", "zero"] = "median"
    log_transform: LogMode = "auto"  # auto: log1p on non-negative columns with skew > 1 on train
    scaler: Scaler = "standard"
    max_categories: int = 10  # one-hot levels kept per column; the rest go to "other"
    engagement_ratios: bool = False  # add e.g. comments per reaction from recognised count columns
    pca_components: int | None = None  # None = no PCA
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # reserved; not in canonical()

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return d

    def canonical(self) -> str:
        """Deterministic JSON: sorted keys, lists in a fixed order."""
        d = self.to_dict()
        for key in ("metrics", "categoricals", "datetimes", "datetime_parts"):
            d[key] = sorted(d[key])
        return json.dumps(d, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> PreprocessSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "extra"}
        for key in ("metrics", "categoricals", "datetimes", "datetime_parts"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


@dataclass
class Features:
    """The fitted preprocessing and the matrices it produced."""

    train: pd.DataFrame  # float features for train rows, columns = feature names, index = positional row ids
    test: pd.DataFrame
    pipeline: object  # fitted sklearn Pipeline (pandas output)
    warnings: list[str]  # plain sentences, e.g. identifier-like columns or many-level categoricals
    transforms: list[str]  # plain sentences of what was done ("log1p on num_comments (skew 12.3)")
    explained_variance: np.ndarray | None = None  # per PCA component, when PCA is on


def default_spec(roles: list[ColumnRole]) -> PreprocessSpec:
    """The spec a marketer gets without touching anything: included metrics, categoricals and datetimes."""
    raise NotImplementedError


def feature_warnings(df: pd.DataFrame, spec: PreprocessSpec) -> list[str]:
    """Warn when one input would dominate distances (identifier-like numbers, many-level categoricals, constants)."""
    raise NotImplementedError


def fit_features(df: pd.DataFrame, spec: PreprocessSpec, train_idx: np.ndarray, test_idx: np.ndarray) -> Features:
    """Fit the pipeline on ``df.iloc[train_idx]`` only, transform both. Raises NoFeaturesError/PipelineError."""
    raise NotImplementedError
