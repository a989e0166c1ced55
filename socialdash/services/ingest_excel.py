"""Excel workbooks (.xlsx): zip-bomb guard, then openpyxl in read-only mode (defusedxml when installed).

Private helper of :mod:`socialdash.services.ingest`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from socialdash.services.errors import (
    CorruptFileError,
    NotATableError,
    TooLargeError,
    UnsupportedFileError,
)
from socialdash.services.ingest_clean import columns_of
from socialdash.services.ingest_text import RawTable

MAX_RATIO = 200  # a member that expands more than this many times is not a normal workbook
RATIO_FLOOR = 1024 * 1024  # small members may compress extremely well; only check members above 1 MiB
UNPACKED_FACTOR = 10  # the whole workbook may unpack to at most this many times the byte limit
DTD_PROBE_BYTES = 4096  # how much of each XML part is searched for a DTD before parsing
DTD_MESSAGE = (
    "This workbook contains XML declarations that Excel never writes (a known way to attack servers), "
    "so it was not opened. Open it in Excel, save it again and upload the new file."
)


def _open_zip(source: bytes | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise CorruptFileError() from None


def check_zip(source: bytes | Path, max_bytes: int) -> None:
    """Refuse zip bombs and zips that are not workbooks, before any XML is parsed."""
    with _open_zip(source) as zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise UnsupportedFileError(
                "This is a ZIP archive, not an Excel workbook. Upload the CSV or .xlsx file itself."
            )
        total = sum(i.file_size for i in infos)
        limit = UNPACKED_FACTOR * max_bytes
        if total > limit:
            raise TooLargeError(
                f"Unpacked, this workbook would take {total / 1e6:,.0f} MB; "
                f"this server accepts up to {limit / 1e6:,.0f} MB."
            )
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise CorruptFileError(
                    "This workbook is packed in a suspicious way (it would expand more than "
                    f"{MAX_RATIO} times), so it was not opened."
                )
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")) and _declares_entities(zf, info):
                raise CorruptFileError(DTD_MESSAGE)


def _declares_entities(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when an XML part starts with a DTD (Excel never writes one; entity bombs need one)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(DTD_PROBE_BYTES).upper()
    except Exception:  # unreadable members are reported by openpyxl below as a damaged file
        return False
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def read_excel_table(source: bytes | Path, max_bytes: int, max_rows: int, max_columns: int) -> RawTable:
    """The first non-empty worksheet as a RawTable; the header is its first non-empty row."""
    check_zip(source, max_bytes)
    # A file object, not a path: openpyxl refuses paths whose name does not end in .xlsx.
    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    try:
        from openpyxl import load_workbook

        wb = load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        handle.close()
        raise CorruptFileError() from None
    try:
        return _read_sheets(wb, max_rows, max_columns)
    except (TooLargeError, NotATableError):
        raise
    except Exception:
        raise CorruptFileError() from None
    finally:
        wb.close()
        handle.close()


def _read_sheets(wb, max_rows: int, max_columns: int) -> RawTable:
    sheets = list(wb.worksheets)
    active = wb.active
    if active in sheets:
        sheets.remove(active)
        sheets.insert(0, active)
    for ws in sheets:
        rows = _sheet_rows(ws, max_rows, max_columns)
        if rows:
            header, body = rows[0], rows[1:]
            width = len(header)
            if not body:
                raise NotATableError()
            frame = pd.DataFrame.from_records(body, columns=list(range(width)))
            headers = ["" if h is None else str(h) for h in header]
            table = RawTable(columns=columns_of(_typed(frame)), headers=headers)
            table.sheet = ws.title
            others = len(wb.worksheets) - 1
            if others:
                table.notes.append(
                    f"The workbook has {others + 1} sheets; the sheet “{ws.title}” was read."
                )
            return table
    raise NotATableError("The workbook has no sheet with data in it.")


def _sheet_rows(ws, max_rows: int, max_columns: int) -> list[list[object]]:
    rows: list[list[object]] = []
    width = 0
    for values in ws.iter_rows(values_only=True):
        cells = list(values)
        while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
            cells.pop()
        if not rows and not cells:
            continue  # blank lines above the header
        if len(cells) > max_columns:
            raise TooLargeError(
                f"The sheet has {len(cells):,} columns; this server accepts up to {max_columns:,} columns."
            )
        width = max(width, len(cells))
        rows.append(cells)
        if len(rows) > max_rows + 1:
            raise TooLargeError(
                f"The sheet has more than {max_rows:,} rows; this server accepts up to {max_rows:,}."
            )
    return [[*r, *[None] * (width - len(r))] for r in rows]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of Python objects → numbers, datetimes, or text (mixed columns as text, cleaned later)."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        present = s.dropna()
        kinds = {type(v) for v in present}
        if present.empty:
            out[col] = pd.Series(float("nan"), dtype="float64", index=s.index)
        elif kinds <= {int, float}:
            out[col] = pd.to_numeric(s, errors="coerce")
        elif all(hasattr(v, "year") for v in present):
            out[col] = pd.to_datetime(s, errors="coerce")
        else:
            out[col] = s.map(_as_text, na_action="ignore").astype("str")
    return pd.DataFrame(out, index=frame.index)


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
