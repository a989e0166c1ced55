"""Table structure: header names, empty columns and rows, totals rows, a second header row of descriptions.

Private helper of :mod:`socialdash.services.ingest`.
"""

from __future__ import annotations

import re

import pandas as pd

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_TOTAL = re.compile(r"\s*(?:grand\s+)?(?:totals?|summary)\s*:?\s*", re.IGNORECASE)
_NUMERIC_TEXT = re.compile(r"\s*\(?[+-]?\s*[$€£¥]?\s*[\d.,\s\u00a0]*\d[\d.,\s\u00a0]*\s*%?\)?\s*")
DESCRIPTION_PROBE_ROWS = 200


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


def drop_empty_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove rows in which every cell is missing."""
    if any(dtype.kind in "iub" for dtype in frame.dtypes):  # a column that cannot be missing
        return frame, 0
    empty = frame.isna().all(axis=1)
    n = int(empty.sum())
    return (frame.loc[~empty] if n else frame), n


def _is_numeric_text(value: object) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and bool(_NUMERIC_TEXT.fullmatch(value))


def drop_description_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Drop a first row of descriptions: all text, over columns whose values below are mostly numbers."""
    if len(frame) < 3:
        return frame, False
    for col, dtype in frame.dtypes.items():  # a number in the first row: not descriptions (no row copy)
        if dtype.kind in "iufb" and not pd.isna(frame[col].iloc[0]):
            return frame, False
    first = frame.iloc[0]
    body = frame.iloc[1 : DESCRIPTION_PROBE_ROWS + 1]
    text_cells = 0
    numeric_below = 0
    for col in frame.columns:
        value = first[col]
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            continue
        if not isinstance(value, str) or _is_numeric_text(value):
            return frame, False
        text_cells += 1
        below = body[col].dropna()
        if len(below) and below.map(_is_numeric_text).mean() >= 0.8:
            numeric_below += 1
    n_cols = frame.shape[1]
    if text_cells * 2 >= n_cols and numeric_below >= max(1.0, 0.3 * n_cols):
        return frame.iloc[1:], True
    return frame, False


def _is_totals(frame: pd.DataFrame, row: int) -> bool:
    """Whether the first present cell of ``row`` reads "Total", "Summary", ... (no row Series built)."""
    for col in frame.columns:
        value = frame[col].iloc[row]
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            continue
        return isinstance(value, str) and bool(_TOTAL.fullmatch(value))
    return False


def drop_totals_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop a "Total", "Totals", "Summary" or "Grand total" row at the top or the bottom."""
    n = 0
    while len(frame) > 1 and _is_totals(frame, -1):
        frame = frame.iloc[:-1]
        n += 1
    while len(frame) > 1 and _is_totals(frame, 0):
        frame = frame.iloc[1:]
        n += 1
    return frame, n
