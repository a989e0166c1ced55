"""Seeded train/test split: random, or by time (the latest posts are the test set)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from socialdash.services.errors import PipelineError

MAX_TEST_SIZE = 0.9


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
    description: (
        str  # e.g. "5,640 posts to train on, 1,410 newest posts (after 3 May 2018) held out to test."
    )


def _check_size(n_rows: int, spec: SplitSpec) -> int:
    """Number of test rows out of ``n_rows``; PipelineError when a part would be empty."""
    size = spec.test_size
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= MAX_TEST_SIZE:
        raise PipelineError(
            f"The test share must be more than 0% and at most {MAX_TEST_SIZE:.0%} of the posts "
            f"(it was {size!r})."
        )
    n_test = math.ceil(size * n_rows)
    if n_rows < 2 or n_test >= n_rows:
        raise PipelineError(
            f"With {n_rows:,} post{'s' if n_rows != 1 else ''} there are too few to keep some for training "
            "and some for testing; upload more posts."
        )
    return n_test


def _time_column(df: pd.DataFrame, spec: SplitSpec) -> str:
    if spec.time_column is not None:
        if spec.time_column not in df.columns:
            raise PipelineError(f"There is no column called '{spec.time_column}' to split the posts by time.")
        if not pd.api.types.is_datetime64_any_dtype(df[spec.time_column].dtype):
            raise PipelineError(
                f"'{spec.time_column}' does not hold dates, so the newest posts cannot be picked from it."
            )
        return spec.time_column
    for name in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[name].dtype):
            return str(name)
    raise PipelineError(
        "This file has no date column, so posts cannot be split by time; use a random split instead."
    )


def _random_split(n_rows: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n_rows)
    return np.sort(order[n_test:]).astype(np.int64), np.sort(order[:n_test]).astype(np.int64)


def _pct(n: int, total: int) -> str:
    return f"{n / total:.0%}"


def split_rows(df: pd.DataFrame, spec: SplitSpec) -> Split:
    """Split positional rows. Raises PipelineError with a sentence when the spec cannot apply."""
    n_rows = len(df)
    if spec.method == "random":
        n_test = _check_size(n_rows, spec)
        train, test = _random_split(n_rows, n_test, int(spec.seed))
        text = (
            f"{len(train):,} posts to train on, {len(test):,} posts ({_pct(len(test), n_rows)}) picked at "
            f"random (seed {spec.seed}) held out to test."
        )
        return Split(train, test, text)
    if spec.method != "time":
        raise PipelineError(f"'{spec.method}' is not a way to split posts; choose random or time.")
    column = _time_column(df, spec)
    times = df[column]
    dated = np.flatnonzero(times.notna().to_numpy())
    if len(dated) < 2:
        raise PipelineError(
            f"Fewer than two posts have a date in '{column}', so they cannot be split by time."
        )
    n_test = _check_size(len(dated), spec)
    # Oldest first; ties keep file order, so the split is the same on every run.
    order = dated[times.iloc[dated].argsort(kind="stable").to_numpy()]
    test = np.sort(order[-n_test:]).astype(np.int64)
    train = np.setdiff1d(np.arange(n_rows, dtype=np.int64), test, assume_unique=True)
    cutoff = pd.Timestamp(times.iloc[order[-n_test]])
    text = (
        f"{len(train):,} posts to train on, {len(test):,} newest posts ({_pct(len(test), n_rows)}, "
        f"published on or after {cutoff.day} {cutoff:%b %Y %H:%M} by '{column}') held out to test."
    )
    undated = n_rows - len(dated)
    if undated:
        text += (
            f" {undated:,} post{'s' if undated != 1 else ''} without a date {'are' if undated != 1 else 'is'}"
        )
        text += " in the training set."
    return Split(train, test, text)
