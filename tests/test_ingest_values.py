"""Missing markers in Arrow-backed text columns: the numpy screen never hides a marker from the count."""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pytest

from socialdash.services.arrow_frames import TEXT
from socialdash.services.ingest_values import MISSING, blank_missing

WORDS = ["photo", "video", "Hello world", "x", "é", "naive", "Nope", "#tag", "-5", "(a)", "nan-free", "NAB",
         "—ok"]  # short, and starting as markers do


@pytest.mark.parametrize("seed", range(300))
def test_blank_missing_counts_every_marker_in_chunked_sliced_arrow_columns(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    share = rng.choice([0.0, 0.02, 0.3])  # markers: none, a few, many
    values = [
        rng.choice(MISSING) if rng.random() < share else None if rng.random() < 0.2 else rng.choice(WORDS)
        for _ in range(n)
    ]
    cut = rng.randint(0, n)
    head = pa.array(["pad", *values[:cut]], pa.large_string()).slice(1)  # a chunk that starts at an offset
    chunks = pa.chunked_array([head, pa.array(values[cut:], pa.large_string())])
    column = pd.arrays.ArrowStringArray(chunks, dtype=TEXT)  # as the Arrow reader's columns come
    expected = sum(v in MISSING for v in values if v is not None)

    out, count = blank_missing(column, [v for v in values if v is not None][:100])

    assert count == expected
    assert isinstance(out, type(column))
    assert [None if pd.isna(v) else v for v in out] == [None if v in MISSING else v for v in values]


@pytest.mark.parametrize(
    "values", [["photo", "", "video"], ["photo", "video", ""], ["", None, "reel"], ["-"]]
)
def test_an_empty_or_one_byte_marker_anywhere_is_counted(values: list) -> None:
    column = pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(values, pa.large_string())]), dtype=TEXT)
    _, count = blank_missing(column, [v for v in values if v])
    assert count == sum(v in MISSING for v in values if v is not None)
