"""Aggregates for the EDA page (pure pandas/numpy): their size never grows with the number of rows."""

from __future__ import annotations

import pandas as pd

from socialdash.services.roles import ColumnRole


def summarize(df: pd.DataFrame, roles: list[ColumnRole]) -> dict:
    """Per-column summary, missing shares, histograms, category counts, correlations, time aggregates."""
    raise NotImplementedError
