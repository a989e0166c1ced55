"""Table structure: header names, empty columns and rows, totals rows, a second header row of descriptions.

Private helper of :mod:`socialdash.services.ingest`. A parsed table is a dict of columns (``Columns``): numpy
arrays or pandas extension arrays of one length, by label. Cleaning works on them without building a
DataFrame (pandas 3 spends about 35 µs on each Series or frame it builds, a millisecond of a 10k-row ingest).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_TOTAL = re.compile(r"\s*(?:grand\s+)?(?:totals?|summary)\s*:?\s*", re.IGNORECASE)
_NUMERIC_TEXT = re.compile(r"\s*\(?[+-]?\s*[$€£¥]?\s*[\d.,\s\u00a0]*\d[\d.,\s\u00a0]*\s*%?\)?\s*")
DESCRIPTION_PROBE_ROWS = 200
Columns = dict[Any, Any]  # label → numpy array or pandas extension array


def clean_header(raw: object) -> tuple[str, list[str]]:
    """A header cell without BOMs, invisible characters, odd spaces; and the reasons it changed."""
    text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw)
    reasons: list[str] = []
    visible = _INVISIBLE.sub("", text)
    if visible != text:
        reasons.append("invisible characters removed")
    spaced = _SPACES.sub(" ", visible).strip()
    if spaced != visible:
        reasons.append("extra spaces removed")
    return spaced, reasons


def unique_names(raw_headers: list[object], positions: list[int]) -> tuple[list[str], list[dict]]:
    """Clean, non-blank, unique column names ("likes", "likes (2)"; blank → "column 3") and the renames."""
    cleaned = [clean_header(h) for h in raw_headers]
    taken = {name for name, _ in cleaned if name}
    used: set[str] = set()
    names: list[str] = []
    renamed: list[dict] = []
    for raw, (name, reasons), pos in zip(raw_headers, cleaned, positions, strict=True):
        reasons = list(reasons)
        if not name:
            name = f"column {pos + 1}"
            reasons = ["blank header"]
        if name in used:
            k = 2
            while f"{name} ({k})" in used or f"{name} ({k})" in taken:
                k += 1
            name = f"{name} ({k})"
            reasons.append("duplicate name")
        used.add(name)
        names.append(name)
        raw_text = "" if raw is None else str(raw)
        if name != raw_text:
            renamed.append({"from": raw_text, "to": name, "reason": ", ".join(reasons) or "cleaned"})
    return names, renamed


def columns_of(frame: pd.DataFrame) -> Columns:
    """A parsed DataFrame's columns by label: numpy arrays for numpy dtypes, else pandas' extension arrays."""
    return {label: s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array for label, s in frame.items()}


def n_rows(columns: Columns) -> int:
    """The number of rows (every column has as many values)."""
    return len(next(iter(columns.values()))) if columns else 0


def take_rows(columns: Columns, rows: slice | np.ndarray) -> Columns:
    """The same columns with only these rows (a slice, or a boolean mask)."""
    return {label: values[rows] for label, values in columns.items()}


def is_missing(value: object) -> bool:
    """Whether one cell is empty: None, NA, NaN or NaT."""
    return value is None or value is pd.NA or bool(value != value)


def drop_empty_rows(columns: Columns) -> tuple[Columns, int]:
    """Remove rows in which every cell is missing."""
    if any(values.dtype.kind in "iub" for values in columns.values()):  # a column that cannot be missing
        return columns, 0
    empty = np.logical_and.reduce([pd.isna(values) for values in columns.values()])
    n = int(empty.sum())
    return (take_rows(columns, ~empty) if n else columns), n


def _is_numeric_text(value: object) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and bool(_NUMERIC_TEXT.fullmatch(value))


def drop_description_row(columns: Columns) -> tuple[Columns, bool]:
    """Drop a first row of descriptions: all text, over columns whose values below are mostly numbers."""
    if n_rows(columns) < 3:
        return columns, False
    for values in columns.values():  # a number in the first row: not descriptions
        if values.dtype.kind in "iufb" and not is_missing(values[0]):
            return columns, False
    text_cells = 0
    numeric_below = 0
    for values in columns.values():
        value = values[0]
        if is_missing(value):
            continue
        if not isinstance(value, str) or _is_numeric_text(value):
            return columns, False
        text_cells += 1
        body = values[1 : DESCRIPTION_PROBE_ROWS + 1]
        below = body[~pd.isna(body)].tolist()
        if below and sum(map(_is_numeric_text, below)) >= 0.8 * len(below):
            numeric_below += 1
    n_cols = len(columns)
    if text_cells * 2 >= n_cols and numeric_below >= max(1.0, 0.3 * n_cols):
        return take_rows(columns, slice(1, None)), True
    return columns, False


def _is_totals(columns: Columns, row: int) -> bool:
    """Whether the first present cell of ``row`` reads "Total", "Summary", ..."""
    for values in columns.values():
        value = values[row]
        if is_missing(value):
            continue
        return isinstance(value, str) and bool(_TOTAL.fullmatch(value))
    return False


def drop_totals_rows(columns: Columns) -> tuple[Columns, int]:
    """Drop a "Total", "Totals", "Summary" or "Grand total" row at the top or the bottom."""
    n = 0
    while n_rows(columns) > 1 and _is_totals(columns, -1):
        columns = take_rows(columns, slice(None, -1))
        n += 1
    while n_rows(columns) > 1 and _is_totals(columns, 0):
        columns = take_rows(columns, slice(1, None))
        n += 1
    return columns, n
