"""Cell values: missing markers, numbers written as text, dates and epoch times, identifiers.

Private helper of :mod:`socialdash.services.ingest`. Every decision is made on a small sample first and then
applied to the whole column with vectorised pandas operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from socialdash.services.arrow_frames import TEXT
from socialdash.services.ingest_clean import is_missing

Text = pd.Series | ExtensionArray  # a text column: a Series, or the array a frame will hold

MISSING = ("", "-", "--", "—", "–", "n/a", "N/A", "NA", "na", "null", "NULL", "Null", "none", "None", "NONE",
           "nan", "NaN", "#N/A", "(blank)")
_LONGEST_MARKER = max(len(m) for m in MISSING)
_LONGEST_MARKER_BYTES = max(len(m.encode()) for m in MISSING)
_MARKER_STARTS = np.zeros(256, bool)  # the first bytes of the markers (UTF-8)
_MARKER_STARTS[[m.encode()[0] for m in MISSING if m]] = True
SAMPLE_SIZE = 200
SAMPLE_SLICES = 8
THRESHOLD = 0.95
MAX_EXACT = 2**53

_CUR = r"(?:US\$|R\$|[$€£¥₹₩₽]|USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|SEK|NOK|DKK|PLN|BRL|MXN)"
_CUR_LEAD = re.compile(rf"^([+-]?)\s*{_CUR}\s*")
_CUR_TAIL = re.compile(rf"\s*{_CUR}$")
_CUR_ANY = re.compile(rf"^[+-]?\s*{_CUR}|{_CUR}$")
_SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007']")
_DOT_NUM = re.compile(
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
)
_COMMA_NUM = re.compile(r"[+-]?(?:(?:\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:,\d*)?|,\d+)")
_COMMA_EVIDENCE = re.compile(r"[+-]?(?:\d+,(?:\d{1,2}|\d{4,})|\d{1,3}(?:\.\d{3})+,\d+)")
# a dot that cannot be a thousands separator: not 3 digits after it, 4+ digits or a lone 0 before it
_DOT_EVIDENCE = re.compile(r"[+-]?(?:\d+\.(?:\d{1,2}|\d{4,})|\d{1,3}(?:,\d{3})+\.\d+|(?:\d{4,}|0)?\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_IDENTIFIER = re.compile(r"0\d+|[+-]?\d{16,}")
_HAS_DIGIT = re.compile(r"\d")
_ISO_START = r"\s*\d{4}-\d{1,2}-\d{1,2}"
_NUMERIC_DATE = r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
_MONTH_NAME = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
_ISO_START_RE = re.compile(_ISO_START)
# on "\n" + the values joined by line breaks: the literal \n lets the engine jump from value to value
_DATE_START_RE = re.compile(rf"\n(?:{_ISO_START}|{_NUMERIC_DATE})")
_NUMERIC_DATE_RE = re.compile(_NUMERIC_DATE)
_MONTH_NAME_RE = re.compile(_MONTH_NAME)
_ZONED_RE = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)\Z")
_TIME_NAME = re.compile(r"timestamp|published|created|posted|datetime|(?<![a-z])(?:time|date)(?![a-z])")
_AFTER_SHORT_MONTH = (3, 5, 7, 10, 12)  # where an impossible day (2/30, 4/31) rolls over to
EPOCH_SECONDS = (946_684_800, 2_082_758_400)  # 2000-01-01 .. 2036-01-01


@dataclass
class Coercion:
    """A column converted to another type, with the words for the report."""

    values: pd.Series
    to: str  # "number" | "datetime"
    detail: str
    date_order: str | None = None
    ambiguous: bool = False


def sample_of(s: pd.Series, n: int = SAMPLE_SIZE) -> pd.Series:
    """Up to ``n`` non-missing values spread over the column (see ``sample_values``), as a Series."""
    return pd.Series(sample_values(s, n), dtype=s.dtype)


def sample_values(s: Text, n: int = SAMPLE_SIZE) -> list:
    """Up to ``n`` non-missing values spread over the column, as a Python list: a few contiguous slices
    (zero-copy), so no gather over a long chunked Arrow array and no Series built for a quick look."""
    arrow = _arrow_of(s)
    if arrow is None:
        s = pd.Series(s, copy=False)
    if len(s) <= 2 * n:
        if arrow is not None:
            return arrow.drop_null().to_pylist()[:n]
        return [v for v in s.to_numpy().tolist() if not is_missing(v)][:n]
    width = max(1, n // SAMPLE_SLICES)
    span = 2 * width  # each slice long enough to hold ``width`` values where half the cells are empty
    density = 1.0 if arrow is None else 1 - arrow.null_count / len(s)
    if density < 0.5:  # a column with gaps: longer slices (Arrow knows the count without a mask)
        span = min(len(s) // SAMPLE_SLICES, int(width / max(density, 0.05)) + 1)
    picked: list = []
    numpy = s.to_numpy() if arrow is None else None
    for start in _spread(len(s) - span, SAMPLE_SLICES):  # slices beat one gather (measured)
        if arrow is not None:
            values = [v for v in arrow.slice(start, span).to_pylist() if v is not None]
        else:
            values = [v for v in numpy[start : start + span].tolist() if not is_missing(v)]
        picked.extend(values[:width])
    if len(picked) >= n // 2:
        return picked
    if arrow is not None:  # a sparse column: spread over its present values (positions only, no copy)
        where = np.flatnonzero(arrow.is_valid().to_numpy(zero_copy_only=False))
        if len(where) > n:
            where = where[np.linspace(0, len(where) - 1, n).astype(int)]
        if not hasattr(arrow, "chunks"):
            return arrow.take(where).to_pylist()
        picked, offset = [], 0
        for chunk in arrow.chunks:  # a take per chunk: Arrow's take on the whole would join the chunks
            local = where[(where >= offset) & (where < offset + len(chunk))] - offset
            if len(local):
                picked.extend(chunk.take(local).to_pylist())
            offset += len(chunk)
        return picked
    present = s.dropna()
    if len(present) > n:
        present = present.iloc[np.linspace(0, len(present) - 1, n).astype(int)]
    return present.tolist()


def _spread(stop: int, k: int) -> list[int]:
    """``np.linspace(0, stop, k).astype(int)`` without numpy's call overhead (k is small)."""
    if k == 1:
        return [0]
    step = stop / (k - 1)
    return [int(i * step) for i in range(k - 1)] + [int(stop)]


def _arrow_of(s: pd.Series | object) -> object | None:
    """The Arrow chunked array behind an Arrow-backed Series or array (no copy, no chunk merge), else None."""
    return getattr(getattr(s, "array", s), "_pa_array", None)


def blank_missing(s: Text, probe: list | None = None) -> tuple[Text, int]:
    """Replace missing markers (-, n/a, null, blanks, ...) in a text column by NA; return the column (a
    Series or an array, as given) and the count.

    ``probe`` is a sample of the column's values (``sample_values``) when the caller already has one.
    """
    if probe is None:
        probe = sample_values(s, 100)
    padded = list(map(str.strip, probe)) != probe  # C loops, not a generator
    arrow = _arrow_of(s)
    if arrow is not None:  # Arrow kernels on the column as stored: no pandas masks, no NA bookkeeping
        import pyarrow.compute as pc

        if padded:
            arrow = pc.utf8_trim_whitespace(arrow)
        elif not _may_hold_marker(arrow):
            return s, 0  # no cell is short enough and starts as a marker does: no string hashed
        found = pc.is_in(arrow, value_set=_missing_set())
        n = pc.sum(found).as_py() or 0
        if not n:
            return s, 0
        return _like(s, pd.Series(s, copy=False).mask(pc.fill_null(found, False).to_numpy())), int(n)
    given, s = s, pd.Series(s, copy=False)
    if padded:
        marker = s.str.strip().isin(MISSING).fillna(False)
    else:
        short = (s.str.len() <= _LONGEST_MARKER).fillna(False)
        if not short.any():  # no cell is short enough to be a marker: skip hashing long text
            return given, 0
        marker = short & s.isin(MISSING)
    n = int(marker.sum())
    return (_like(given, s.mask(marker)) if n else given), n


def _like(given: Text, series: pd.Series) -> Text:
    """``series`` as the kind of column the caller gave: a Series, or its array."""
    return series if isinstance(given, pd.Series) else series.array


def _may_hold_marker(arrow: object) -> bool:
    """Whether some present value of an Arrow text column could be a missing marker: it is empty, or no
    longer than the longest marker and starts with a byte a marker starts with. Read with numpy from the
    offsets and first bytes (a few passes over 8 bytes a cell); True for any type but large_string (what
    pandas keeps)."""
    import pyarrow as pa

    for chunk in getattr(arrow, "chunks", [arrow]):
        n = len(chunk)
        if chunk.null_count == n:
            continue
        if chunk.type != pa.large_string():
            return True
        validity, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, np.int64)[chunk.offset : chunk.offset + n + 1]
        lengths = ends[1:] - ends[:-1]  # (np.diff: four times the call overhead)
        short = lengths <= _LONGEST_MARKER_BYTES
        if chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, np.uint8), count=chunk.offset + n, bitorder="little")
            short &= bits[chunk.offset :].view(bool)
        if not short.any():
            continue
        if data is None or not len(data):
            return True  # only empty present values
        # (np.take, not fancy indexing: a third of the time; "clip" keeps an empty last value in range)
        hit = _MARKER_STARTS.take(np.frombuffer(data, np.uint8).take(ends[:-1], mode="clip"))
        hit |= lengths == 0
        hit &= short
        if hit.any():
            return True
    return False


def _missing_set() -> object:
    global _MISSING_SET
    if _MISSING_SET is None:
        import pyarrow as pa

        _MISSING_SET = pa.array(MISSING, pa.string())
    return _MISSING_SET


_MISSING_SET = None


def is_blank_column(s: pd.Series | object) -> bool:
    """True when a column (a Series, or an array as ``ingest_clean.Columns`` holds) holds no value at all
    (all missing or whitespace)."""
    if s.dtype.kind in "iub":
        return len(s) == 0
    arrow = _arrow_of(s)
    if arrow is not None:
        if arrow.null_count == len(arrow):
            return True
        import pyarrow.compute as pc

        for v in arrow.slice(0, 64).to_pylist():  # the first value usually decides
            if v is not None and v.strip():
                return False
        return not pc.any(pc.not_equal(pc.utf8_trim_whitespace(arrow), "")).as_py()
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fMm":  # numpy reductions: no Series
        values = np.asarray(s)
        return bool((np.isnan(values) if s.dtype.kind == "f" else np.isnat(values)).all())
    s = pd.Series(s, copy=False)
    if s.isna().all():
        return True
    if not pd.api.types.is_string_dtype(s) and s.dtype != object:
        return False
    if any(str(v).strip() for v in sample_values(s, 50)):
        return False
    return bool(s.dropna().astype(str).str.strip().eq("").all())


def _prepare_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Strip spaces, currency, percent and accounting brackets: text, percent, currency, bracket masks."""
    t = s.str.strip().str.replace(_SPACES, " ", regex=True)
    bracket = t.str.startswith("(") & t.str.endswith(")")
    if bracket.any():
        t = t.mask(bracket, "-" + t.str.slice(1, -1).str.strip())
    currency = t.str.contains(_CUR_ANY, regex=True)
    if currency.any():
        t = t.str.replace(_CUR_LEAD, r"\1", regex=True).str.replace(_CUR_TAIL, "", regex=True)
    percent = t.str.endswith("%")
    if percent.any():
        t = t.str.slice(0, -1).str.strip().where(percent, t)
    return t, percent, currency, bracket


def _decimal_comma(t: pd.Series, delimiter: str | None) -> bool:
    """Whether this column writes decimals with a comma (``;`` files by default, else from the values)."""
    comma = bool(t.str.fullmatch(_COMMA_EVIDENCE).any())
    dot = bool(t.str.fullmatch(_DOT_EVIDENCE).any())
    if delimiter == ";":
        return not (dot and not comma)
    return comma and not dot


def _parse_numbers(t: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series, bool]:
    """Numbers from prepared text: values, parse mask, whether separators were removed."""
    ok = t.str.fullmatch(_COMMA_NUM if decimal_comma else _DOT_NUM).fillna(False)
    if decimal_comma:
        plain = t.str.replace(r"[. ]", "", regex=True).str.replace(",", ".", regex=False)
        separators = bool(t[ok].str.contains(r"[. ]\d{3}", regex=True).any())
    else:
        plain = t.str.replace(r"[, ]", "", regex=True)
        separators = bool(t[ok].str.contains(r"[, ]\d{3}", regex=True).any())
    values = pd.to_numeric(plain.where(ok), errors="coerce").astype("float64")
    return values, ok & values.notna(), separators


def int_to_text(values: pd.Series | np.ndarray) -> object:
    """Integers → pandas' string array, digit for digit (via Arrow, several times faster than astype)."""
    try:
        import pyarrow as pa

        return pd.array(pa.array(np.asarray(values)).cast(pa.string()), dtype=TEXT)
    except (ImportError, TypeError, ValueError):
        return pd.Series(values, copy=False).astype("str").array


def looks_like_identifier(t: pd.Series) -> bool:
    """Integers with leading zeros or more than 15 digits are ids: they must stay text."""
    return bool(t.str.fullmatch(_IDENTIFIER).fillna(False).any())


# the digits part is "separators, a first digit, digits and separators" with possessive runs: the same
# strings as [\d.,\s]*\d[\d.,\s]* without its quadratic backtracking on long ids that are not numbers
_LOOSE_NUMBER = re.compile(
    rf"\s*\(?[+-]?\s*{_CUR}?\s*[+-]?[.,\s\u00a0\u202f\u2009\u2007']*+\d[\d.,\s\u00a0\u202f\u2009\u2007']*+"
    rf"(?:[eE][+-]?\d+)?\s*%?\s*{_CUR}?\s*\)?\s*"
)
_LOOSE_ID = re.compile(r"\s*(?:0\d+|[+-]?\d{16,})\s*")


def _could_be_numbers(values: list[str]) -> bool:
    """Cheap pure-Python screen of a sample before any vectorised work (most text columns stop here)."""
    allowed = len(values) - THRESHOLD * len(values)
    misses = 0
    for v in values:  # long text is never a number; stop at the first miss too many
        if len(v) > 40 or not _LOOSE_NUMBER.fullmatch(v):
            misses += 1
            if misses > allowed:
                return False
    return not any(_LOOSE_ID.fullmatch(v) for v in values)


def coerce_numbers(s: Text, delimiter: str | None, sample: list | None = None) -> Coercion | None:
    """Convert a text column to numbers when at least 95% of its values read as numbers.

    ``sample`` is a sample of the column's values (``sample_values``) when the caller already has one.
    """
    values = sample_values(s) if sample is None else sample
    if not values or not _could_be_numbers(values):
        return None
    pt, _, _, _ = _prepare_numbers(pd.Series(values, dtype=s.dtype))
    if looks_like_identifier(pt):
        return None
    _, pok, _ = _parse_numbers(pt, _decimal_comma(pt, delimiter))
    if pok.mean() < THRESHOLD:
        return None
    s = pd.Series(s, copy=False)
    present = s.notna()
    t, percent, currency, bracket = _prepare_numbers(s)
    if looks_like_identifier(t[present]):
        return None
    comma = _decimal_comma(t, delimiter)
    values, ok, separators = _parse_numbers(t, comma)
    n_present = int(present.sum())
    n_ok = int(ok.sum())
    if n_present == 0 or n_ok < THRESHOLD * n_present:
        return None
    parts = []
    if separators and comma and t[ok].str.contains(r"\d\.\d{3}", regex=True).any():
        parts.append("dots read as thousand separators (1.234 became 1234)")
    elif separators:
        parts.append("thousand separators removed")
    if not comma and delimiter == ";" and t[ok].str.contains(".", regex=False).any():
        parts.append("dots read as decimal points")
    if comma and t[ok].str.contains(",", regex=False).any():
        parts.append("decimal commas read as decimal points")
    if percent.any():
        parts.append("percent signs removed (12.5% became 12.5)")
        parts.insert(0, "percent")
    if currency.any():
        parts.append("currency signs removed")
    if bracket.any():
        parts.append("amounts in brackets read as negative")
    if not parts:
        parts.append("numbers written as text")
    bad = n_present - n_ok
    if bad:
        parts.append(f"{bad:,} value{'s' if bad != 1 else ''} that were not numbers left empty")
    return Coercion(values=tidy_float(values), to="number", detail="; ".join(parts))


def tidy_float(values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """float64 → int64 when every value is a whole number and none is missing ("4980.0" → 4980); a Series
    or a numpy array, returned as given when nothing changes."""
    if values.dtype.kind != "f" or len(values) == 0:
        return values
    if not isinstance(values.dtype, np.dtype) and values.isna().any():  # nullable Float64 with gaps
        return values
    arr = values if isinstance(values, np.ndarray) else values.to_numpy()
    head = arr[:64]  # rates and shares show a fraction at once: no whole-column passes for them
    if not (head == np.round(head)).all():  # a gap (NaN) fails this too
        return values
    if not np.isfinite(arr).all() or np.abs(arr).max() >= MAX_EXACT or not (arr == np.round(arr)).all():
        return values  # gaps (NaN) and infinities fail isfinite
    return values.astype("int64")


def is_time_name(name: str) -> bool:
    """Column names that may hold times: time, date, published, created, timestamp, posted."""
    return bool(_TIME_NAME.search(name.lower()))


def coerce_epoch(values: pd.Series | np.ndarray, name: str) -> Coercion | None:
    """Epoch seconds or milliseconds in a time-like column, when every value falls in 2000–2035."""
    if not is_time_name(name) or values.dtype.kind not in "iuf":
        return None
    values = pd.Series(values, copy=False)
    present = values.dropna()
    if present.empty:
        return None
    lo, hi = present.min(), present.max()
    for unit, scale, words in (("s", 1, "seconds"), ("ms", 1000, "milliseconds")):
        if EPOCH_SECONDS[0] * scale <= lo and hi < EPOCH_SECONDS[1] * scale:
            stamps = pd.to_datetime(values, unit=unit, errors="coerce").astype("datetime64[ns]")
            return Coercion(stamps, "datetime", f"Unix time in {words} converted to dates (UTC)")
    return None


_MD = ["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
       "%m/%d/%y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%y %I:%M %p", "%m/%d/%y",
       "%m-%d-%Y %H:%M", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y", "%m-%d-%y %H:%M", "%m-%d-%y",
       "%m.%d.%Y %H:%M", "%m.%d.%Y %H:%M:%S", "%m.%d.%Y", "%m.%d.%y"]
_DM = [f.replace("%m", "@").replace("%d", "%m").replace("@", "%d") for f in _MD]
_ISO = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "ISO8601", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S.%f", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d"]
_ISO_CASTABLE = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M"}
_NAMED = ["%b %d, %Y", "%B %d, %Y", "%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p", "%b %d, %Y %H:%M",
          "%d %b %Y", "%d %B %Y", "%d %b %Y %H:%M", "%d-%b-%Y", "%d-%b-%y", "%a %b %d %H:%M:%S %z %Y",
          "%A, %B %d, %Y", "%a, %d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M:%S"]


def _to_datetime(s: pd.Series, fmt: str, guard: bool = False) -> pd.Series:
    """Parse with one explicit format; tz-aware results become naive UTC; datetime64[ns].

    ``guard`` (used on samples) keeps ISO 8601 from taking bare years or numbers for dates.
    """
    if guard and fmt == "ISO8601":
        s = s.where(s.str.match(_ISO_START))
    out = pd.to_datetime(s, format=fmt, errors="coerce", utc=fmt == "ISO8601" or "%z" in fmt)
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    if out.dtype != "datetime64[ns]":  # years outside 1677-2262 do not fit: left empty, not an error
        out = out.where((out >= pd.Timestamp.min) & (out <= pd.Timestamp.max))
    return out.astype("datetime64[ns]")


def _cover(s: pd.Series, formats: list[str]) -> tuple[list[str], int]:
    """Formats, in order, that together parse the most values of ``s``; and how many they parse."""
    chosen: list[str] = []
    remaining = s
    for fmt in formats:
        if remaining.empty:
            break
        parsed = _to_datetime(remaining, fmt, guard=True)
        hit = parsed.notna()
        if hit.any():
            chosen.append(fmt)
            remaining = remaining[~hit]
    return chosen, len(s) - len(remaining)


def _all_iso_shaped(values: list, fmt: str) -> bool:
    """Whether every value is written exactly as ``fmt`` (2024-12-30 23:55:21) and is a real date and time
    (Arrow's strict ISO cast of the sample): then pandas' parse with ``fmt`` reads them all, so the sample
    needs no pandas pass (about 0.5 ms of a 10k-row file)."""
    shape = _ISO_SHAPES.get(fmt)
    if shape is None or not all(isinstance(v, str) and shape.fullmatch(v) for v in values):
        return False
    try:
        import pyarrow as pa

        pa.array(values, pa.string()).cast(pa.timestamp("ns"))
        return True
    except Exception:  # an impossible date (2018-02-30) or any Arrow limitation: pandas decides
        return False


_ISO_SHAPES = {"%Y-%m-%d %H:%M:%S": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
               "%Y-%m-%d": re.compile(r"\d{4}-\d\d-\d\d")}


def _arrow_datetime(s: pd.Series, fmt: str) -> pd.Series | None:
    """Arrow's C++ strptime on a whole Arrow-backed column (about 3x faster than pandas); None if unusable."""
    if fmt == "ISO8601" or "%f" in fmt or not isinstance(s.array, pd.arrays.ArrowStringArray):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(s.array)
        stamps = None
        if fmt in _ISO_CASTABLE:  # Arrow's ISO 8601 cast: ~4x faster than strptime, refuses 2018-02-30
            try:
                stamps = pc.cast(values, pa.timestamp("ns"))
            except pa.ArrowInvalid:
                stamps = None
        strict = stamps is not None
        if stamps is None:
            stamps = pc.strptime(values, format=fmt, unit="ns", error_is_null=True)
        if stamps.type.tz is not None:
            stamps = stamps.cast(pa.timestamp("ns", tz="UTC")).cast(pa.timestamp("ns"))
        out = pd.Series(stamps.to_numpy(zero_copy_only=False), index=s.index)
        if out.dtype != "datetime64[ns]":
            out = out.astype("datetime64[ns]")
        out.attrs["strict"] = strict
        return out
    except Exception:  # any Arrow limitation: pandas parses instead
        return None


def _impossible(s: pd.Series, parsed: pd.Series, fmt: str) -> pd.Series:
    """Rows Arrow rolled over (2/30 → 3/2): early in a month after a short one and refused by pandas."""
    rolled = parsed.notna() & (parsed.dt.day <= 3) & parsed.dt.month.isin(_AFTER_SHORT_MONTH)
    if not rolled.any():
        return rolled
    return rolled & _to_datetime(s[rolled], fmt).reindex(s.index).isna()


def _apply(s: pd.Series, formats: list[str]) -> tuple[pd.Series, int]:
    """Parse a whole column with the chosen formats, each one only on what the previous left; and how many
    values were impossible dates (30 February) left empty."""
    fast = _arrow_datetime(s, formats[0])
    impossible = 0
    if fast is not None and fast.attrs.get("strict"):
        result = fast  # the strict ISO cast read every value: none rolled over
    elif fast is not None:
        bad = _impossible(s, fast, formats[0])
        impossible = int(bad.sum())
        result = fast.mask(bad) if impossible else fast
    else:
        result = _to_datetime(s, formats[0])
    for fmt in formats[1:]:
        todo = result.isna() & s.notna()
        if not todo.any():
            break
        result = result.mask(todo, _to_datetime(s[todo], fmt))
    return result, impossible


def _plausible_dates(values: list[str], head: int | None = None) -> bool:
    """At least 95% of the sample is 6-40 characters long with a digit (stops at the first miss too many);
    with ``head``, a quick screen that looks at the first ``head`` values only."""
    allowed = len(values) - THRESHOLD * len(values)
    misses = 0
    for v in values[:head]:
        if not (6 <= len(v) <= 40 and _HAS_DIGIT.search(v)):
            misses += 1
            if misses > allowed:
                return False
    return True


def _has_month_name(joined: str) -> bool:
    """Whether the joined values name a month (Jan, March, ...): substring checks, then the regex."""
    lower = joined.lower()
    if lower == joined.upper():  # no letters (ids, numbers): no month (a regex took 20 times as long)
        return False
    if not any(month in lower for month in _MONTHS):
        return False
    return bool(_MONTH_NAME_RE.search(joined))


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _n_present(s: pd.Series) -> int:
    """Non-missing values of a column (Arrow keeps the count; no mask is built)."""
    arrow = _arrow_of(s)
    if arrow is not None:
        return len(arrow) - arrow.null_count
    return int(s.notna().sum())


def coerce_dates(s: Text, sample: list | None = None) -> Coercion | None:
    """Convert a text column of dates (many formats, day/month order from the data) to datetime64[ns].

    ``sample`` is a sample of the column's values (``sample_values``) when the caller already has one.
    """
    values = sample_values(s) if sample is None else sample
    if not values or not _plausible_dates(values, head=20):  # long text, no digits: most columns stop here
        return None
    joined = "\n".join(values)
    month_named = _has_month_name(joined)
    if not (month_named or _DATE_START_RE.search("\n" + joined)):
        return None  # no value starts like a date or names a month (one search, not one per value)
    if not _plausible_dates(values):
        return None
    s = pd.Series(s, copy=False)
    iso = _ISO if any(_ISO_START_RE.match(v) for v in values) else []
    if iso and _all_iso_shaped(values, iso[0]):  # every sample value reads with the first ISO format
        (month_first, n_md), (day_first, n_dm) = ([iso[0]], len(values)), ([], 0)
    else:
        numeric = any(_NUMERIC_DATE_RE.match(v) for v in values)
        named = _NAMED if month_named else []
        if not (iso or numeric or named):
            return None
        probe = pd.Series(values, dtype=s.dtype)
        month_first, n_md = _cover(probe, iso + (_MD if numeric else []) + named)
        day_first, n_dm = _cover(probe, iso + (_DM if numeric else []) + named) if numeric else ([], 0)
    if max(n_md, n_dm) < THRESHOLD * len(values):
        return None
    orders = [(month_first, "month first"), (day_first, "day first")]
    if n_dm > n_md:
        orders.reverse()
    present = _n_present(s)
    best: tuple[pd.Series, str, list[str], int, int] | None = None
    for formats, order in orders:
        if not formats:
            continue
        parsed, impossible = _apply(s, formats)
        n_parsed = int(parsed.notna().sum())
        if best is None or n_parsed + impossible > best[4] + best[3]:
            best = (parsed, order, formats, impossible, n_parsed)
        if n_parsed + impossible == present:
            break
    assert best is not None
    parsed, order, formats, impossible, n_ok = best
    if n_ok + impossible < THRESHOLD * present:
        return None
    numeric_order = any(f in _MD or f in _DM for f in formats)
    ambiguous = numeric_order and bool(parsed.dt.day.max() <= 12)
    detail = "dates read"
    if numeric_order:
        detail += f" ({order}" + (", assumed because every day is 12 or less" if ambiguous else "") + ")"
    if any("%z" in f or f == "ISO8601" for f in formats) and any(_ZONED_RE.search(v) for v in values):
        detail += "; times with a time zone converted to UTC"
    if impossible:
        plural = "s" if impossible != 1 else ""
        detail += f"; {impossible:,} impossible date{plural} (such as 30 February) left empty"
    bad = present - n_ok - impossible
    if bad:
        detail += f"; {bad:,} value{'s' if bad != 1 else ''} that were not dates left empty"
    return Coercion(parsed, "datetime", detail, order if numeric_order else None, ambiguous)
