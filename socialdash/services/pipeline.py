"""The whole pipeline as two calls, shared by the CLI and the app's caching facades."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from socialdash.services.errors import PipelineError, TooFewRowsError
from socialdash.services.evaluate import Evaluation, evaluate
from socialdash.services.insights import Insights, describe_clusters
from socialdash.services.memory import release_free_memory
from socialdash.services.model import ClusterModel, ProgressFn, SweepResult, fit_kmeans, sweep_k
from socialdash.services.preprocess import Features, PreprocessSpec, default_spec, fit_features
from socialdash.services.roles import ColumnRole, Role, apply_overrides, infer_roles
from socialdash.services.split import Split, SplitSpec, split_rows


@dataclass(frozen=True)
class Choices:
    """Everything a user chose. JSON-serialisable; ``canonical()`` is the cache key with the dataset hash."""

    role_overrides: dict[str, str] = field(default_factory=dict)  # column → Role value
    included: dict[str, bool] = field(default_factory=dict)  # column → used as a feature
    split: SplitSpec = field(default_factory=SplitSpec)
    preprocess: PreprocessSpec | None = None  # None: default_spec(roles)
    k: int | None = None  # None: the sweep's recommended k
    ks: tuple[int, ...] = tuple(range(2, 11))
    seed: int = 42

    def to_dict(self) -> dict:
        return {
            "role_overrides": dict(sorted(self.role_overrides.items())),
            "included": dict(sorted(self.included.items())),
            "split": dict(sorted(self.split.__dict__.items())),
            "preprocess": None if self.preprocess is None else json.loads(self.preprocess.canonical()),
            "k": self.k,
            "ks": list(self.ks),
            "seed": self.seed,
        }

    def canonical(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> Choices:
        pre = data.get("preprocess")
        return cls(
            role_overrides=dict(data.get("role_overrides") or {}),
            included={k: bool(v) for k, v in (data.get("included") or {}).items()},
            split=SplitSpec(**(data.get("split") or {})),
            preprocess=None if pre is None else PreprocessSpec.from_dict(pre),
            k=data.get("k"),
            ks=tuple(data.get("ks") or range(2, 11)),
            seed=int(data.get("seed", 42)),
        )

    @classmethod
    def from_json(cls, text: str) -> Choices:
        return cls.from_dict(json.loads(text))


@dataclass
class Prepared:
    roles: list[ColumnRole]
    spec: PreprocessSpec
    split: Split
    features: Features


@dataclass
class RunResult:
    prepared: Prepared
    sweep: SweepResult | None  # None when the user fixed k and no sweep was asked for
    k: int
    k_reason: str  # "You chose k = 4." or the sweep's rule
    model: ClusterModel
    labels: np.ndarray  # cluster number 1..k for every row of the frame, aligned with df
    split_labels: np.ndarray  # "train" / "test" for every row
    evaluation: Evaluation
    insights: Insights


def _check_k(k: int, n_train: int) -> None:
    if k < 2:
        raise PipelineError(
            f"Choose at least 2 clusters (you asked for {k}); one cluster would put every post together."
        )
    if k > n_train:
        raise TooFewRowsError(
            f"There are only {n_train:,} posts to train on, fewer than the {k} clusters asked for; "
            "choose fewer clusters or a smaller test share."
        )


def prepare(df: pd.DataFrame, choices: Choices, roles: list[ColumnRole] | None = None) -> Prepared:
    """Roles (with overrides) → split → spec → fitted features. ``roles``: the roles of ``df`` with the
    choices' overrides already applied, when the caller has them (the app caches them; inferring them
    again costs time and a transient of about the frame's size)."""
    release_free_memory()  # what reading the file (or an earlier run) freed, before the feature copies
    if roles is None:
        roles = apply_overrides(infer_roles(df), choices.role_overrides, choices.included)
    split = split_rows(df, choices.split)
    spec = choices.preprocess if choices.preprocess is not None else default_spec(roles)
    features = fit_features(df, spec, split.train, split.test)
    release_free_memory()  # the pipeline steps' intermediate frames
    return Prepared(roles=roles, spec=spec, split=split, features=features)


def _as_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The features as one C-ordered float64 array (what KMeans needs), filled column by column from the
    frame's own (float64) columns, so no second copy of the matrix, not even a chunk of it, is made."""
    out = np.empty(frame.shape, dtype=np.float64, order="C")
    for j in range(frame.shape[1]):
        out[:, j] = frame.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _own_matrices(prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """The train and test features as C-ordered float64 matrices; ``prepared.features`` then holds frames
    that are views of them, so the feature frames and the matrices KMeans needs are one copy, not two
    (the frames transform_features built are freed)."""
    feats = prepared.features
    X_train = _as_matrix(feats.train)
    X_test = _as_matrix(feats.test)
    train, test = _view_frame(X_train, feats.train), _view_frame(X_test, feats.test)
    prepared.features = replace(feats, train=train, test=test)
    release_free_memory()
    return X_train, X_test


def _view_frame(matrix: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
    """A frame over ``matrix`` (no copy) with the index and columns of ``like``."""
    return pd.DataFrame(matrix, index=like.index, columns=like.columns, copy=False)


def _distances(X: np.ndarray, centers: np.ndarray, labels: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Euclidean distance of each row to its own cluster's centre (labels 1..k), in bounded memory."""
    out = np.empty(X.shape[0], dtype=np.float64)
    for start in range(0, X.shape[0], chunk):
        stop = start + chunk
        diff = X[start:stop] - centers[labels[start:stop] - 1]
        out[start:stop] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def _sweep_on(X_train: np.ndarray, choices: Choices, progress: ProgressFn | None) -> SweepResult:
    """The k sweep over the choices' ks that the training rows allow (at least k = 2)."""
    ks = [k for k in choices.ks if 2 <= k <= X_train.shape[0]] or [2]
    return sweep_k(X_train, ks=ks, seed=choices.seed, progress=progress)


def sweep(
    df: pd.DataFrame,
    choices: Choices,
    progress: ProgressFn | None = None,
    roles: list[ColumnRole] | None = None,
) -> SweepResult:
    """prepare → the k sweep over ``choices.ks`` on the training rows (what ``run`` does when k is None; the
    chosen k is ignored). The feature frames are freed once the matrix is built. ``roles`` as in prepare."""
    X_train = _as_matrix(prepare(df, choices, roles).features.train)  # the prepared frames go after this
    release_free_memory()
    result = _sweep_on(X_train, choices, progress)
    del X_train
    release_free_memory()  # the matrix and the fits' working arrays, before the run prepares again
    return result


def run(
    df: pd.DataFrame,
    choices: Choices,
    progress: ProgressFn | None = None,
    roles: list[ColumnRole] | None = None,
) -> RunResult:
    """prepare → sweep (when k is None) → fit → evaluate → insights. ``roles`` as in :func:`prepare`."""
    if choices.k is not None and choices.k < 2:
        _check_k(choices.k, len(df))
    prepared = prepare(df, choices, roles)
    X_train, X_test = _own_matrices(prepared)
    feats = prepared.features
    n_train = X_train.shape[0]
    if n_train < 2:
        raise TooFewRowsError(
            f"Only {n_train} post is left to train on; upload more posts or lower the test share."
        )

    sweep: SweepResult | None = None
    if choices.k is None:
        sweep = _sweep_on(X_train, choices, progress)
        k = int(sweep.recommended_k)
        k_reason = sweep.rule
    else:
        k = int(choices.k)
        _check_k(k, n_train)
        k_reason = f"You chose k = {k}."

    # X_train is this run's own copy (the features frame is a view of it): KMeans may centre it in place
    # instead of copying it (+1 matrix); it adds the mean back afterwards
    model, train_labels = fit_kmeans(X_train, k, seed=choices.seed, copy_x=False)
    train_labels = np.asarray(train_labels, dtype=np.int32)
    found = np.unique(train_labels).size
    if found < k:
        raise TooFewRowsError(
            f"The posts to train on only fall into {found} different groups, fewer than the {k} "
            "clusters asked for; choose fewer clusters."
        )
    release_free_memory()  # the sweep's and the fit's working arrays
    test_labels = (
        np.asarray(model.predict(X_test), dtype=np.int32) if X_test.shape[0] else np.empty(0, dtype=np.int32)
    )

    n = len(df)
    train_pos = feats.train.index.to_numpy(dtype=np.int64)
    test_pos = feats.test.index.to_numpy(dtype=np.int64)
    labels = np.zeros(n, dtype=np.int32)
    labels[train_pos] = train_labels
    labels[test_pos] = test_labels
    split_labels = np.full(n, "train", dtype=object)
    split_labels[test_pos] = "test"

    centers = np.asarray(model.centers, dtype=np.float64)
    distances = np.full(n, np.nan)
    distances[train_pos] = _distances(X_train, centers, train_labels)
    if X_test.shape[0]:
        distances[test_pos] = _distances(X_test, centers, test_labels)

    evaluation = evaluate(model, X_train, X_test, train_labels, seed=choices.seed)
    del X_train, X_test  # the frames in prepared.features stay; free the copies before insights
    release_free_memory()
    insights = describe_clusters(df, labels, prepared.roles, distances)
    release_free_memory()
    return RunResult(
        prepared=prepared,
        sweep=sweep,
        k=k,
        k_reason=k_reason,
        model=model,
        labels=labels,
        split_labels=split_labels,
        evaluation=evaluation,
        insights=insights,
    )


def _jsonable(obj: Any) -> Any:
    """Plain JSON types only: numpy scalars → Python, NaN/inf → None, frames → records."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Enum):
        return _jsonable(obj.value)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return [_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return _jsonable(obj.to_dict())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, int):
        return obj
    if isinstance(obj, pd.Timestamp | datetime | date):
        return obj.isoformat()
    if obj is pd.NA or obj is pd.NaT:
        return None
    if hasattr(obj, "to_dict"):
        return _jsonable(obj.to_dict())
    return str(obj)


_DROP_REASONS = {
    "empty": "empty in every row, so it was dropped when the file was read and is not a feature.",
}


def _dropped_roles(ingest_report: dict | None) -> list[dict]:
    """Columns ingest removed (e.g. the empty Column1..4 of an Excel export), as role rows with the reason."""
    rows = []
    for item in (ingest_report or {}).get("columns_dropped") or []:
        name = str(item.get("column", ""))
        why = str(item.get("reason") or "dropped")
        text = _DROP_REASONS.get(why, f"dropped when the file was read ({why}), so it is not a feature.")
        rows.append(
            {
                "name": name,
                "role": str(Role.CONSTANT) if why == "empty" else "dropped",
                "reason": f"{name} is {text}" if why in _DROP_REASONS else f"{name} was {text}",
                "included": False,
                "dropped_by_ingest": True,
                "position": item.get("position"),
            }
        )
    return rows


def _cluster_rows(insights: Insights) -> list[dict]:
    rows = []
    for c in insights.clusters:
        rows.append(
            {
                "cluster": int(c.cluster),
                "name": c.name,
                "size": int(c.size),
                "share": float(c.share),
                "summary": c.summary,
                "lifts": c.lifts,
                "medians": c.medians,
                "distinguishing": [d.get("sentence") for d in c.distinguishing if d.get("sentence")],
                "best_hours": list(c.best_hours),
                "best_weekdays": list(c.best_weekdays),
            }
        )
    return rows


def run_report(result: RunResult, choices: Choices, ingest_report: dict | None = None) -> dict:
    """JSON-friendly run report: choices, k and why, metrics, stability, cluster summaries, ingest report."""
    prep = result.prepared
    ev = result.evaluation
    roles = [{**r.to_dict(), "dropped_by_ingest": False} for r in prep.roles] + _dropped_roles(ingest_report)
    report = {
        "report_version": 1,
        "choices": choices.to_dict(),
        "rows": {
            "used": len(result.labels),
            "train": int(prep.split.train.size),
            "test": int(prep.split.test.size),
            "split": prep.split.description,
        },
        "k": int(result.k),
        "k_reason": result.k_reason,
        "sweep": None if result.sweep is None else result.sweep.to_dict(),
        "metrics": {part: ev.metrics.get(part) for part in ("train", "test", "gap")},
        "sentences": ev.sentences,
        "shares": ev.shares,
        "stability": ev.stability,
        "clusters": _cluster_rows(result.insights),
        "roles": roles,
        "not_features": [{"column": r["name"], "reason": r["reason"]} for r in roles if not r["included"]],
        "features": {
            "columns": [str(c) for c in prep.features.train.columns],
            "spec": prep.spec.to_dict(),
            "transforms": prep.features.transforms,
            "warnings": prep.features.warnings,
        },
        "ingest": ingest_report,
    }
    return _jsonable(report)
