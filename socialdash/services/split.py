"""Seeded train/test split: random, or by time (the latest posts are the test set)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SplitSpec:
    test_size: float = 0.2  # fraction in (0, 0.9]
    method: Literal["random", "time"] = "random"
    seed: int = 42
    time_column: str | None = None  # required for method="time"; defaults to the first datetime column


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # sorted positional row indices (int64)
    test: np.ndarray
    description: str  # e.g. "5,640 posts to train on, 1,410 newest posts (after 3 May 2018) held out to test."


def split_rows(df: pd.DataFrame, spec: SplitSpec) -> Split:
    """Split positional rows. Raises PipelineError with a sentence when the spec cannot apply."""
    raise NotImplementedError
