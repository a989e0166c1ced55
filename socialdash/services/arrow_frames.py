"""Arrow columns → the pandas arrays and frames socialdash works on, column by column.

``Table.to_pandas`` reads pandas metadata and builds blocks for any frame; socialdash's frames only hold
text, int64, float64, booleans and naive datetimes, and building those directly costs about half as much
(1 ms of a 10k-row ingest or reload). Anything else goes through ``to_pandas``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.internals import create_dataframe_from_blocks

_PLAIN_PANDAS = {"str", "int64", "float64", "bool", "datetime64[ns]"}
PLAIN_KEY = b"socialdash:plain"  # schema metadata: b"1" when every column is one of _PLAIN_PANDAS
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str": what the C parser and to_pandas give
_TEXT_TYPES = frozenset({pa.string(), pa.large_string()})
_PLAIN_TYPES = _TEXT_TYPES | {pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("ns")}  # naive ns only


def plain_arrays(columns: list[pa.ChunkedArray]) -> list | None:
    """The columns as the arrays a pandas frame holds (see ``_to_pandas``); None for other column types."""
    if not all(_plain(column.type) for column in columns):
        return None
    return [_to_pandas(column) for column in columns]


def frame_from_arrays(arrays: list, names: list, n_rows: int) -> pd.DataFrame:
    """A DataFrame over these column arrays (numpy or pandas, ``n_rows`` long), none of them copied, with a
    RangeIndex: one block per column, as ``pd.DataFrame(dict)`` leaves them, through the API pandas keeps
    for Arrow readers (without the constructor's checks: a quarter less time, 0.1-0.4 ms of a 10k reload)."""
    blocks = []
    for position, values in enumerate(arrays):
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            values = values.to_numpy()
        if isinstance(values, np.ndarray):
            values = values.reshape(1, -1)
        blocks.append((values, np.array([position], dtype=np.intp)))
    text = all(isinstance(name, str) for name in names)  # (the dtype pandas infers: half the time given)
    columns = pd.Index(names, dtype=TEXT if text else None)
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n_rows), columns=columns)


def frame_table(df: pd.DataFrame) -> pa.Table:
    """``df`` as an Arrow table without its index (as ``to_parquet(index=False)`` writes it), whose schema
    also says whether every column is plain (``table_frame`` then needs no parse of pandas' metadata)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    plain = all(str(dtype) in _PLAIN_PANDAS for dtype in df.dtypes)
    return table.replace_schema_metadata({**(table.schema.metadata or {}), PLAIN_KEY: b"%d" % plain})


def table_frame(table: pa.Table) -> pd.DataFrame:
    """A table written from pandas (Parquet) as that DataFrame: directly when ``frame_table`` marked it
    plain, or (tables written without the mark) its pandas metadata says it held only plain columns and no
    index; else through ``to_pandas``."""
    metadata = table.schema.metadata or {}
    if PLAIN_KEY in metadata:
        plain = metadata[PLAIN_KEY] == b"1"  # (parsing pandas' JSON took 0.14 ms of a 10k reload)
    else:
        meta = json.loads(metadata.get(b"pandas", b"null")) or {}
        plain = not meta.get("index_columns") and all(
            c.get("numpy_type") in _PLAIN_PANDAS for c in meta.get("columns", [{}])
        )
    arrays = plain_arrays(table.columns) if plain else None
    if arrays is None:
        return table.to_pandas()
    return frame_from_arrays(arrays, table.column_names, table.num_rows)


def _plain(kind: pa.DataType) -> bool:
    return kind in _PLAIN_TYPES  # (a set of types made once: making them on each call cost 0.2 ms a file)


def _to_pandas(column: pa.ChunkedArray) -> object:
    """Arrow-backed text (the characters are not copied); numpy numbers (integers with gaps as floats with
    NaN), booleans (object with None where a gap is) and datetime64[ns]."""
    if column.type in _TEXT_TYPES:
        return pd.arrays.ArrowStringArray(column, dtype=TEXT)  # a third of pd.array's time
    return column.to_numpy()
