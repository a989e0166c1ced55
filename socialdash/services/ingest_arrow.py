"""The fast path for clean UTF-8 text: Arrow's multi-threaded CSV reader instead of pandas' C parser.

Private helper of :mod:`socialdash.services.ingest_text`. It gives the columns the C parser would give (by
position; int64/float64/bool/str/object, blanks and pandas' missing markers as missing) and
returns None for anything it does not read the same way — rows of another width, bytes that are not UTF-8,
values Arrow types as times, decimals or binary — so the C parser then reads the file as before.
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas._libs.parsers import STR_NA_VALUES

from socialdash.services.arrow_frames import plain_arrays

#: the C parser's missing markers, so both paths leave the same cells empty
_NULLS = sorted(STR_NA_VALUES)
#: every character a number, boolean, date or time can hold for Arrow's CSV reader (digits, signs,
#: separators, ISO's T and Z, the letters of true, false, inf, infinity and nan): a value holding any other
#: character makes Arrow read its column as text
_TYPED_CHARS = frozenset("0123456789+-.,: TtZzAaEeFfIiLlNnRrSsUuYy")
_READY = frozenset({pa.int64(), pa.float64(), pa.bool_(), pa.string(), pa.large_string()})  # kept as read


@dataclass
class ArrowColumns:
    """The parsed columns by position, and those Arrow read as dates (position → whether they had a zone)."""

    columns: dict[int, Any]
    dates: dict[int, bool]


def text_columns(records: list[list[str]], extra_na: tuple[str, ...]) -> list[str]:
    """The header names (``records[0]``) of the columns whose sampled values (``records[1:]``, rows of the
    header's width) show they are text to Arrow: a value that is not a missing marker holds a character no
    number, boolean, date or time has. Duplicated or empty names are left out (Arrow's types go by name)."""
    header = records[0]
    rows = [r for r in records[1:] if len(r) == len(header)]
    nulls, counts = {*_NULLS, *extra_na}, Counter(header)
    names = []
    for name, values in zip(header, zip(*rows, strict=True) if rows else (), strict=False):
        if not name or counts[name] > 1 or _TYPED_CHARS.issuperset("".join(values)):
            continue
        if nulls.isdisjoint(values) or not _TYPED_CHARS.issuperset(
            "".join(v for v in values if v not in nulls)  # #N/A is no text
        ):
            names.append(name)
    return names


def read_arrow(
    source: bytes | Path, delimiter: str, width: int, extra_na: tuple[str, ...], text: Collection[str] = ()
) -> ArrowColumns | None:
    """Parse ``source`` (UTF-8, header on the first line) into ``width`` columns; None when Arrow cannot
    give the C parser's columns (the caller then uses it). Number columns are read again as text by the
    caller when a field starts with 0 and a digit or an x (01234, 0x1F), as after the C parser.

    ``text``: names of columns known to be text (``text_columns``), read straight into the 64-bit offsets
    pandas keeps (no type inference, no cast): Arrow would have inferred text for them anyway."""
    parse, convert = _options(delimiter, extra_na, tuple(text))
    try:
        # blocks of a quarter of a small file keep both cores busy (the 1 MB default gave a 1.5 MB file one
        # full block and a half one): 5.5 instead of 7.2 ms at 10k rows
        # (read from the file into Arrow's own memory pool: a fresh bytes copy cost page faults every time)
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
        blocks = pacsv.ReadOptions(block_size=min(1 << 20, max(1 << 16, size // 4 + 1)))
        table = pacsv.read_csv(
            io.BytesIO(source) if isinstance(source, bytes) else str(source),
            read_options=blocks, parse_options=parse, convert_options=convert,
        )  # fmt: skip
        if table.num_columns != width:
            return None
        columns, dates = table.columns, {}
        for position, column in enumerate(columns):
            kind = column.type
            if kind in _READY:
                continue
            if kind == pa.null():  # nothing in the column: NaN floats, as the C parser gives
                columns[position] = column.cast(pa.float64())
            elif pa.types.is_timestamp(kind) or pa.types.is_date32(kind):
                dates[position] = pa.types.is_timestamp(kind) and kind.tz is not None
                if dates[position]:
                    column = column.cast(pa.timestamp("ns", tz="UTC"))
                columns[position] = column.cast(pa.timestamp("ns"))
        arrays = plain_arrays(columns)
        if arrays is None:
            return None  # times of day, decimals, binary: the C parser keeps their text
        if any(values.dtype == np.float64 and _beyond_int64(values) for values in arrays):
            return None  # whole numbers too long for int64 (ids): the C parser reads them as uint64
    except (pa.ArrowException, ValueError, OverflowError):  # rows of another width, bad UTF-8, ...
        return None
    return ArrowColumns(dict(enumerate(arrays)), dates)


@functools.lru_cache(maxsize=64)
def _options(
    delimiter: str, extra_na: tuple[str, ...], text: tuple[str, ...]
) -> tuple[pacsv.ParseOptions, pacsv.ConvertOptions]:
    """Arrow's parse and convert options, made once per delimiter and set of text columns (0.2 ms)."""
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True)
    convert = pacsv.ConvertOptions(
        null_values=[*_NULLS, *extra_na], strings_can_be_null=True, quoted_strings_can_be_null=True,
        true_values=["True", "TRUE", "true"], false_values=["False", "FALSE", "false"],
        column_types=dict.fromkeys(text, pa.large_string()),
    )  # fmt: skip
    return parse, convert


def _beyond_int64(values: np.ndarray) -> bool:
    """Whether a float column holds a value of 2**63 or more in size (Arrow's int64 overflowed into it)."""
    top = np.fmax.reduce(values, initial=-np.inf)  # fmax and fmin skip NaN without nanmax's masked copy
    return bool(top >= 2**63 or np.fmin.reduce(values, initial=np.inf) <= -(2**63))
