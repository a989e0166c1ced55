"""Labelled download: every kept row, original columns, plus cluster, cluster_name and split; CSV, XLSX.

Formula injection (OWASP "CSV Injection"): a text cell or header that begins with ``=`` ``+`` ``-`` ``@``, a
tab or a carriage return would be run as a formula by Excel/LibreOffice/Sheets. In CSV such cells get a
leading single quote (``'=HYPERLINK(...)``); numeric columns are never touched, so ``-3`` stays a number.
In XLSX every text cell is a string cell (never a formula), so its value is kept exactly; formula-like text
cells and headers also carry Excel's "quote prefix" flag, so editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import codecs
import io
import math
from collections.abc import Callable, Iterable
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import xlsxwriter
from pandas.api.extensions import ExtensionArray

from socialdash.services.errors import PipelineError

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CHARS = 32_767
ISO_DATETIME = "%Y-%m-%d %H:%M:%S"
ADDED_COLUMNS = ("cluster", "cluster_name", "split")
#: rows per chunk when writing the CSV (about 15 MB of text for a typical export)
CSV_CHUNK_ROWS = 100_000


def _free_name(name: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if name not in taken:
        return name
    i = 2
    while f"{name} ({i})" in taken:
        i += 1
    return f"{name} ({i})"


def _text_column(values: np.ndarray, to_text: Callable[[object], str]) -> ExtensionArray:
    """A few distinct values → a pandas text column, via one Arrow take (5× faster than Python strings)."""
    codes, uniques = pd.factorize(values)
    dictionary = pa.array([to_text(v) for v in uniques], type=pa.large_string())
    indices = pa.array(codes, type=pa.int64(), mask=codes < 0)  # a missing value stays missing
    return pd.array(dictionary.take(indices), dtype="str")


def labelled_frame(
    df: pd.DataFrame,
    labels: np.ndarray,
    split: np.ndarray,
    names: dict[int, str],
    dropped_columns: list[dict] | None = None,
) -> pd.DataFrame:
    """``df`` plus cluster (1..k), cluster_name and split ("train"/"test"); empty columns ingest dropped
    (``IngestReport.columns_dropped``) come back, empty, at their original positions.

    An original column already called ``cluster``, ``cluster_name`` or ``split`` is kept, renamed to
    "<name> (original)", so the added columns always have their documented names.
    """
    labels = np.asarray(labels)
    split = np.asarray(split)
    if len(labels) != len(df) or len(split) != len(df):
        raise ValueError(
            f"labels ({len(labels)}) and split ({len(split)}) must have one entry per row ({len(df)})"
        )
    out = df.reset_index(drop=True)
    clashes = {c: _free_name(f"{c} (original)", out.columns) for c in ADDED_COLUMNS if c in out.columns}
    if clashes:
        out = out.rename(columns=clashes)

    for entry in sorted(
        (d for d in dropped_columns or [] if d.get("reason") == "empty"), key=lambda d: int(d["position"])
    ):
        name = _free_name(str(entry["column"]), out.columns)
        position = min(max(int(entry["position"]), 0), out.shape[1])
        out.insert(position, name, pd.Series(index=out.index, dtype="str"))

    cluster = labels.astype("int64")
    known = {int(c): str(v) for c, v in names.items()}
    # new columns on the reset frame: its original columns are shared with ``df`` (copy-on-write), not copied
    out["cluster"] = cluster
    out["cluster_name"] = _text_column(cluster, lambda c: known.get(int(c), f"Cluster {int(c)}"))
    out["split"] = _text_column(split, str)
    return out


# -- CSV ---------------------------------------------------------------------------------------------------
def neutralise_text(value: str) -> str:
    """One text value made safe for spreadsheets: a leading quote when it starts like a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _neutralise_series(s: pd.Series) -> pd.Series | None:
    """The column with formula-like text cells quoted, or None when nothing needs changing."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_string_dtype(cats.dtype) or cats.dtype == object:
            new = [neutralise_text(c) if isinstance(c, str) else c for c in cats]
            if list(new) != list(cats):
                return s.cat.rename_categories(new)
        return None
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        mask = s.str.startswith(FORMULA_TRIGGERS).fillna(False).to_numpy(dtype=bool)
        return s.where(~mask, "'" + s) if mask.any() else None
    if s.dtype == object:
        mask = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)).to_numpy(dtype=bool)
        if not mask.any():
            return None
        return s.where(~mask, s.map(lambda v: "'" + v if isinstance(v, str) else v))
    return None


def _iso_datetimes(s: pd.Series) -> pd.Series | None:
    """Datetimes as "YYYY-MM-DD HH:MM:SS" text, or None when pandas' own CSV output already is exactly that.

    pandas writes that format itself unless every value is midnight (it then writes the date only), a value
    has fractions of a second, or the column has a time zone; only then is it formatted here (vectorised).
    """
    values = s.dt.tz_convert("UTC").dt.tz_localize(None) if s.dt.tz is not None else s
    ns = values.to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(ns)
    if not valid.any():
        return None
    ints = ns[valid].astype("int64")
    day = 86_400 * 10**9
    if s.dt.tz is None and (ints % 10**9 == 0).all() and not (ints % day == 0).all():
        return None
    text = np.datetime_as_string(ns.astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ").astype(object)
    text[~valid] = None
    return pd.Series(pd.array(text, dtype="str"), index=s.index, name=s.name)


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it goes into the CSV: formula-like headers and text cells quoted, datetimes ISO text."""
    replaced: dict[int, pd.Series] = {}
    for i, (_, s) in enumerate(df.items()):
        is_datetime = pd.api.types.is_datetime64_any_dtype(s.dtype)
        new = _iso_datetimes(s) if is_datetime else _neutralise_series(s)
        if new is not None:
            replaced[i] = new
    headers = [neutralise_text(str(c)) for c in df.columns]
    if not replaced and headers == list(df.columns):
        return df
    out = df.copy(deep=False)
    for i, new in replaced.items():
        out.isetitem(i, new)
    out.columns = headers
    return out


def write_csv(df: pd.DataFrame, stream: BinaryIO, chunk_rows: int = CSV_CHUNK_ROWS) -> None:
    """Write the CSV download to a binary stream, ``chunk_rows`` rows at a time: UTF-8 with BOM, CRLF rows,
    text cells and headers starting with = + - @ tab CR get a leading quote, numbers stay numbers.

    Only one chunk's safe copy and text exist at a time, so memory does not grow with the row count. The
    bytes are the same as writing the whole frame at once: every cell is formatted on its own (pandas
    itself writes in chunks), and a datetime column is ISO text whichever rows a chunk holds.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    stream.write(codecs.BOM_UTF8)
    for start in range(0, max(len(df), 1), chunk_rows):
        chunk = csv_safe_frame(df.iloc[start : start + chunk_rows])
        # CRLF line ends (RFC 4180): with "\n" the csv module leaves a lone CR in a text cell unquoted, and
        # readers (Excel, pandas) then split the row there. The header goes before the first chunk only.
        chunk.to_csv(stream, index=False, header=start == 0, encoding="utf-8", lineterminator="\r\n")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV download (see :func:`write_csv`) as bytes; prefer ``write_csv`` to a file for big frames."""
    buf = io.BytesIO()
    write_csv(df, buf)
    return buf.getvalue()


# -- XLSX --------------------------------------------------------------------------------------------------
def _cell_values(s: pd.Series) -> list:
    """A column as Python values for xlsxwriter: numbers, datetimes, bools, text; None for missing."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if s.dt.tz is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        values = s.dt.to_pydatetime() if hasattr(s.dt, "to_pydatetime") else s.to_numpy(dtype=object)
        out = list(values)
        return [None if v is pd.NaT or v is None else v for v in out] if s.isna().any() else out
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        values = s.to_numpy(dtype=object, na_value=None)
        if pd.api.types.is_float_dtype(s.dtype):
            return [
                None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v for v in values
            ]
        return list(values)
    values = s.to_numpy(dtype=object, na_value=None)
    return [
        None
        if v is None or (isinstance(v, float) and math.isnan(v))
        else v[:EXCEL_MAX_CHARS]
        if isinstance(v, str)
        else v
        if isinstance(v, bool | int | float)
        else str(v)[:EXCEL_MAX_CHARS]
        for v in values
    ]


def _formula_like_cells(df: pd.DataFrame) -> dict[int, list[int]]:
    """Positions of text cells starting with a formula trigger, found column by column (vectorised)."""
    cells: dict[int, list[int]] = {}
    for c, (_, s) in enumerate(df.items()):
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            mask = s.str.startswith(FORMULA_TRIGGERS).fillna(False).to_numpy(dtype=bool)
        elif s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
            mask = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)).to_numpy(dtype=bool)
        else:
            continue
        for r in np.flatnonzero(mask):
            cells.setdefault(int(r), []).append(c)
    return cells


def flatten_report(report: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested report → (key, value) rows; nested keys joined with "." and list items numbered from 1."""
    rows: list[tuple[str, object]] = []
    items = report.items() if isinstance(report, dict) else enumerate(report, start=1)
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list | tuple) and value:
            rows.extend(flatten_report(value, name))
        elif isinstance(value, dict | list | tuple):
            rows.append((name, ""))
        elif value is None or isinstance(value, bool | int | float | str):
            rows.append((name, value))
        else:
            rows.append((name, str(value)))
    return rows


def _write_report(wb: xlsxwriter.Workbook, report: dict, bold, quoted) -> None:
    ws = wb.add_worksheet("report")
    ws.write_string(0, 0, "setting or result", bold)
    ws.write_string(0, 1, "value", bold)
    for r, (key, value) in enumerate(flatten_report(report), start=1):
        ws.write_string(r, 0, key[:EXCEL_MAX_CHARS])
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        if isinstance(value, str):
            ws.write_string(
                r, 1, value[:EXCEL_MAX_CHARS], quoted if value.startswith(FORMULA_TRIGGERS) else None
            )
        elif value is not None:
            ws.write(r, 1, value)
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 60)


def to_xlsx_bytes(df: pd.DataFrame, report: dict | None = None) -> bytes:
    """Workbook with the labelled posts (formula-safe) and, if given, a sheet with the run report.

    Raises PipelineError when the posts do not fit on one Excel sheet (1,048,576 rows including the header).
    """
    if len(df) + 1 > EXCEL_MAX_ROWS:
        raise PipelineError(
            f"This download has {len(df):,} posts, more than the {EXCEL_MAX_ROWS - 1:,} an Excel sheet can "
            "hold; download the CSV file instead."
        )
    if df.shape[1] > EXCEL_MAX_COLUMNS:
        raise PipelineError(
            f"This download has {df.shape[1]:,} columns, more than the {EXCEL_MAX_COLUMNS:,} an Excel sheet "
            "can hold; download the CSV file instead."
        )
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,  # rows are written in order and flushed: flat memory on big exports
            "strings_to_formulas": False,  # "=..." stays text: the formula-injection guard for XLSX
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
            "remove_timezone": True,
        },
    )
    bold = wb.add_format({"bold": True})
    quoted = wb.add_format({"quote_prefix": True})
    quoted_bold = wb.add_format({"quote_prefix": True, "bold": True})
    ws = wb.add_worksheet("posts")
    for c, name in enumerate(df.columns):
        header = str(name)[:EXCEL_MAX_CHARS]
        ws.write_string(0, c, header, quoted_bold if header.startswith(FORMULA_TRIGGERS) else bold)
        ws.set_column(c, c, min(max(len(header) + 2, 10), 50))
    ws.freeze_panes(1, 0)
    columns = [_cell_values(s) for _, s in df.items()]
    flagged = _formula_like_cells(df)  # {row: [column, ...]} of text cells that look like formulas
    for r, row in enumerate(zip(*columns, strict=True), start=1):
        ws.write_row(r, 0, row)
        for c in flagged.get(r - 1, ()):
            ws.write_string(r, c, row[c], quoted)
    if report:
        _write_report(wb, report, bold, quoted)
    wb.close()
    return buf.getvalue()
