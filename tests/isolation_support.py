"""Posts exports with planted markers for the isolation, fault and soak checks (two people, two files)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NUMBER_RE = re.compile(r"\d+\.\d{6,}")


def posts_csv(rows: int, marker: str, seed: int) -> bytes:
    """A small posts export whose column names and category values carry ``marker`` (e.g. "zqalpha")."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 3, rows)
    likes = (np.array([20, 300, 4000])[groups] * rng.lognormal(0, 0.3, rows)).round()
    frame = pd.DataFrame(
        {
            "post_id": np.arange(10_000, 10_000 + rows),
            "published": pd.date_range("2024-01-01", periods=rows, freq="7h").strftime("%Y-%m-%d %H:%M"),
            f"kind_{marker}": np.array([f"{marker.title()}Photo", f"{marker.title()}Video", "Link"])[groups],
            f"likes_{marker}": likes.astype(int),
            f"shares_{marker}": (likes * rng.uniform(0.05, 0.1, rows)).round().astype(int),
            "comments": (likes * rng.uniform(0.01, 0.03, rows)).round().astype(int),
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


def fingerprints(texts: list[str]) -> set[str]:
    """Long decimal numbers (figure coordinates, metrics) that identify one dataset's results."""
    return {m for text in texts for m in NUMBER_RE.findall(text)}
