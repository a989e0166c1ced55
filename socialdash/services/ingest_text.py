"""Delimited text (CSV/TSV/TXT): encoding, binary check, delimiter, one parse of the whole file.

Private helper of :mod:`socialdash.services.ingest`. Works on a head sample for every decision and lets one
parser read the whole file once, from the path when the upload was streamed to disk: Arrow's CSV reader for
UTF-8 text up to ``CHUNKED_BYTES`` (``ingest_arrow``), pandas' C parser for everything else.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from socialdash.services.beside import beside
from socialdash.services.errors import (
    BinaryFileError,
    CorruptFileError,
    EmptyFileError,
    NotATableError,
    TooLargeError,
)
from socialdash.services.ingest_arrow import read_arrow, text_columns
from socialdash.services.ingest_clean import Columns, columns_of, n_rows
from socialdash.services.ingest_codec import NAME as MIXED_ENCODING
from socialdash.services.ingest_codec import looks_mixed

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
TEXT_BYTES = 80 * 1024  # the part of a long UTF-8 head decoded for the checks and the delimiter sample
MAX_SAMPLE_BYTES = 8 * 1024 * 1024
SAMPLE_RECORDS = 50  # rows under the header that judge the delimiter and the width (100 cost 0.13 ms more)
# Missing markers recognised on top of pandas' defaults ("", "NA", "N/A", "n/a", "null", "NaN", ...).
EXTRA_NA = ("none",)
CHUNKED_BYTES = 32 * 1024 * 1024  # files larger than this are parsed in chunks of CHUNK_ROWS rows
CHUNK_ROWS = 100_000
MAX_STRAY_NUL = 8  # up to this many NULs, or STRAY_NUL_SHARE of the bytes, are stray: removed, not binary
STRAY_NUL_SHARE = 0.001
NUL_BLOCK = 1024 * 1024  # cache-sized: the numpy passes over a block stay in L2/L3
LONG_ID = 10**15  # floats this large and whole are ids that lost digits in a column with gaps
_SCAN_POOL: list = []  # free scan buffer sets (raw bytes and three numpy work arrays of NUL_BLOCK each)
MAX_SCAN_BUFFERS = 4
_BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@dataclass
class RawTable:
    """A parsed table before cleaning: its columns by position (``ingest_clean.Columns``), the raw header
    cells, facts for the report."""

    columns: Columns
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    rows_dropped: list[dict] = field(default_factory=list)
    text_columns: set[int] = field(default_factory=set)  # forced to text (identifiers)
    dates: dict[int, bool] = field(default_factory=dict)  # read as dates by the parser: position → zoned


def read_head(source: bytes | Path, n: int) -> bytes:
    """The first ``n`` bytes of the upload."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:n])
    with open(source, "rb") as fh:
        return fh.read(n)


def _read_again(values: np.ndarray | object, zeros: bool, delimiter: str) -> bool:
    """Whether a parsed number column must be read again as text (see ``read_text_table``)."""
    kind = values.dtype.kind
    if kind in "iu":
        return zeros
    if kind != "f":
        return False
    if delimiter == ";":
        return True
    values = np.asarray(values)
    top, bottom = np.fmax.reduce(values, initial=-np.inf), np.fmin.reduce(values, initial=np.inf)
    if top < LONG_ID and bottom > -LONG_ID:
        return False  # no long ids: nothing to read again (two reductions that skip NaN, no masked copy)
    present = values[~np.isnan(values)]
    return zeros or bool((present == np.round(present)).all())


def scan_bytes(source: bytes | Path, delimiter: str) -> tuple[int, bool]:
    """One pass over the raw bytes: how many NULs, and whether some field starts with 0 and a digit (an
    identifier such as 01234 that the number parser would shorten) or with 0x (hexadecimal text).

    The file goes through one reused buffer of ``NUL_BLOCK`` bytes (plus the previous block's last two, so
    a field cut by a block boundary is still seen): NULs by ``find`` (memchr), zero-led fields by a few
    numpy comparisons over the block (about a tenth of the parse's time, where a translate+find pass took
    as long as the parse).
    """
    size = max(1, NUL_BLOCK)
    buffers = _scan_buffers(size)
    raw, work = buffers
    try:
        raw[:2] = b"\n\n"  # the file's first byte starts a field
        window = np.frombuffer(raw, np.uint8)
        starts = sorted({*delimiter.encode()[:1], ord("\n"), ord('"')})
        n_nul, zeros = 0, False
        for n in _fill(source, memoryview(raw), size):
            end = n + 2
            if raw.find(b"\x00", 2, end) >= 0:
                n_nul += raw.count(b"\x00", 2, end)
            if not zeros:
                zeros = _zero_led(window[:end], starts, *(w[:n] for w in work))
            raw[:2] = raw[n:end]
    finally:
        if len(_SCAN_POOL) < MAX_SCAN_BUFFERS:
            _SCAN_POOL.append(buffers)
    return n_nul, zeros


def scan_beside(source: bytes | Path, delimiter: str) -> Callable[[], tuple[int, bool]]:
    """Start ``scan_bytes`` on the helper thread (its numpy passes and file reads leave the GIL, so it runs
    while the caller parses); the function returned waits for the answer."""
    return beside(lambda: scan_bytes(source, delimiter))


def _scan_buffers(size: int) -> tuple[bytearray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A set of scan buffers from the process's pool (fresh megabytes cost page faults on every upload); the
    scan puts it back when done, so concurrent scans each have their own."""
    try:
        buffers = _SCAN_POOL.pop()  # atomic under the GIL
    except IndexError:
        buffers = None
    if buffers is None or len(buffers[0]) != size + 2:
        work = (np.empty(size, bool), np.empty(size, bool), np.empty(size, np.uint8))
        buffers = (bytearray(size + 2), work)
    return buffers


def _zero_led(w: np.ndarray, starts: list[int], hit: np.ndarray, other: np.ndarray, tmp: np.ndarray) -> bool:
    """Whether ``w`` holds a field-start byte followed by 0 and a digit or an x (positions 0 .. len-3):
    01234 would lose its zero, and Arrow would read 0x1F as the number 31."""
    np.equal(w[1:-1], ord("0"), out=hit)
    np.subtract(w[2:], ord("0"), out=tmp)
    np.less(tmp, 10, out=other)
    np.bitwise_or(w[2:], 0x20, out=tmp)  # x or X
    other |= np.equal(tmp, ord("x"), out=tmp.view(bool))
    hit &= other
    if not hit.any():
        return False
    head = w[:-2]
    np.equal(head, starts[0], out=other)
    for byte in starts[1:]:
        other |= np.equal(head, byte, out=tmp.view(bool))
    hit &= other
    return bool(hit.any())


def _fill(source: bytes | Path, view: memoryview, size: int):
    """Copy the upload block by block into ``view[2:]``; yield each block's length."""
    if isinstance(source, bytes):
        data = memoryview(source)
        for start in range(0, len(data), size):
            n = min(size, len(data) - start)
            view[2 : 2 + n] = data[start : start + n]
            yield n
        return
    with open(source, "rb", buffering=0) as fh:
        while n := fh.readinto(view[2 : 2 + size]):
            yield n


def _whole(source: bytes | Path) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def detect_encoding(head: bytes, complete: bool) -> str:
    """Pick the text encoding from the head of the file (BOMs, strict UTF-8, then Windows-1252)."""
    return _detect_encoding(head, complete)[0]


def _detect_encoding(head: bytes, complete: bool) -> tuple[str, str | None]:
    """``detect_encoding`` and, for plain UTF-8, the head already decoded (so it is decoded once)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", None
    bomless = _bomless_utf16(head)
    if bomless:
        return bomless, None
    text = _utf8_text(head, complete)
    if text is not None:
        return "utf-8", text
    return fallback_encoding(head), None


def _utf8_text(head: bytes, complete: bool) -> str | None:
    """The head as strict UTF-8 (None when it is not): decoded whole, or for a long head only its first
    ``TEXT_BYTES`` (a character cut in half at the end waits for ``complete``, as an incremental decoder
    does). The rest is validated by Arrow in place: decoding it whole wrote up to 1 MB of fresh memory
    (4 bytes a character once an emoji appears), whose page faults cost more than the decode."""
    if len(head) <= 2 * TEXT_BYTES:
        try:
            return codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
        except UnicodeDecodeError:
            return None
    cut = TEXT_BYTES
    while cut > TEXT_BYTES - 3 and 0x80 <= head[cut] < 0xC0:  # a character starts at the cut
        cut -= 1
    end = len(head) - 1
    while end > len(head) - 4 and 0x80 <= head[end] < 0xC0:  # the last character starts at end
        end -= 1
    view = memoryview(head)
    try:
        text, _ = codecs.utf_8_decode(view[:cut], "strict", True)
        codecs.getincrementaldecoder("utf-8")("strict").decode(view[end:], final=complete)
    except UnicodeDecodeError:
        return None
    import pyarrow as pa

    offsets = np.array([0, end - cut], np.int64)
    middle = pa.Array.from_buffers(
        pa.large_string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(view[cut:end])]
    )
    try:
        middle.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return text


def fallback_encoding(data: bytes) -> str:
    """Encoding for text that is not UTF-8: Windows-1252 when it decodes, else charset-normalizer's guess."""
    if looks_mixed(data):  # UTF-8 and Windows-1252 bytes in one file: each read as what it is
        return MIXED_ENCODING
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None and best.encoding and not best.encoding.startswith("utf_16"):
            return codecs.lookup(best.encoding).name
    except Exception:  # charset-normalizer is a best-effort guess; Latin-1 always decodes
        pass
    return "latin-1"


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: text where every other byte is NUL."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    pairs = len(sample) // 2
    even_nul = sample[0 : pairs * 2 : 2].count(0)
    odd_nul = sample[1 : pairs * 2 : 2].count(0)
    if odd_nul > 0.9 * pairs and even_nul < 0.1 * pairs:
        return "utf-16-le"
    if even_nul > 0.9 * pairs and odd_nul < 0.1 * pairs:
        return "utf-16-be"
    return None


def decode_head(head: bytes, encoding: str) -> str:
    """Decode the head sample, ignoring a character cut in half at its end."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    return decoder.decode(head, final=False)


def check_text(text: str, nul_free: bool = False, utf8: bytes | None = None) -> None:
    """Raise BinaryFileError when decoded text holds NULs (only UTF-16 keeps them here) or many control
    characters. ``nul_free``: the caller knows the text holds no NUL (no scan of the decoded head).
    ``utf8``: the bytes ``text`` was decoded from as UTF-8, when the caller has them (no encoding back)."""
    if not nul_free and "\x00" in text:
        raise BinaryFileError()
    n_probe = min(len(text), 65536)
    if not n_probe:
        return
    # counted on the probe's UTF-8 bytes (C loops, about 4x faster than the regex over the characters): a
    # control character is one byte of the same value there, and U+FFFD is the only source of EF BF BD
    if utf8 is not None:
        raw = utf8[:n_probe]  # as many bytes as the probe has characters, or fewer: the same shares
    elif len(text) <= 2 * n_probe:  # no slice of the probe (up to 256 KB of fresh memory): all minus the rest
        raw = text.encode("utf-8", "surrogatepass")
        raw = raw[: len(raw) - len(text[n_probe:].encode("utf-8", "surrogatepass"))]
    else:
        raw = text[:n_probe].encode("utf-8", "surrogatepass")
    if len(raw) - len(raw.translate(None, _CONTROL_BYTES)) > 0.02 * n_probe:
        raise BinaryFileError()
    if raw.count(b"\xef\xbf\xbd") > 0.1 * n_probe:
        raise BinaryFileError()


def sample_records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """Records of the head sample, parsed with ``delimiter``; a record cut by the sample's end is dropped."""
    prefix = _records_prefix(text, delimiter)
    if prefix is not None:
        return prefix
    return _sample_records(text, delimiter, complete)


def _records_prefix(text: str, delimiter: str) -> list[list[str]] | None:
    """``sample_records`` from the first lines only (a StringIO of the whole 256 KB head costs more than
    the parse): when those lines hold two records more than the sample takes, every record it takes ended
    before the cut, so they are the records the whole head gives. None when the lines are not enough."""
    lines = SAMPLE_RECORDS * 3 // 2
    for _ in range(3):  # more lines when quoted line breaks make records span several
        end = -1
        for _ in range(lines):  # finds, not a split: a split copied the rest of the head (about 1 MB)
            end = text.find("\n", end + 1)
            if end < 0:
                return None
        end += 1  # just after the lines-th line break
        reader = csv.reader(io.StringIO(text[:end], newline=""), delimiter=delimiter, strict=False)
        try:
            records = list(itertools.islice(reader, SAMPLE_RECORDS + 2))
        except csv.Error:
            return None
        if len(records) > SAMPLE_RECORDS + 1:
            records = records[: SAMPLE_RECORDS + 1]
            return [r for r in records if r and any(c.strip() for c in r)] or records[:1]
        lines *= 2
    return None


def _sample_records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    if not complete:
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut >= 0 else text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for row in reader:
            records.append(row)
            if len(records) > SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    if not complete and len(records) > 1 and len(records) <= SAMPLE_RECORDS:
        records.pop()  # may end inside a quoted field that continues after the sample
    return [r for r in records if r and any(c.strip() for c in r)] or records[:1]


def detect_delimiter(text: str, complete: bool) -> tuple[str, list[list[str]]]:
    """The delimiter among , ; tab | that splits the header and the rows under it most consistently."""
    found = _detect_delimiter(text, complete, whole=True)
    assert found is not None
    return found


def _detect_delimiter(text: str, complete: bool, whole: bool) -> tuple[str, list[list[str]]] | None:
    """``detect_delimiter``; with ``whole`` False ``text`` is only the start of the head, and the answer is
    None whenever the whole head could give another one (the sample runs past the text, one column)."""
    best: tuple[float, int, int] | None = None
    chosen = ","
    chosen_records: list[list[str]] = []
    if not whole and "\n" not in text:
        return None
    first_line = text[: text.find("\n")] if "\n" in text else text
    for order, delim in enumerate(DELIMITERS):
        if delim not in first_line:
            continue
        records = sample_records(text, delim, complete) if whole else _records_prefix(text, delim)
        if records is None:
            return None
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        body = records[1 : SAMPLE_RECORDS + 1] or records[:1]
        same = sum(1 for r in body if len(r) == width or (len(r) == width + 1 and not r[-1].strip()))
        score = (same / len(body), width, -order)
        if best is None or score > best:
            best, chosen, chosen_records = score, delim, records
    if best is None or best[0] < 0.5:
        if not whole:
            return None
        # One column: use a delimiter that never occurs, so commas in the text stay in it.
        absent = [d for d in DELIMITERS if d not in text]
        chosen = absent[0] if absent else ","
        chosen_records = sample_records(text, chosen, complete)
    return chosen, chosen_records


def _width(records: list[list[str]]) -> int:
    """Columns of the table: the header, or more when most rows carry extra (trailing) fields."""
    header = len(records[0])
    counts = Counter(len(r) for r in records[1 : SAMPLE_RECORDS + 1])
    if counts:
        common, _ = counts.most_common(1)[0]
        return max(header, common)
    return header


def read_text_table(
    source: bytes | Path, n_bytes: int, max_rows: int, max_columns: int, head: bytes | None = None
) -> RawTable:
    """Parse delimited text into a RawTable with one pass: Arrow's CSV reader for UTF-8 text up to
    ``CHUNKED_BYTES`` (when it reads the file as the C parser would), else pandas' C parser. ``head``: the
    first ``SAMPLE_BYTES`` of the file, when the caller has read them."""
    size = SAMPLE_BYTES
    while True:
        if head is None or len(head) != min(size, n_bytes):
            head = read_head(source, size)
        complete = len(head) >= n_bytes
        if complete or b"\n" in head[: len(head) // 2] or size >= MAX_SAMPLE_BYTES:
            break
        size *= 4
    if not head[:4096].strip(_BLANK_BYTES) and not head.strip(_BLANK_BYTES):  # no copy of a whole head
        raise EmptyFileError()
    encoding, text = _detect_encoding(head, complete)
    wide = encoding.startswith("utf-16")
    nul_free = text is not None and b"\x00" not in head  # strict UTF-8 gives U+0000 only for a 0 byte
    if not nul_free:
        text = decode_head(head if wide else head.replace(b"\x00", b""), encoding)
    whole = not nul_free or len(head) <= 2 * TEXT_BYTES  # else the first TEXT_BYTES of the head
    if not whole and (len(text) < 65536 or text.lstrip("\ufeff").isspace()):
        text, whole = decode_head(head, encoding), True  # the checks need more than the decoded part
    check_text(text, nul_free, head if nul_free else None)  # nul_free: strict UTF-8 of the head's start
    text = text.lstrip("\ufeff")
    if not text or text.isspace():  # stops at the first visible character (strip() copied the head)
        raise EmptyFileError()
    found = detect_delimiter(text, complete) if whole else _detect_delimiter(text, complete, whole=False)
    if found is None:  # the decoded part did not hold the sample: the whole head decides
        found = detect_delimiter(decode_head(head, encoding).lstrip("\ufeff"), complete)
    delimiter, records = found
    if not records:
        raise NotATableError()
    width = _width(records)
    if width > max_columns:
        raise TooLargeError(
            f"The file has {width:,} columns; this server accepts up to {max_columns:,} columns."
        )
    headers = [*records[0], *[""] * (width - len(records[0]))][:width]
    fast = None
    if n_bytes <= CHUNKED_BYTES and encoding in ("utf-8", "utf-8-sig"):
        # Arrow parses (faster than the C parser, from the file) while the byte scan runs beside it: both
        # leave the GIL, and the scan's passes over the file no longer come on top of the parse
        scanned = scan_beside(source, delimiter)
        fast = read_arrow(source, delimiter, width, EXTRA_NA, text_columns(records, EXTRA_NA))
        n_nul, zeros = scanned()
        if n_nul:
            fast = None  # the NULs are removed below and the cleaned text parsed again
    else:
        n_nul, zeros = (0, True) if wide else scan_bytes(source, delimiter)
    if n_nul:  # a few stray NULs (a tool padded or cut the export): removed; many: a binary file
        if n_nul > max(MAX_STRAY_NUL, STRAY_NUL_SHARE * n_bytes):
            raise BinaryFileError()
        source = _whole(source).replace(b"\x00", b"")
    if fast is not None:
        columns, skipped = fast.columns, 0
    else:
        frame, encoding, skipped = _read_csv(source, encoding, delimiter, width, set(), max_rows)
        columns = columns_of(frame)
        del frame
    _check_rows(n_rows(columns), max_rows)
    # Columns to read again as text (the values then decide, over the whole column): integers when some
    # field in the file starts with a 0 (01234 would have lost its zero), floats holding long ids (gaps),
    # and in ";" files every float ("30.732" may be 30732 with a dot for thousands).
    again_cols = [j for j, values in columns.items() if _read_again(values, zeros, delimiter)]
    if again_cols:
        again, _ = _read_csv_once(source, encoding, delimiter, width, set(again_cols), max_rows, again_cols)
        if len(again) != n_rows(columns):
            raise CorruptFileError("The file's rows could not be split into columns.")
        columns.update(columns_of(again))
    table = RawTable(columns=columns, headers=headers, encoding=encoding, delimiter=delimiter)
    if fast is not None:
        table.dates = fast.dates
    if n_nul:
        table.notes.append(
            f"{n_nul:,} stray empty character{'s' if n_nul != 1 else ''} (NUL bytes, left by the tool that "
            f"wrote the file) {'were' if n_nul != 1 else 'was'} removed from the text."
        )
    if skipped:
        table.rows_dropped.append({"count": skipped, "reason": "rows with more cells than the header"})
    return table


def _read_csv(
    source: bytes | Path,
    encoding: str,
    delimiter: str,
    width: int,
    text_cols: set[int],
    max_rows: int,
) -> tuple[pd.DataFrame, str, int]:
    """One ``pd.read_csv`` pass; retried with a fallback encoding if UTF-8 breaks after the sample."""
    try:
        frame, skipped = _read_csv_once(source, encoding, delimiter, width, text_cols, max_rows)
    except UnicodeDecodeError:
        if encoding not in ("utf-8", "utf-8-sig"):
            raise CorruptFileError("The file's characters could not be read in any known encoding.") from None
        encoding = fallback_encoding(_whole(source))
        frame, skipped = _read_csv_once(source, encoding, delimiter, width, text_cols, max_rows)
    return frame, encoding, skipped


def _check_rows(n: int, max_rows: int) -> None:
    """TooLargeError when the table has more rows than the server accepts."""
    if n > max_rows:
        raise TooLargeError(
            f"The file has more than {max_rows:,} rows; this server accepts up to {max_rows:,} rows."
        )


def _read_csv_once(
    source: bytes | Path,
    encoding: str,
    delimiter: str,
    width: int,
    text_cols: set[int],
    max_rows: int,
    usecols: list[int] | None = None,
) -> tuple[pd.DataFrame, int]:
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    n_bytes = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    options = {
        "sep": delimiter, "encoding": encoding, "encoding_errors": "strict", "header": 0,
        "names": list(range(width)), "index_col": False, "usecols": usecols,
        "dtype": dict.fromkeys(text_cols, "str") or None, "na_values": list(EXTRA_NA),
        "on_bad_lines": "warn", "engine": "c",
    }  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if n_bytes > CHUNKED_BYTES:
                frame, mixed = _read_chunked(handle, options)
                if mixed:  # a column typed differently in different chunks: text, as one pass would give
                    return _read_csv_once(
                        source, encoding, delimiter, width, text_cols | mixed, max_rows, usecols
                    )
            else:
                frame = pd.read_csv(handle, **options, low_memory=False)
        except UnicodeDecodeError:
            raise
        except pd.errors.EmptyDataError:
            raise NotATableError() from None
        except (pd.errors.ParserError, csv.Error, ValueError, OverflowError):
            raise CorruptFileError("The file's rows could not be split into columns.") from None
    skipped = sum(str(w.message).count("Skipping line") for w in caught)
    return frame, skipped


def _read_chunked(handle: io.BytesIO | Path, options: dict) -> tuple[pd.DataFrame, set[int]]:
    """A big file parsed ``CHUNK_ROWS`` rows at a time (peak memory about half of one pass), and the
    columns whose chunks disagree on their type (not all numbers) so the caller can read them as text."""
    parts = list(pd.read_csv(handle, **options, chunksize=CHUNK_ROWS))
    if not parts:
        raise NotATableError()
    mixed = set()
    part_dtypes = [part.dtypes for part in parts]
    for col in parts[0].columns:
        dtypes = {d[col] for d in part_dtypes}
        if len(dtypes) > 1 and not all(getattr(d, "kind", "O") in "iuf" for d in dtypes):
            mixed.add(col)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    parts.clear()
    return frame, mixed
