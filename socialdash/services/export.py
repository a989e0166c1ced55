"""Labelled download: every kept row, original columns, plus cluster, cluster_name and split; CSV, XLSX, report."""

from __future__ import annotations

import numpy as np
import pandas as pd


def labelled_frame(
    df: pd.DataFrame,
    labels: np.ndarray,
    split: np.ndarray,
    names: dict[int, str],
    dropped_columns: list[dict] | None = None,
) -> pd.DataFrame:
    """``df`` plus cluster (1..k), cluster_name and split ("train"/"test"); empty columns ingest dropped
    (``IngestReport.columns_dropped``) come back, empty, at their original positions."""
    raise NotImplementedError


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM; cells and headers starting with = + - @ tab CR neutralised (numbers stay numbers)."""
    raise NotImplementedError


def to_xlsx_bytes(df: pd.DataFrame, report: dict | None = None) -> bytes:
    """Workbook with the labelled posts (formula-safe) and, if given, a sheet with the run report."""
    raise NotImplementedError
