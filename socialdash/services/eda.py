"""Aggregates for the EDA page (pure pandas/numpy): their size never grows with the number of rows.

``summarize(df, roles)`` returns plain JSON-friendly dicts: a per-column summary, missing shares, histogram
bins (linear and log-spaced) per metric, category counts, a Spearman correlation matrix of the metrics, posts
per day/week/month and an hour × weekday count grid when a datetime column exists, and plain sentences.

Cost at 1M rows (profiled): every count, range, histogram and time aggregate uses all rows, each numeric
column is converted once and read by vectorised numpy passes (no per-row Python); only the rank correlation
uses a seeded sample (``CORR_SAMPLE_ROWS``), and says so (``sampled_rows``). Exact distinct counts of long
text columns (ids, messages) are the largest remaining cost.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from socialdash.services.roles import ColumnRole, Role

MAX_BINS = 40
MAX_LEVELS = 15
MAX_CORR_COLUMNS = 30
CORR_SAMPLE_ROWS = 100_000  # rank correlations on a seeded 100k-post sample: standard error < 0.004
MAX_HIST_COLUMNS = 60
_DAY_NS = 86_400 * 10**9
_HOUR_NS = 3_600 * 10**9
_MINUTE_NS = 60 * 10**9
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _float(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _type_name(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "yes/no"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date/time"
    return "text"


def _fmt_time(ts: object) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    ts = pd.Timestamp(ts)
    return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")


def _numeric(s: pd.Series) -> np.ndarray:
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return values[np.isfinite(values)]


def _range(values: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(min, median, max) of finite values; Nones when there are none."""
    if not values.size:
        return None, None, None
    return _float(values.min()), _float(np.median(values)), _float(values.max())


def column_summary(
    df: pd.DataFrame, roles: list[ColumnRole], ranges: dict[str, tuple] | None = None
) -> list[dict]:
    """One row per column: role, type, missing %, distinct values, min/median/max (numbers and dates).

    ``ranges``: {column: (min, median, max)} of number columns already computed (see ``summarize``)."""
    by_name = {r.name: r for r in roles}
    ranges = ranges if ranges is not None else {}
    n = len(df)
    out = []
    for name in df.columns:
        s = df[name]
        role = by_name.get(str(name))
        row: dict = {
            "column": str(name),
            "role": str(role.role) if role else "",
            "used": bool(role.included) if role else False,
            "type": _type_name(s),
            "missing_pct": round(100.0 * float(s.isna().sum()) / n, 1) if n else 0.0,
            "distinct": int(s.nunique(dropna=True)),
            "min": None,
            "median": None,
            "max": None,
        }
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            lo, median, hi = ranges[str(name)] if str(name) in ranges else _range(_numeric(s))
            row.update(min=lo, median=median, max=hi)
        elif pd.api.types.is_datetime64_any_dtype(s):
            valid = s.dropna()
            if len(valid):
                ns = np.sort(valid.to_numpy(dtype="datetime64[ns]").view("int64"))
                row["min"] = _fmt_time(pd.Timestamp(ns[0]))
                row["median"] = _fmt_time(pd.Timestamp(ns[len(ns) // 2]))
                row["max"] = _fmt_time(pd.Timestamp(ns[-1]))
        out.append(row)
    return out


def histogram(values: np.ndarray, bins: int = MAX_BINS) -> dict:
    """Linear bins over all values, log-spaced bins over the positive ones (zeros counted apart)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"linear": None, "log": None, "n": 0, "zeros": 0, "negatives": 0}
    lo_all, hi_all = float(values.min()), float(values.max())
    n_bins = int(min(bins, max(1, np.unique(values[:100_000]).size)))
    # uniform bins over [min, max]: numpy's direct bin arithmetic, one pass (same bins as bins=n_bins)
    counts, edges = np.histogram(values, bins=n_bins, range=(lo_all, hi_all) if hi_all > lo_all else None)
    positive = values[values > 0]
    log = None
    if positive.size and positive.max() > positive.min():
        lo, hi = np.log10(positive.min()), np.log10(positive.max())
        log_edges = np.logspace(lo, hi, bins + 1)
        if np.all(np.mod(positive[:100_000], 1) == 0):
            # whole numbers: bins on half-integers so that 1, 2, 3 ... each get one whole bin (no gaps)
            log_edges = np.unique(np.round(log_edges)) - 0.5
            log_edges = np.append(log_edges[log_edges > 0], positive.max() + 0.5)
            log_edges = np.unique(log_edges)
        log_counts = _counts_in(positive, log_edges)
        log = {"edges": [float(e) for e in log_edges], "counts": [int(c) for c in log_counts]}
    median, p99 = np.quantile(values, [0.5, 0.99])  # one partial sort for both
    return {
        "linear": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
        "log": log,
        "n": int(values.size),
        "zeros": int(values.size - positive.size - int((values < 0).sum())),
        "negatives": int((values < 0).sum()),
        "median": float(median),
        "p99": float(p99),
        "skew": _skew(values) if values.size > 2 else None,
    }


def _counts_in(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.histogram(values, bins=edges)[0]`` for values inside [edges[0], edges[-1]], without the sort
    numpy does for uneven bins: a binary search per value and one count."""
    last = edges.size - 2
    idx = np.searchsorted(edges, values, side="right") - 1
    idx[values == edges[-1]] = last  # the last bin includes its right edge
    return np.bincount(idx[(idx >= 0) & (idx <= last)], minlength=last + 1)


def _skew(values: np.ndarray) -> float | None:
    """Sample skewness (adjusted Fisher-Pearson, as ``pandas.Series.skew``) in two numpy passes."""
    n = float(values.size)
    centred = values - values.mean()
    m2 = float(np.dot(centred, centred)) / n
    if m2 <= 1e-14 * max(1.0, float(np.abs(values).max()) ** 2):
        return 0.0
    m3 = float(np.dot(centred * centred, centred)) / n
    g1 = m3 / m2**1.5
    return _float(g1 * math.sqrt(n * (n - 1)) / (n - 2))


def category_counts(s: pd.Series, max_levels: int = MAX_LEVELS) -> dict:
    """The most frequent levels, the rest summed as "other", and the missing count."""
    counts = s.astype("string").value_counts(dropna=True)
    top = counts.head(max_levels)
    return {
        "levels": [str(v) for v in top.index],
        "counts": [int(c) for c in top.to_numpy()],
        "other": int(counts.iloc[max_levels:].sum()),
        "missing": int(s.isna().sum()),
        "n_levels": int(counts.size),
    }


def correlation(df: pd.DataFrame, metrics: list[str], seed: int = 0) -> dict | None:
    """Spearman rank correlation of the metrics (robust to heavy tails); a seeded sample on big data."""
    cols = metrics[:MAX_CORR_COLUMNS]
    if len(cols) < 2:
        return None
    frame = df[cols]
    sampled = len(frame) > CORR_SAMPLE_ROWS
    if sampled:
        rows = np.sort(np.random.default_rng(seed).choice(len(frame), CORR_SAMPLE_ROWS, replace=False))
        frame = frame.take(rows)
    frame = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    corr = frame.corr(method="spearman")
    matrix = [[_float(v) for v in row] for row in corr.to_numpy()]
    return {
        "columns": cols,
        "matrix": matrix,
        "method": "spearman",
        "sampled_rows": CORR_SAMPLE_ROWS if sampled else None,
    }


def _freq(span: pd.Timedelta) -> tuple[str, str]:
    if span <= pd.Timedelta(days=120):
        return "D", "day"
    if span <= pd.Timedelta(days=3 * 365):
        return "W-MON", "week"
    return "MS", "month"


def _period_counts(ns: np.ndarray, freq: str) -> pd.Series:
    """Posts per period, as ``Series.resample(freq).sum()`` of one count per post gives, from day counts
    (pandas' day-or-longer bins always hold whole days, so counting days first changes nothing)."""
    day = ns // _DAY_NS
    first = int(day.min())
    per_day = np.bincount(day - first)
    index = pd.DatetimeIndex(np.datetime64(first, "D") + np.arange(per_day.size), dtype="datetime64[ns]")
    return pd.Series(per_day, index=index).resample(freq).sum()


def time_aggregates(s: pd.Series) -> dict | None:
    """Posts per day/week/month (by the span) and an hour × weekday grid of post counts."""
    valid = pd.to_datetime(s, errors="coerce").dropna()
    if valid.empty:
        return None
    ns = valid.to_numpy(dtype="datetime64[ns]").view("int64")
    lo, hi = int(ns.min()), int(ns.max())
    freq, unit = _freq(pd.Timedelta(hi - lo, unit="ns"))
    series = _period_counts(ns, freq)
    in_day = ns % _DAY_NS
    has_time = bool((in_day // _MINUTE_NS != 0).any())
    grid = None
    if has_time:
        weekday = (ns // _DAY_NS + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        cells = np.bincount(weekday * 24 + in_day // _HOUR_NS, minlength=7 * 24)
        grid = [[int(v) for v in row] for row in cells.reshape(7, 24)]
    return {
        "column": str(s.name),
        "unit": unit,
        "periods": [_fmt_time(p) for p in series.index],
        "counts": [int(c) for c in series.to_numpy()],
        "first": _fmt_time(pd.Timestamp(lo)),
        "last": _fmt_time(pd.Timestamp(hi)),
        "hour_weekday": grid,
        "weekdays": list(WEEKDAYS),
    }


def _facts(n: int, columns: list[dict], histograms: dict, time: dict | None) -> list[str]:
    facts = [f"{n:,} posts and {len(columns):,} columns."]
    if time:
        first, last = (pd.Timestamp(time[k]).strftime("%-d %b %Y") for k in ("first", "last"))
        facts.append(f"The posts run from {first} to {last} (column “{time['column']}”).")
    missing = [c for c in columns if c["missing_pct"] > 0]
    if missing:
        worst = max(missing, key=lambda c: c["missing_pct"])
        facts.append(
            f"{len(missing)} column{'s have' if len(missing) != 1 else ' has'} empty cells; "
            f"the most in “{worst['column']}” ({worst['missing_pct']:.1f}% of posts)."
        )
    else:
        facts.append("No cell is empty.")
    skewed = [name for name, h in histograms.items() if (h.get("skew") or 0) > 2]
    if skewed:
        shown = ", ".join(f"“{s}”" for s in skewed[:4]) + (" and others" if len(skewed) > 4 else "")
        facts.append(
            f"{shown} {'are' if len(skewed) > 1 else 'is'} heavy-tailed: a few posts get far more than "
            "the rest. Use the log scale to see the bulk of the posts."
        )
    return facts


def summarize(df: pd.DataFrame, roles: list[ColumnRole]) -> dict:
    """Per-column summary, missing shares, histograms, category counts, correlations, time aggregates."""
    by_role: dict[Role, list[str]] = {}
    for r in roles:
        if r.name in df.columns:
            by_role.setdefault(Role(r.role), []).append(r.name)
    metrics = [c for c in by_role.get(Role.METRIC, []) if pd.api.types.is_numeric_dtype(df[c])]
    hist_columns = set(metrics[:MAX_HIST_COLUMNS])
    histograms: dict[str, dict] = {}
    ranges: dict[str, tuple] = {}
    for name in df.columns:  # each number column converted once, for its histogram and its range
        if not pd.api.types.is_numeric_dtype(df[name]) or pd.api.types.is_bool_dtype(df[name]):
            continue
        values = _numeric(df[name])
        if name in hist_columns and values.size:
            h = histograms[name] = histogram(values)  # its median is the column's median
            ranges[str(name)] = (_float(values.min()), _float(h["median"]), _float(values.max()))
        else:
            if name in hist_columns:
                histograms[name] = histogram(values)
            ranges[str(name)] = _range(values)
    histograms = {name: histograms[name] for name in metrics[:MAX_HIST_COLUMNS]}
    columns = column_summary(df, roles, ranges)
    categoricals = by_role.get(Role.CATEGORICAL, [])
    categories = {name: category_counts(df[name]) for name in categoricals[:MAX_HIST_COLUMNS]}
    datetimes = [c for c in by_role.get(Role.DATETIME, []) if pd.api.types.is_datetime64_any_dtype(df[c])]
    time = time_aggregates(df[datetimes[0]]) if datetimes else None
    missing = sorted(
        ({"column": c["column"], "missing_pct": c["missing_pct"]} for c in columns),
        key=lambda d: -d["missing_pct"],
    )
    return {
        "n_rows": len(df),
        "n_columns": int(df.shape[1]),
        "columns": columns,
        "missing": missing,
        "metrics": metrics,
        "histograms": histograms,
        "categoricals": categoricals,
        "categories": categories,
        "correlation": correlation(df, metrics),
        "time": time,
        "facts": _facts(len(df), columns, histograms, time),
    }
