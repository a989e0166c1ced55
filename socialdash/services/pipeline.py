"""The whole pipeline as two calls, shared by the CLI and the app's caching facades."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialdash.services.evaluate import Evaluation
from socialdash.services.insights import Insights
from socialdash.services.model import ClusterModel, ProgressFn, SweepResult
from socialdash.services.preprocess import Features, PreprocessSpec
from socialdash.services.roles import ColumnRole
from socialdash.services.split import Split, SplitSpec


@dataclass(frozen=True)
class Choices:
    """Everything a user chose. JSON-serialisable; ``canonical()`` is the cache key with the dataset hash."""

    role_overrides: dict[str, str] = field(default_factory=dict)  # column → Role value
    included: dict[str, bool] = field(default_factory=dict)  # column → used as a feature
    split: SplitSpec = SplitSpec()
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


def prepare(df: pd.DataFrame, choices: Choices) -> Prepared:
    """Roles (with overrides) → split → spec → fitted features."""
    raise NotImplementedError


def run(df: pd.DataFrame, choices: Choices, progress: ProgressFn | None = None) -> RunResult:
    """prepare → sweep (when k is None) → fit → evaluate → insights."""
    raise NotImplementedError


def run_report(result: RunResult, choices: Choices, ingest_report: dict | None = None) -> dict:
    """JSON-friendly run report: choices, k and why, metrics, stability, cluster summaries, ingest report."""
    raise NotImplementedError
