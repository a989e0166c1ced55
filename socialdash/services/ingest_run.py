"""The ingest pipeline: limits, file type, parse, structure clean-up, value coercion, the report.

Private helper of :mod:`socialdash.services.ingest` (which owns the public contract and the report type).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from socialdash.services.arrow_frames import TEXT, frame_from_arrays
from socialdash.services.errors import (
    BinaryFileError,
    CorruptFileError,
    EmptyFileError,
    NotATableError,
    NoUsableColumnsError,
    TooLargeError,
    UnsupportedFileError,
)
from socialdash.services.ingest_clean import (
    Columns,
    drop_description_row,
    drop_empty_rows,
    drop_totals_rows,
    n_rows,
    unique_names,
)
from socialdash.services.ingest_excel import read_excel_table
from socialdash.services.ingest_text import SAMPLE_BYTES, RawTable, read_head, read_text_table
from socialdash.services.ingest_values import (
    Coercion,
    blank_missing,
    coerce_dates,
    coerce_epoch,
    coerce_numbers,
    int_to_text,
    is_blank_column,
    sample_values,
    tidy_float,
)

if TYPE_CHECKING:
    from socialdash.services.ingest import IngestLimits, IngestReport

TEXT_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab", ".dat", ".xls"}
EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
OTHER_EXTENSIONS = {".json", ".xml", ".html", ".htm", ".pdf", ".doc", ".docx", ".ppt", ".pptx", ".ods",
                    ".numbers", ".parquet", ".zip", ".gz", ".7z", ".rar", ".png", ".jpg", ".jpeg", ".gif",
                    ".sqlite", ".db", ".exe"}
BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
                b"\x7fELF", b"MZ", b"PAR1", b"SQLite format 3", b"BZh", b"\xfd7zXZ", b"II*\x00", b"MM\x00*",
                b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ID_DIGITS = 10**15


def _size(source: bytes | Path) -> int:
    if isinstance(source, bytes):
        return len(source)
    try:
        return Path(source).stat().st_size
    except OSError:
        raise CorruptFileError("The uploaded file could not be opened on the server.") from None


def _megabytes(n: int) -> str:
    """A byte count in words: "250 MB", "1.5 MB", "12 KB"."""
    mb = n / (1024 * 1024)
    if mb >= 10:
        return f"{mb:,.0f} MB"
    if mb >= 1:
        return f"{mb:,.1f} MB"
    return f"{max(1, round(n / 1024)):,} KB"


def _kind(head: bytes, file_name: str) -> str:
    """"xlsx" or "csv" from the first bytes (the name only breaks ties); refuses binary and unknown files."""
    ext = Path(file_name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        if ext in EXCEL_EXTENSIONS:
            raise CorruptFileError(
                "This Excel file is protected with a password (or damaged). Remove the password, save it "
                "again and upload the new file."
            )
        raise UnsupportedFileError(
            "Old Excel (.xls) and other Office files cannot be read. "
            "Save it as .xlsx or CSV and upload again."
        )
    if head.startswith(BINARY_MAGIC):
        raise BinaryFileError()
    if ext in OTHER_EXTENSIONS:
        raise UnsupportedFileError()
    return "csv"


def run_ingest(source: bytes | Path, report: IngestReport, limits: IngestLimits) -> pd.DataFrame:
    """Read, clean and type the upload; fill ``report``; raise IngestError subclasses for bad input."""
    if isinstance(source, bytearray | memoryview):
        source = bytes(source)
    elif isinstance(source, str):
        source = Path(source)
    n_bytes = _size(source)
    report.n_bytes = n_bytes
    if n_bytes > limits.max_bytes:
        raise TooLargeError(
            f"The file is {_megabytes(n_bytes)}; "
            f"this server accepts files up to {_megabytes(limits.max_bytes)}."
        )
    if n_bytes == 0:
        raise EmptyFileError()
    head = read_head(source, SAMPLE_BYTES)  # what the text reader looks at first (one read, not two)
    kind = _kind(head, report.file_name)
    ext = Path(report.file_name).suffix.lower()
    if kind == "xlsx":
        report.file_type = "xlsx"
        raw = read_excel_table(source, limits.max_bytes, limits.max_rows, limits.max_columns)
        report.sheet = raw.sheet
        if ext in TEXT_EXTENSIONS:
            raw.notes.append(f"The file is named {ext} but is an Excel workbook; it was read as one.")
    else:
        raw = read_text_table(source, n_bytes, limits.max_rows, limits.max_columns, head)
        report.encoding = raw.encoding
        report.delimiter = raw.delimiter
        if ext in EXCEL_EXTENSIONS | {".xls"}:
            raw.notes.append(f"The file is named {ext} but holds plain text; it was read as a CSV file.")
        if ext not in TEXT_EXTENSIONS | EXCEL_EXTENSIONS and len(raw.columns) < 2:
            raise UnsupportedFileError()
    frame = clean_table(raw, report)
    report.notes.extend(raw.notes)
    return frame


def clean_table(raw: RawTable, report: IngestReport) -> pd.DataFrame:
    """Structure clean-up and value coercion on a parsed table; fills ``report``."""
    columns = raw.columns
    report.rows_dropped.extend(raw.rows_dropped)
    if n_rows(columns) == 0:
        raise NotATableError()
    columns = _drop_blank_columns(columns, raw, report)
    columns, n_empty = drop_empty_rows(columns)
    if n_empty:
        report.rows_dropped.append({"count": n_empty, "reason": "empty rows"})
    columns, described = drop_description_row(columns)
    if described:
        report.rows_dropped.append({"count": 1, "reason": "description row"})
        columns = _drop_blank_columns(columns, raw, report)  # only the descriptions filled these
    columns, n_totals = drop_totals_rows(columns)
    if n_totals:
        report.rows_dropped.append({"count": n_totals, "reason": "totals row"})
    if n_rows(columns) == 0:
        raise NotATableError()
    positions = [int(c) for c in columns]
    names, report.renamed = unique_names([raw.headers[c] for c in positions], positions)
    markers = [0, 0]
    typed = {  # each column typed on its own; the frame is built once, at the end, without copying them
        name: _typed_column(values, name, pos, raw, report, markers)
        for values, name, pos in zip(columns.values(), names, positions, strict=True)
    }
    out = frame_from_arrays(list(typed.values()), list(typed), n_rows(columns))
    if markers[0]:
        report.notes.append(
            f"{markers[0]:,} cells written as -, n/a, null or similar were treated as empty "
            f"(in {markers[1]:,} column{'s' if markers[1] != 1 else ''})."
        )
    report.n_rows, report.n_columns = out.shape
    return out


def _drop_blank_columns(columns: Columns, raw: RawTable, report: IngestReport) -> Columns:
    """Drop the columns that hold no value; report them (in file order) with their header and position."""
    blank = [c for c, values in columns.items() if is_blank_column(values)]
    if len(blank) == len(columns):
        raise NoUsableColumnsError(
            "Every column in this file is empty, so there are no values to work with."
        )
    if not blank:
        return columns
    report.columns_dropped.extend(
        {"column": str(raw.headers[c]), "position": int(c), "reason": "empty"} for c in blank
    )
    report.columns_dropped.sort(key=lambda item: item["position"])
    return {c: values for c, values in columns.items() if c not in blank}


def _typed_column(
    values: Any, name: str, pos: int, raw: RawTable, report: IngestReport, markers: list[int]
) -> Any:
    """One column's values with their final dtype (number, datetime64[ns] or string), as an array for the
    frame; coercions go to the report. A Series is built only where pandas' methods are needed."""
    coercion: Coercion | None = None
    kind = values.dtype.kind
    forced_text = pos in raw.text_columns
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.tz_convert("UTC").tz_localize(None).astype("datetime64[ns]")
    if kind == "M":
        if pos in raw.dates:  # text the parser read as ISO dates: reported as coerce_dates reports them
            zoned = "; times with a time zone converted to UTC" if raw.dates[pos] else ""
            report.coercions.append({"column": name, "to": "datetime", "detail": f"dates read{zoned}"})
        return values if values.dtype == "datetime64[ns]" else values.astype("datetime64[ns]")
    if kind == "b":
        return pd.Series(values, copy=False).astype("str").array
    if kind in "iu" and forced_text:
        return int_to_text(values)
    if kind in "iu":
        ints = np.asarray(values)  # numpy reductions: no pandas overhead
        if len(ints) and max(abs(int(ints.min())), abs(int(ints.max()))) >= ID_DIGITS:  # no abs() copy
            report.notes.append(f"“{name}” holds long numbers (ids); they were kept as text, digit by digit.")
            return int_to_text(values)
        coercion = coerce_epoch(values, name)
    elif kind == "f":
        tidy = tidy_float(values)
        if tidy.dtype.kind == "i":
            tidy = pd.Series(tidy, copy=False)
            coercion = Coercion(tidy, "number", "whole numbers written as 4980.0 stored as 4980")
            coercion = coerce_epoch(tidy, name) or coercion
        else:
            coercion = coerce_epoch(values, name)
    else:  # text: the array itself (a Series is built only where a check needs pandas' methods)
        s = values if values.dtype == TEXT else pd.Series(values, copy=False).astype("str").array
        sample = sample_values(s)  # one look at the values serves every check below
        s, n_markers = blank_missing(s, sample)
        if n_markers:
            markers[0] += n_markers
            markers[1] += 1
            sample = sample_values(s)
        if not forced_text:
            coercion = coerce_numbers(s, raw.delimiter, sample)
            if coercion is not None:
                coercion = coerce_epoch(coercion.values, name) or coercion
            else:
                coercion = coerce_dates(s, sample)
        if coercion is None:
            return s
    if coercion is None:
        return values
    out = coercion.values
    report.coercions.append({"column": name, "to": coercion.to, "detail": coercion.detail})
    if coercion.date_order and report.date_order is None:
        report.date_order = coercion.date_order
        if coercion.ambiguous:
            report.notes.append(
                f"In “{name}” every day is 12 or less, so day and month could be swapped; "
                "the dates were read month first."
            )
    if out.dtype.kind == "f" and np.isinf(out.to_numpy()).any():
        out = out.replace([np.inf, -np.inf], np.nan)
    return out.array
