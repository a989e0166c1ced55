"""Describe clusters in the user's own units: sizes, lifts, category mix, timing, exemplars, names.

Lift of a metric for a cluster = cluster median / overall median. Social counts are mostly zero (the median
post gets no shares, loves or comments), and then a median ratio is 0/0; for such metrics the lift is the
ratio of the means instead, and ``Insights.lift_basis`` says which one each metric uses ("median", "mean", or
"none" when even the overall mean is not positive or the metric has negative values, where a ratio means
nothing; the lift is then missing). Distinguishing features are
ranked by a standardised difference: (cluster mean − overall mean) / overall standard deviation, computed on
sign(x)·log1p(|x|) for metrics (so one viral post does not dominate) and on the 0/1 indicator of each
category level. Everything is computed with group-bys over whole columns, never with Python loops over rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialdash.services.roles import ColumnRole, Role

MAIN_METRIC_WORDS = ("engagements", "reactions", "interactions", "likes")
CATEGORY_HINT = re.compile(r"type|format|media|kind|category", re.IGNORECASE)
LINK_HINT = re.compile(r"url|link|permalink", re.IGNORECASE)
SHARE_HINT = re.compile(r"share|retweet|repost", re.IGNORECASE)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_LEVELS = 10  # category levels shown per column; the rest are pooled as "Other"
N_EXEMPLARS = 5
N_DISTINGUISHING = 5
MIN_EFFECT = 0.2  # |standardised difference| below this is not called distinguishing
OTHER, MISSING = "Other", "(missing)"

_PREFIX = re.compile(r"^(num|n|nb|no|count|total|lifetime)[\s_]+", re.IGNORECASE)
_PLURAL_METRICS = {
    "like": "likes",
    "comment": "comments",
    "share": "shares",
    "reaction": "reactions",
    "view": "views",
    "click": "clicks",
    "impression": "impressions",
    "retweet": "retweets",
    "reply": "replies",
    "save": "saves",
}
_REACTION_NOUNS = {w: f"{w}-reaction" for w in ("love", "wow", "haha", "sad", "angry", "care")}
_LEVEL_PLURALS = {"status": "status updates", "text": "text posts", "story": "stories", "short": "shorts"}
_MARKUP = re.compile(r"[<>*_`\[\]#|\\{}~^]|[\x00-\x1f\x7f]")


# -- result types ------------------------------------------------------------------------------------------
def _json_value(value: object) -> object:
    """A cell as JSON: floats (None for missing), ISO datetimes, or text."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _clean(d: dict) -> dict:
    return {str(k): (_clean(v) if isinstance(v, dict) else _json_value(v)) for k, v in d.items()}


@dataclass
class ClusterInsight:
    cluster: int  # 1..k
    name: str  # short automatic name, e.g. "High-comment videos"
    summary: str  # two sentences with numbers
    size: int
    share: float  # fraction of all labelled posts
    lifts: dict[str, float]  # metric → cluster median / overall median (or mean ratio when median is 0)
    medians: dict[str, float]
    category_mix: dict[str, dict[str, float]]  # column → {level: share in cluster}
    distinguishing: list[
        dict
    ]  # [{"feature": .., "statistic": .., "direction": "higher"|"lower", "sentence": ..}]
    best_hours: list[int]  # best posting hours by median of the main engagement metric (empty if no datetime)
    best_weekdays: list[str]
    exemplars: pd.DataFrame  # up to 5 rows closest to the centroid: id, text and link columns when present
    means: dict[str, float] = field(default_factory=dict)  # additive: metric → mean in the cluster

    def to_dict(self) -> dict:
        """JSON-friendly: floats (None for missing), exemplars as a list of records of text/float values."""
        records = [
            {str(k): _json_value(v) for k, v in row.items()}
            for row in self.exemplars.to_dict(orient="records")
        ]
        return {
            "cluster": int(self.cluster),
            "name": self.name,
            "summary": self.summary,
            "size": int(self.size),
            "share": float(self.share),
            "lifts": _clean(self.lifts),
            "medians": _clean(self.medians),
            "means": _clean(self.means),
            "category_mix": _clean(self.category_mix),
            "distinguishing": [_clean(d) for d in self.distinguishing],
            "best_hours": [int(h) for h in self.best_hours],
            "best_weekdays": list(self.best_weekdays),
            "exemplars": records,
        }


@dataclass
class Insights:
    clusters: list[ClusterInsight]
    lift_table: pd.DataFrame  # index cluster 1..k, columns metrics, values lift vs overall median
    overall_medians: dict[str, float]
    # additive fields
    overall_means: dict[str, float] = field(default_factory=dict)
    overall_mix: dict[str, dict[str, float]] = field(default_factory=dict)  # column → {level: share}
    lift_basis: dict[str, str] = field(default_factory=dict)  # metric → "median" | "mean" | "none"
    main_metric: str | None = None  # the engagement metric used for best times
    datetime_column: str | None = None

    def to_dict(self) -> dict:
        table = [
            {"cluster": int(c), **{str(m): _json_value(v) for m, v in row.items()}}
            for c, row in self.lift_table.iterrows()
        ]
        return {
            "clusters": [c.to_dict() for c in self.clusters],
            "lift_table": table,
            "overall_medians": _clean(self.overall_medians),
            "overall_means": _clean(self.overall_means),
            "overall_mix": _clean(self.overall_mix),
            "lift_basis": dict(self.lift_basis),
            "main_metric": self.main_metric,
            "datetime_column": self.datetime_column,
        }


# -- words and numbers -------------------------------------------------------------------------------------
def _label(column: str) -> str:
    """A header as words for sentences: "num_comments" → "comments", "Lifetime Post Total Reach" → ..."""
    raw = str(column).strip()
    text = _PREFIX.sub("", raw).replace("_", " ").strip() or raw.replace("_", " ").strip()
    words = [w if (w.isupper() and len(w) > 1) else w.lower() for w in text.split()]
    if len(words) == 1 and words[0] in _PLURAL_METRICS:
        words[0] = _PLURAL_METRICS[words[0]]
    return _plain(" ".join(words)) or "values"


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _name_noun(label: str) -> tuple[str, bool]:
    """Words for a name ("comment", True = hyphenate: "High-comment")."""
    words = label.split()
    if len(words) == 1:
        noun = _singular(words[0])
        return _REACTION_NOUNS.get(noun, noun), True
    return " ".join(words[-2:]), False


def _level_plural(column: str, level: str) -> str:
    """A category level as a plural noun: "video" → "videos", "1" in "Category" → "category 1 posts"."""
    text = _plain(str(level))
    if not text or text in (OTHER, MISSING):
        return "posts"
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return f"{_label(column)} {text} posts"
    low = text if text.isupper() else text.lower()
    if " " in low:
        return f"{low} posts"
    if low in _LEVEL_PLURALS:
        return _LEVEL_PLURALS[low]
    if low.endswith(("s", "x", "ch", "sh", "z")):
        return f"{low} posts"
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return low[:-1] + "ies"
    return low + "s"


def _num(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    if ax == 0:
        return "0"
    if ax >= 0.01:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.2g}"


def _times(lift: float) -> str:
    return f"{lift:,.0f}×" if lift >= 10 else f"{lift:.1f}×"


def _pct(x: float) -> str:
    if 0 < x < 0.005:
        return "under 1%"
    if 0.995 < x < 1:
        return "over 99%"
    return f"{x:.0%}"


def _fewer(label: str) -> str:
    return "fewer" if label.endswith("s") else "lower"


# -- computations ------------------------------------------------------------------------------------------
def _signed_log(values: np.ndarray) -> np.ndarray:
    """sign(x)·log1p(|x|): log1p for counts, symmetric for the odd negative metric."""
    if not (values < 0).any():  # counts: one pass
        return np.log1p(values)
    out = np.log1p(np.abs(values))
    return np.copysign(out, values, out=out)


def _metric_frame(df: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """The metrics as float64 columns of one matrix, filled column by column (no second copy of it)."""
    n = len(df)
    if not metrics:
        return pd.DataFrame(index=pd.RangeIndex(n))
    # column-major: each metric is contiguous, as pandas keeps a frame's columns
    values = np.empty((n, len(metrics)), dtype=np.float64, order="F")
    for j, c in enumerate(metrics):
        values[:, j] = df[c].to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(values, index=pd.RangeIndex(n), columns=metrics, copy=False)


def _metric_stats(df: pd.DataFrame, metrics: list[str], inv: np.ndarray, clusters: np.ndarray) -> dict:
    """Per metric, one column at a time (a few column-sized arrays at once, never the whole metric matrix):
    per-cluster medians and means (frames: clusters × metrics), overall median, mean and minimum (Series),
    and on the signed-log scale the overall mean ``mu`` and spread ``sd`` and the per-cluster means
    ``t_mean`` (k × metrics). The same numbers as the whole-matrix computations: every statistic is taken
    over one contiguous column either way."""
    n = len(df)
    med, mean, o_med, o_mean, low, mu, sd, t_mean = {}, {}, {}, {}, {}, [], [], []
    for c in metrics:
        col = pd.Series(df[c].to_numpy(dtype="float64", na_value=np.nan), index=pd.RangeIndex(n), copy=False)
        grouped = col.groupby(inv, sort=True)
        med[c], mean[c] = grouped.median().to_numpy(), grouped.mean().to_numpy()
        o_med[c], o_mean[c], low[c] = col.median(), col.mean(), col.min()
        t = _signed_log(col.to_numpy())
        with np.errstate(all="ignore"):
            mu.append(np.nanmean(t) if n else 0.0)
            sd.append(np.nanstd(t) if n else 0.0)
        t_mean.append(pd.Series(t, copy=False).groupby(inv, sort=True).mean().to_numpy())
    index = pd.Index(clusters)
    return {
        "med_c": pd.DataFrame(med, index=index, columns=metrics, dtype="float64"),
        "mean_c": pd.DataFrame(mean, index=index, columns=metrics, dtype="float64"),
        "o_med": pd.Series(o_med, index=metrics, dtype="float64"),
        "o_mean": pd.Series(o_mean, index=metrics, dtype="float64"),
        "min": pd.Series(low, index=metrics, dtype="float64"),
        "mu": np.array(mu, dtype="float64"),
        "sd": np.array(sd, dtype="float64"),
        "t_mean": np.column_stack(t_mean) if t_mean else np.zeros((len(clusters), 0)),
    }


def _exemplar_distances(
    distances: np.ndarray | None,
    df: pd.DataFrame,
    metrics: list[str],
    med_c: pd.DataFrame,
    sd: np.ndarray,
    inv: np.ndarray,
) -> np.ndarray:
    """Per row: the distance that picks exemplars, closest first. The given distance to the centroid, else the
    distance to the cluster median in standardised metric space (on the signed-log scale, which keeps the
    order of values; in overall standard deviations; missing values and constant metrics add nothing)."""
    if distances is not None:
        return np.asarray(distances, dtype="float64")
    if metrics:
        t = _signed_log(_metric_frame(df, metrics).to_numpy())
        centre = _signed_log(med_c.to_numpy())
        return np.nansum(((t - centre[inv]) / sd) ** 2, axis=1)
    return np.zeros(len(df))


def _main_metric(metrics: list[str]) -> str | None:
    for word in MAIN_METRIC_WORDS:
        hits = [m for m in metrics if word in str(m).lower()]
        if hits:
            return min(hits, key=lambda m: (len(str(m)), metrics.index(m)))
    return metrics[0] if metrics else None


def _category_counts(values: pd.Series, inv: np.ndarray, k: int) -> tuple[list[str], np.ndarray]:
    """Levels (top MAX_LEVELS by overall count, then Other, then missing) and a k×L count matrix."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    overall = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = np.argsort(-overall, kind="stable")
    top = order[:MAX_LEVELS]
    levels = [str(uniques[i]) for i in top]
    mapping = np.full(len(uniques) + 1, len(top), dtype=np.int64)  # everything else → Other
    mapping[top] = np.arange(len(top))
    n_levels = len(top) + 2
    mapped = np.where(codes >= 0, mapping[np.maximum(codes, 0)], len(top) + 1)
    counts = np.bincount(inv * n_levels + mapped, minlength=k * n_levels).reshape(k, n_levels)
    levels += [OTHER, MISSING]
    keep = counts.sum(axis=0) > 0
    return [lv for lv, kp in zip(levels, keep, strict=True) if kp], counts[:, keep]


def _best_times(
    when: pd.Series, y: pd.Series, inv: np.ndarray, clusters: np.ndarray, sizes: np.ndarray
) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """Per cluster: the 3 best hours and 2 best weekdays by median of ``y`` (ties: mean), on enough posts.

    An hour or weekday counts when it holds at least 3 posts and 2% of the cluster, unless none does.
    """
    ok = when.notna().to_numpy() & y.notna().to_numpy()
    values = y.to_numpy(dtype="float64")[ok]
    groups = inv[ok]
    min_posts = np.maximum(3, (0.02 * sizes).astype(np.int64))
    out: list[dict[int, list]] = []
    for part, width, top in (("hour", 24, 3), ("day_of_week", 7, 2)):
        slot = getattr(when.dt, part).to_numpy()[ok].astype(np.int64)
        stats = pd.Series(values).groupby(groups * width + slot).agg(["median", "mean", "size"])
        stats["c"], stats["slot"] = stats.index // width, stats.index % width
        stats["enough"] = stats["size"].to_numpy() >= min_posts[stats["c"].to_numpy()]
        stats = stats.sort_values(
            ["c", "enough", "median", "mean", "size", "slot"],
            ascending=[True, False, False, False, False, True],
        )
        best: dict[int, list] = {}
        for ci, group in stats.groupby("c", sort=False):
            chosen = group[group["enough"]] if group["enough"].any() else group
            slots = [int(v) for v in chosen["slot"].head(top)]
            best[int(clusters[ci])] = slots if part == "hour" else [WEEKDAYS[v] for v in slots]
        out.append(best)
    return out[0], out[1]


def _exemplar_rows(dist: np.ndarray, inv: np.ndarray, clusters: np.ndarray) -> dict[int, np.ndarray]:
    """Row positions of the N_EXEMPLARS smallest distances per cluster (ties: earlier row first)."""
    dist = np.where(np.isfinite(dist), dist, np.inf)
    rows: dict[int, np.ndarray] = {}
    for ci, c in enumerate(clusters):  # k passes of a comparison: cheaper than sorting 1M labels
        members = np.flatnonzero(inv == ci)
        d = dist[members]
        if len(members) > N_EXEMPLARS:
            part = np.argpartition(d, N_EXEMPLARS - 1)[:N_EXEMPLARS]
            members, d = members[part], d[part]
        rows[int(c)] = members[np.lexsort((members, d))]
    return rows


# -- sentences ---------------------------------------------------------------------------------------------
def _metric_sentence(
    metric: str,
    basis: str,
    lift: float,
    c_med: float,
    o_med: float,
    c_mean: float,
    o_mean: float,
    higher: bool,
) -> str:
    label = _label(metric)
    verb = "are" if label.endswith("s") else "is"
    if basis == "median" and math.isfinite(lift) and (lift > 1) == higher and lift != 1:
        if higher:
            return (
                f"{_cap(label)} {verb} {_times(lift)} the typical post "
                f"({_num(c_med)} against {_num(o_med)} at the median)."
            )
        if lift == 0:
            return f"At least half of these posts get no {label}, while the typical post gets {_num(o_med)}."
        return (
            f"{_cap(label)} {verb} {1 - lift:.0%} below the typical post "
            f"({_num(c_med)} against {_num(o_med)} at the median)."
        )
    if basis == "mean" and math.isfinite(lift) and (lift > 1) == higher and lift != 1:
        comparison = f"{_times(lift)} the" if higher else f"{1 - lift:.0%} below the"
        return (
            f"Half or more of all posts get no {label}; these average {_num(c_mean)}, {comparison} "
            f"overall average of {_num(o_mean)}."
        )
    return f"{_cap(label)} average {_num(c_mean)} here, against {_num(o_mean)} across all posts."


def _category_sentence(column: str, level: str, c_share: float, o_share: float) -> str:
    what = _level_plural(column, level) if level not in (OTHER, MISSING) else None
    if what is None:
        what = f"{_label(column)} {'missing' if level == MISSING else 'in other groups'}"
    return f"{_cap(_pct(c_share))} are {what}, against {_pct(o_share)} of all posts."


def _lift_clause(metric: str, basis: str, lift: float) -> tuple[str, str]:
    """("8.2× the comments", "of a typical post") or ("70% fewer comments", "than a typical post")."""
    label = _label(metric)
    ref = "a typical post" if basis == "median" else "the average post"
    if lift >= 1:
        return f"{_times(lift)} the {label}", f"of {ref}"
    if lift == 0:
        return f"no {label}", f"(unlike {ref})" if basis == "mean" else "at the median"
    return f"{1 - lift:.0%} {_fewer(label)} {label}", f"than {ref}"


def _lift_items(lifts: dict[str, float], basis: dict[str, str]) -> tuple[list[tuple[str, str, float]], str]:
    """The metrics a summary mentions and how to join them: the two biggest gains, or one gain "but" one big
    loss, or the two biggest losses."""
    finite = {m: v for m, v in lifts.items() if math.isfinite(v)}
    ups = sorted((m for m, v in finite.items() if v >= 1.1), key=lambda m: -finite[m])
    downs = sorted((m for m, v in finite.items() if v <= 0.9), key=lambda m: finite[m])
    if len(ups) == 1 and downs and finite[downs[0]] <= 0.5:
        chosen, joiner = [ups[0], downs[0]], " but "
    else:
        chosen, joiner = (ups or downs)[:2], " and "
    return [(m, basis[m], finite[m]) for m in chosen], joiner


def _summary(
    size: int,
    share: float,
    dominant: tuple[str, str, float, float] | None,
    lift_items: list[tuple[str, str, float]],
    joiner: str,
    best_hours: list[int],
    best_weekdays: list[str],
) -> str:
    """Two sentences: size and dominant category; the biggest lifts and the best time to post."""
    first = f"{size:,} post{'s' if size != 1 else ''} ({_pct(share)} of all posts)"
    if dominant is not None:
        column, level, c_share, o_share = dominant
        first += f", mostly {_level_plural(column, level)} ({_pct(c_share)} vs {_pct(o_share)} overall)"
    first += "."
    clauses = [_lift_clause(m, b, lift) for m, b, lift in lift_items]
    if not clauses:
        second = "Their engagement is close to that of a typical post"
    elif len({ref for _, ref in clauses}) == 1:
        second = f"They get {joiner.join(text for text, _ in clauses)} {clauses[0][1]}"
    else:
        second = "They get " + joiner.join(f"{text} {ref}" for text, ref in clauses)
    timing = []
    if best_weekdays:
        timing.append(f"on {best_weekdays[0]}s")
    if best_hours:
        timing.append(f"around {best_hours[0]:02d}:00")
    if timing:
        second += "; best posted " + " ".join(timing)
    return f"{first} {second}."


def _adjective(metric: str, lift: float, up: bool) -> str:
    if up and SHARE_HINT.search(str(metric)) and lift >= 3:
        return "Viral"
    noun, hyphen = _name_noun(_label(metric))
    word = ("Top" if lift >= 5 else "High") if up else "Low"
    return f"{word}{'-' if hyphen else ' '}{noun}"


def _name_candidates(
    lifts: dict[str, float], main: str | None, dominant: tuple[str, str, float, float] | None
) -> tuple[list[str], float]:
    """Names in order of preference (from the strongest lift and the dominant category) and their strength."""
    finite = {m: v for m, v in lifts.items() if math.isfinite(v)}
    subject = _level_plural(dominant[0], dominant[1]) if dominant else "posts"
    if not finite:
        return [_plain(_cap(subject))], 0.0
    strength = max(abs(math.log(min(max(v, 0.01), 100))) for v in finite.values())
    ups = sorted((m for m, v in finite.items() if v >= 1.5), key=lambda m: -finite[m])
    downs = sorted((m for m, v in finite.items() if v <= 0.67), key=lambda m: finite[m])
    main_lift = finite.get(main, 1.0) if main else 1.0
    if ups:
        adjectives = [_adjective(m, finite[m], True) for m in ups]
    elif max(finite.values()) <= 1 and main_lift <= 0.8:
        adjectives = ["Quiet", *(_adjective(m, finite[m], False) for m in downs)]
    elif downs:
        adjectives = [_adjective(m, finite[m], False) for m in downs]
    else:
        adjectives = ["Typical"]
    names = [_plain(f"{a} {subject}")[:60] for a in adjectives]
    return list(dict.fromkeys(names)), strength


def _assign_names(candidates: list[tuple[list[str], float]]) -> list[str]:
    """Unique names: the cluster with the strongest lift picks first; a cluster whose every candidate is taken
    gets its first one with a number ("Quiet photos 2")."""
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i][1], i))
    taken: set[str] = set()
    names = [""] * len(candidates)
    for i in order:
        options = candidates[i][0]
        name = next((o for o in options if o not in taken), None)
        if name is None:
            number = 2
            while f"{options[0]} {number}" in taken:
                number += 1
            name = f"{options[0]} {number}"
        taken.add(name)
        names[i] = name
    return names


# -- the entry point ---------------------------------------------------------------------------------------
def describe_clusters(
    df: pd.DataFrame,
    labels: np.ndarray,
    roles: list[ColumnRole],
    distances: np.ndarray | None = None,
) -> Insights:
    """``labels`` (1..k) align with ``df`` rows; ``distances`` to own centroid (same rows) pick exemplars."""
    labels = np.asarray(labels).astype(np.int64)
    n = len(df)
    if len(labels) != n:
        raise ValueError(f"labels ({len(labels)}) must have one entry per row ({n})")
    if distances is not None and len(distances) != n:
        raise ValueError(f"distances ({len(distances)}) must have one entry per row ({n})")
    by_role: dict[Role, list[str]] = {}
    for r in roles:
        if r.name in df.columns:
            by_role.setdefault(Role(r.role), []).append(r.name)
    metrics = [
        c
        for c in by_role.get(Role.METRIC, [])
        if pd.api.types.is_numeric_dtype(df[c].dtype) or pd.api.types.is_bool_dtype(df[c].dtype)
    ]
    categoricals = by_role.get(Role.CATEGORICAL, [])
    dt_col = next(
        (c for c in by_role.get(Role.DATETIME, []) if pd.api.types.is_datetime64_any_dtype(df[c].dtype)), None
    )
    main = _main_metric(metrics)

    codes, clusters = pd.factorize(labels, sort=True)  # hashing: faster than np.unique's sort on 1M rows
    inv = codes.astype(np.int64)
    sizes = np.bincount(inv, minlength=len(clusters))
    k = len(clusters)
    shares = sizes / n if n else sizes.astype(float)

    # metrics: medians, means, lifts, standardised differences on signed log1p
    stats = _metric_stats(df, metrics, inv, clusters)
    med_c, mean_c, o_med, o_mean = stats["med_c"], stats["mean_c"], stats["o_med"], stats["o_mean"]
    counts_like = stats["min"] >= 0  # ratios only mean something for metrics that cannot go negative
    basis = pd.Series(
        np.where(counts_like & (o_med > 0), "median", np.where(counts_like & (o_mean > 0), "mean", "none")),
        index=metrics,
        dtype=object,
    )
    lift = pd.DataFrame(np.nan, index=clusters, columns=metrics)
    for c in metrics:
        if basis[c] == "median":
            lift[c] = med_c[c] / o_med[c]
        elif basis[c] == "mean":
            lift[c] = mean_c[c] / o_mean[c]
    lift.index.name = "cluster"
    sd = np.where(stats["sd"] > 0, stats["sd"], np.nan)
    z_mean = np.nan_to_num((stats["t_mean"] - stats["mu"]) / sd, nan=0.0) if metrics else np.zeros((k, 0))
    dist = _exemplar_distances(distances, df, metrics, med_c, sd, inv)

    # categories: mix per cluster and standardised differences of each level's share
    mix_c: dict[str, np.ndarray] = {}
    mix_o: dict[str, np.ndarray] = {}
    levels_of: dict[str, list[str]] = {}
    for col in categoricals:
        levels, counts = _category_counts(df[col], inv, k)
        levels_of[col] = levels
        mix_c[col] = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        mix_o[col] = counts.sum(axis=0) / max(n, 1)
    dominant_col = next((c for c in categoricals if CATEGORY_HINT.search(str(c))), None) or (
        categoricals[0] if categoricals else None
    )

    best_hours: dict[int, list[int]] = {}
    best_days: dict[int, list[str]] = {}
    if dt_col is not None and main is not None and n:
        main_values = pd.Series(df[main].to_numpy(dtype="float64", na_value=np.nan), index=pd.RangeIndex(n))
        best_hours, best_days = _best_times(df[dt_col], main_values, inv, clusters, sizes)

    exemplar_rows = _exemplar_rows(dist, inv, clusters)
    links = [c for c in df.columns if LINK_HINT.search(str(c)) and pd.api.types.is_string_dtype(df[c].dtype)]
    shown = [
        c for c in df.columns if c in {*by_role.get(Role.IDENTIFIER, []), *by_role.get(Role.TEXT, []), *links}
    ]
    if dt_col is not None:
        shown.append(dt_col)
    if dominant_col is not None:
        shown.append(dominant_col)
    # one gather for all clusters, as one-row slices: a take on Arrow-backed text joins the whole column's
    # chunks first (slow, and a copy of the column), a slice is a view
    all_rows = np.concatenate([exemplar_rows[int(c)] for c in clusters]) if k else np.zeros(0, dtype=np.int64)
    pool_columns = list(dict.fromkeys([*shown, *metrics]))
    exemplar_pool = (
        pd.concat([df.iloc[r : r + 1][pool_columns] for r in all_rows]).set_axis(all_rows)
        if len(all_rows)
        else df[pool_columns].take(all_rows)
    )

    out: list[ClusterInsight] = []
    name_candidates: list[tuple[list[str], float]] = []
    for i, c in enumerate(clusters):
        c = int(c)
        lifts = {mt: float(lift.at[c, mt]) for mt in metrics}
        candidates: list[dict] = []
        for j, mt in enumerate(metrics):
            stat = float(z_mean[i, j])
            candidates.append(
                {
                    "feature": str(mt),
                    "statistic": round(stat, 3),
                    "direction": "higher" if stat > 0 else "lower",
                    "sentence": _metric_sentence(
                        mt,
                        basis[mt],
                        lifts[mt],
                        med_c.at[c, mt],
                        o_med[mt],
                        mean_c.at[c, mt],
                        o_mean[mt],
                        stat > 0,
                    ),
                }
            )
        for col in categoricals:
            p = mix_o[col]
            denom = np.sqrt(p * (1 - p))
            for li, level in enumerate(levels_of[col]):
                if denom[li] <= 0:
                    continue
                stat = float((mix_c[col][i, li] - p[li]) / denom[li])
                candidates.append(
                    {
                        "feature": f"{col} = {level}",
                        "statistic": round(stat, 3),
                        "direction": "higher" if stat > 0 else "lower",
                        "sentence": _category_sentence(col, level, mix_c[col][i, li], p[li]),
                    }
                )
        candidates.sort(key=lambda d: -abs(d["statistic"]))
        distinguishing = [d for d in candidates if abs(d["statistic"]) >= MIN_EFFECT][:N_DISTINGUISHING]

        dominant = None
        if dominant_col is not None:
            li = int(np.argmax(mix_c[dominant_col][i]))
            level = levels_of[dominant_col][li]
            if mix_c[dominant_col][i, li] >= 0.5 and level not in (OTHER, MISSING):
                dominant = (
                    dominant_col,
                    level,
                    float(mix_c[dominant_col][i, li]),
                    float(mix_o[dominant_col][li]),
                )
        lift_items, joiner = _lift_items(lifts, basis.to_dict())
        ranked = sorted(
            (mt for mt in metrics if math.isfinite(lifts[mt])),
            key=lambda mt: -abs(math.log(min(max(lifts[mt], 0.01), 100))),
        )
        top_metrics = list(dict.fromkeys([*([main] if main else []), *ranked[:2]]))
        name_candidates.append(_name_candidates(lifts, main, dominant))
        exemplar_cols = list(dict.fromkeys([*shown, *top_metrics]))
        exemplars = exemplar_pool.loc[exemplar_rows[c], exemplar_cols].reset_index(drop=True)
        out.append(
            ClusterInsight(
                cluster=c,
                name="",  # assigned below, unique across clusters
                summary=_summary(
                    int(sizes[i]),
                    float(shares[i]),
                    dominant,
                    lift_items,
                    joiner,
                    best_hours.get(c, []),
                    best_days.get(c, []),
                ),
                size=int(sizes[i]),
                share=float(shares[i]),
                lifts=lifts,
                medians={mt: float(med_c.at[c, mt]) for mt in metrics},
                category_mix={
                    col: {lv: float(s) for lv, s in zip(levels_of[col], mix_c[col][i], strict=True)}
                    for col in categoricals
                },
                distinguishing=distinguishing,
                best_hours=best_hours.get(c, []),
                best_weekdays=best_days.get(c, []),
                exemplars=exemplars,
                means={mt: float(mean_c.at[c, mt]) for mt in metrics},
            )
        )
    for ins, name in zip(out, _assign_names(name_candidates), strict=True):
        ins.name = name
    return Insights(
        clusters=out,
        lift_table=lift,
        overall_medians={mt: float(o_med[mt]) for mt in metrics},
        overall_means={mt: float(o_mean[mt]) for mt in metrics},
        overall_mix={
            col: {lv: float(s) for lv, s in zip(levels_of[col], mix_o[col], strict=True)}
            for col in categoricals
        },
        lift_basis={mt: str(basis[mt]) for mt in metrics},
        main_metric=main,
        datetime_column=dt_col,
    )
