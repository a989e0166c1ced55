"""A frozen, JSON-serialisable preprocessing spec compiled into an sklearn Pipeline fitted on train only."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from socialdash.services.errors import NoFeaturesError, PipelineError
from socialdash.services.preprocess_steps import (
    CappedOneHot,
    DatetimeCycles,
    FillGaps,
    Log1pColumns,
    NumericPrep,
    ReadablePCA,
)
from socialdash.services.roles import ColumnRole, Role, id_like_numbers, looks_like_id_name, name_words

Scaler = Literal["standard", "robust", "minmax", "none"]
LogMode = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class PreprocessSpec:
    """Every preprocessing choice. ``canonical()`` is the same string for the same choices (the cache key)."""

    metrics: tuple[str, ...] = ()  # numeric metric columns used as features
    categoricals: tuple[str, ...] = ()  # one-hot encoded
    datetimes: tuple[str, ...] = ()  # expanded into the parts below
    datetime_parts: tuple[str, ...] = ("hour", "weekday")  # subset of hour, weekday, month
    impute_numeric: Literal["median", "mean", "zero"] = "median"
    log_transform: LogMode = "auto"  # auto: log1p on non-negative columns with skew > 1 on train
    scaler: Scaler = "standard"
    max_categories: int = 10  # one-hot levels kept per column; the rest go to "other"
    engagement_ratios: bool = False  # add e.g. comments per reaction from recognised count columns
    pca_components: int | None = None  # None = no PCA
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # reserved; not in canonical()

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return d

    def canonical(self) -> str:
        """Deterministic JSON: sorted keys, lists in a fixed order."""
        d = self.to_dict()
        for key in ("metrics", "categoricals", "datetimes", "datetime_parts"):
            d[key] = sorted(set(d[key]))
        return json.dumps(d, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> PreprocessSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "extra"}
        for key in ("metrics", "categoricals", "datetimes", "datetime_parts"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


@dataclass
class Features:
    """The fitted preprocessing and the matrices it produced."""

    train: pd.DataFrame  # float features for train rows, columns = feature names, index = positional row ids
    test: pd.DataFrame
    pipeline: object  # fitted sklearn Pipeline (pandas output)
    warnings: list[str]  # plain sentences, e.g. identifier-like columns or many-level categoricals
    transforms: list[str]  # plain sentences of what was done ("log1p on num_comments (skew 12.3)")
    explained_variance: np.ndarray | None = None  # per PCA component, when PCA is on


# ----------------------------------------------------------------------------------------------------
# defaults and validation

_IMPUTE = ("median", "mean", "zero")
_LOG = ("auto", "on", "off")
_SCALERS = ("standard", "robust", "minmax", "none")
_PARTS = ("hour", "weekday", "month")
_PART_WORDS = {"hour": "hour of day", "weekday": "day of week", "month": "month"}
LOG_SKEW = 1.0  # auto log1p when a non-negative column's skew on train is above this


def default_spec(roles: list[ColumnRole]) -> PreprocessSpec:
    """The spec a marketer gets without touching anything: included metrics, categoricals and datetimes.

    Columns the user explicitly included although they are identifiers or text are one-hot encoded like
    categories (with a warning from ``feature_warnings``); constants are never used.
    """
    metrics = tuple(r.name for r in roles if r.included and r.role == Role.METRIC)
    categoricals = tuple(
        r.name for r in roles if r.included and r.role in (Role.CATEGORICAL, Role.IDENTIFIER, Role.TEXT)
    )
    datetimes = tuple(r.name for r in roles if r.included and r.role == Role.DATETIME)
    return PreprocessSpec(metrics=metrics, categoricals=categoricals, datetimes=datetimes)


def _ordered(df: pd.DataFrame, names: tuple[str, ...]) -> list[str]:
    """The spec's columns in the frame's column order (so equal canonical specs give equal features)."""
    wanted = set(names)
    for name in names:
        if name not in df.columns:
            raise PipelineError(f"There is no column called '{name}' in this data; choose the columns again.")
    return [str(c) for c in df.columns if c in wanted]


def _check_spec(spec: PreprocessSpec) -> None:
    if spec.impute_numeric not in _IMPUTE:
        raise PipelineError(
            f"'{spec.impute_numeric}' is not a way to fill gaps; choose median, mean or zero."
        )
    if spec.log_transform not in _LOG:
        raise PipelineError(f"'{spec.log_transform}' is not a log setting; choose auto, on or off.")
    if spec.scaler not in _SCALERS:
        raise PipelineError(f"'{spec.scaler}' is not a scaler; choose standard, robust, minmax or none.")
    unknown = [p for p in spec.datetime_parts if p not in _PARTS]
    if unknown:
        raise PipelineError(f"'{unknown[0]}' is not a date part; choose from hour, weekday and month.")
    if (
        isinstance(spec.max_categories, bool)
        or not isinstance(spec.max_categories, int)
        or spec.max_categories < 1
    ):
        raise PipelineError("Keep at least 1 category level per column (max categories must be 1 or more).")
    pca = spec.pca_components
    if pca is not None and (isinstance(pca, bool) or not isinstance(pca, int) or pca < 1):
        raise PipelineError(
            f"The number of PCA components must be a whole number of 1 or more (it was {pca!r})."
        )


def _check_kinds(df: pd.DataFrame, metrics: list[str], datetimes: list[str]) -> None:
    for name in metrics:
        dtype = df[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise PipelineError(
                f"'{name}' holds text, not numbers, so it cannot be used as a metric; use it as a category."
            )
    for name in datetimes:
        if not pd.api.types.is_datetime64_any_dtype(df[name].dtype):
            raise PipelineError(f"'{name}' does not hold dates, so its hour and weekday cannot be used.")


# ----------------------------------------------------------------------------------------------------
# engagement ratios

_COUNT_KINDS = {
    "comments": ({"comment", "comments", "reply", "replies"}, "comments"),
    "shares": ({"share", "shares", "retweet", "retweets", "repost", "reposts"}, "shares"),
    "likes": ({"like", "likes"}, "like"),
    "reactions": ({"reaction", "reactions"}, "reaction"),
    "impressions": ({"impression", "impressions"}, "impression"),
    "engagements": ({"engagement", "engagements", "engaged"}, "engagements"),
    "views": ({"view", "views"}, "view"),
    "reach": ({"reach"}, "person reached"),
}
_NOT_A_COUNT = {"rate", "ratio", "per", "percent", "pct", "avg", "average", "mean", "share of"}


def _count_columns(metrics: list[str]) -> dict[str, str]:
    """Kind → column for count columns recognised by name (shortest name wins; ambiguous names skipped)."""
    found: dict[str, str] = {}
    for name in metrics:
        words = set(name_words(name))
        if words & _NOT_A_COUNT:
            continue
        kinds = [kind for kind, (tokens, _) in _COUNT_KINDS.items() if words & tokens]
        if len(kinds) != 1:
            continue
        kind = kinds[0]
        if kind not in found or len(name) < len(found[kind]):
            found[kind] = name
    return found


def engagement_ratio_pairs(metrics: list[str]) -> list[tuple[str, str, str, str]]:
    """(numerator, denominator, feature name, sentence) for a small, sensible set of per-post ratios.

    comments and shares per reaction (or per like); engagements (or reactions/likes) per impression, reach
    or view. Only the spec's own metric columns are used.
    """
    cols = _count_columns(metrics)
    base_kind = "reactions" if "reactions" in cols else ("likes" if "likes" in cols else None)
    audience_kind = next((k for k in ("impressions", "reach", "views") if k in cols), None)
    wanted: list[tuple[str, str]] = []
    if base_kind:
        wanted += [(k, base_kind) for k in ("comments", "shares") if k in cols]
    if audience_kind:
        top = "engagements" if "engagements" in cols else base_kind
        if top:
            wanted.append((top, audience_kind))
    out = []
    for num_kind, den_kind in wanted:
        num, den = cols[num_kind], cols[den_kind]
        if num == den:
            continue
        name = f"{num} per {den}"
        sentence = (
            f"Added '{name}' = {num} ÷ ({den} + 1): {_COUNT_KINDS[num_kind][1]} per "
            f"{_COUNT_KINDS[den_kind][1]}, which compares posts of different reach fairly."
        )
        out.append((num, den, name, sentence))
    return out


# ----------------------------------------------------------------------------------------------------
# the pipeline


def _scaler(kind: str) -> object:
    return {"standard": StandardScaler(), "robust": RobustScaler(), "minmax": MinMaxScaler()}.get(
        kind, "passthrough"
    )


def build_pipeline(
    spec: PreprocessSpec, metrics: list[str], categoricals: list[str], datetimes: list[str]
) -> ColumnTransformer:
    """The unfitted feature step: numbers, categories and date parts side by side (pandas output).

    numbers: NumericPrep (+ratios) → FillGaps → Log1pColumns → scaler;
    categories: CappedOneHot (0/1, not rescaled);
    dates: DatetimeCycles (sin/cos, not rescaled).
    """
    ratios = (
        tuple((num, den, name) for num, den, name, _ in engagement_ratio_pairs(metrics))
        if (spec.engagement_ratios)
        else ()
    )
    branches = []
    if metrics:
        numbers = Pipeline(
            [
                ("numbers", NumericPrep(ratios=ratios)),
                ("impute", FillGaps(strategy=spec.impute_numeric)),
                ("log", Log1pColumns(mode=spec.log_transform, threshold=LOG_SKEW)),
                ("scale", _scaler(spec.scaler)),
            ]
        )
        branches.append(("num", numbers, metrics))
    if categoricals:
        branches.append(("cat", CappedOneHot(max_categories=spec.max_categories), categoricals))
    if datetimes and spec.datetime_parts:
        parts = tuple(p for p in _PARTS if p in spec.datetime_parts)
        branches.append(("time", DatetimeCycles(parts=parts), datetimes))
    if not branches:
        raise NoFeaturesError()
    columns = ColumnTransformer(
        branches, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False
    )
    return columns.set_output(transform="pandas")


def _as_float_frame(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    out = frame if all(dt == np.float64 for dt in frame.dtypes) else frame.astype(np.float64)
    return out.set_axis(pd.Index(rows, dtype=np.int64), axis=0)


def _fmt(x: float) -> str:
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.3g}"


def _describe(columns: ColumnTransformer, spec: PreprocessSpec, ratio_sentences: list[str]) -> list[str]:
    """Plain sentences of what the fitted pipeline does, with the numbers learnt from the training posts."""
    out: list[str] = list(ratio_sentences)
    fitted = columns.named_transformers_
    if "num" in fitted:
        steps = fitted["num"].named_steps
        prep, imputer, log = steps["numbers"], steps["impute"], steps["log"]
        how = {"median": "median", "mean": "average", "zero": "zero"}[spec.impute_numeric]
        names = list(prep.get_feature_names_out())
        for name, count in prep.missing_counts_.items():
            value = imputer.statistics_[names.index(name)]
            filler = "0" if how == "zero" else f"the {how} of the training posts ({_fmt(float(value))})"
            out.append(
                f"Filled {count:,} missing value{'s' if count != 1 else ''} of '{name}' with {filler}."
            )
        if log.logged_:
            listed = ", ".join(f"{name} (skew {log.skews_[name]:.1f})" for name in log.logged_)
            plural = "s" if len(log.logged_) != 1 else ""
            out.append(
                f"log1p on {len(log.logged_)} heavy-tailed column{plural}, so a few very large values no "
                f"longer stretch the scale (skew on the training posts): {listed}."
            )
        kept = [c for c in log.columns_ if c not in log.logged_]
        if kept and spec.log_transform != "off":
            rule = (
                "skew of 1 or less, or values below zero"
                if spec.log_transform == "auto"
                else "values below 0"
            )
            out.append(f"Kept as they are ({rule}): {', '.join(kept)}.")
        scale_text = {
            "standard": "Rescaled every number to average 0 and spread 1 (as measured on the training "
            "posts), so no single metric dominates the distances.",
            "robust": "Rescaled every number by its median and middle-half range (from the training "
            "posts), so outliers have less pull.",
            "minmax": "Rescaled every number to run from 0 to 1 over the training posts.",
            "none": "Numbers are not rescaled: columns with big values will dominate the distances.",
        }[spec.scaler]
        out.append(scale_text)
    if "cat" in fitted:
        onehot = fitted["cat"]
        for name, cats, rare in zip(
            onehot.feature_names_in_, onehot.categories_, onehot.infrequent_categories_, strict=True
        ):
            if rare is None:
                out.append(f"'{name}' became {len(cats)} yes/no columns, one per value.")
            else:
                kept_n = len(cats)
                out.append(
                    f"'{name}' became {kept_n + 1} yes/no columns: its {kept_n} most common values, and "
                    f"'other' for the remaining {len(rare):,}."
                )
        out.append(
            "Category columns stay 0/1 (not rescaled), so a rare value does not weigh more than a common one."
        )
    if "time" in fitted:
        cycles = fitted["time"]
        parts = " and ".join(_PART_WORDS[p] for p in cycles.parts)
        for name in cycles.columns_:
            out.append(
                f"'{name}' gave the {parts} of each post, each as a point on a circle (sin and cos) so 23:00 "
                "sits next to 0:00 and Sunday next to Monday; a missing date sits at the centre."
            )
    return out


def fit_features(
    df: pd.DataFrame, spec: PreprocessSpec, train_idx: np.ndarray, test_idx: np.ndarray
) -> Features:
    """Fit the pipeline on ``df.iloc[train_idx]`` only, transform both.

    Raises NoFeaturesError when nothing is selected and PipelineError for other impossible choices.
    """
    _check_spec(spec)
    metrics = _ordered(df, spec.metrics)
    categoricals = _ordered(df, spec.categoricals)
    datetimes = _ordered(df, spec.datetimes)
    _check_kinds(df, metrics, datetimes)
    train_idx = np.asarray(train_idx, dtype=np.int64)
    test_idx = np.asarray(test_idx, dtype=np.int64)
    if len(train_idx) == 0:
        raise PipelineError("There are no posts to train on; lower the test share.")
    columns = build_pipeline(spec, metrics, categoricals, datetimes)
    used = list(dict.fromkeys(metrics + categoricals + datetimes))
    selected = df[used]
    train = columns.fit_transform(selected.iloc[train_idx])
    if train.shape[1] == 0:
        raise NoFeaturesError()
    steps: list[tuple[str, object]] = [("features", columns)]
    explained = None
    n_features, n_rows = train.shape[1], train.shape[0]
    if spec.pca_components is not None:
        if spec.pca_components > min(n_features, n_rows):
            raise PipelineError(
                f"PCA can keep at most {min(n_features, n_rows)} components here ({n_features} features from "
                f"{n_rows:,} training posts), not {spec.pca_components}; choose fewer components."
            )
        pca = ReadablePCA(n_components=spec.pca_components, random_state=0).set_output(transform="pandas")
        train = pca.fit_transform(train)
        explained = np.asarray(pca.explained_variance_ratio_, dtype=np.float64)
        steps.append(("pca", pca))
    pipeline = Pipeline(steps).set_output(transform="pandas")
    if len(test_idx):
        test = pipeline.transform(selected.iloc[test_idx])
    else:
        test = pd.DataFrame(np.empty((0, train.shape[1])), columns=train.columns)
    ratio_sentences = (
        [s for *_, s in engagement_ratio_pairs(metrics)] if spec.engagement_ratios and metrics else []
    )
    transforms = _describe(columns, spec, ratio_sentences)
    if explained is not None:
        transforms.append(
            f"PCA kept {len(explained)} component{'s' if len(explained) != 1 else ''} holding "
            f"{explained.sum():.0%} of the spread in the {n_features} features."
        )
    return Features(
        train=_as_float_frame(train, train_idx),
        test=_as_float_frame(test, test_idx),
        pipeline=pipeline,
        warnings=feature_warnings(df, spec),
        transforms=transforms,
        explained_variance=explained,
    )


# ----------------------------------------------------------------------------------------------------
# warnings


def _levels(column: pd.Series) -> int:
    return int(column.nunique()) + int(bool(column.isna().any()))


def _spread_warning(
    df: pd.DataFrame, spec: PreprocessSpec, metrics: list[str], categoricals: list[str]
) -> str | None:
    """With scaler="none": the metric holding most of the total variance (after the log step), if any."""
    if not metrics:
        return None
    variances = {}
    for name in metrics:
        values = pd.Series(df[name].to_numpy(dtype="float64", na_value=np.nan)).dropna()
        values = values[np.isfinite(values)]
        if values.empty:
            continue
        logged = spec.log_transform == "on" or (spec.log_transform == "auto" and values.skew() > LOG_SKEW)
        if logged and values.min() >= 0:
            values = np.log1p(values)
        variances[name] = float(values.var()) if len(values) > 1 else 0.0
    # one-hot columns (0/1) have variance ≤ 0.25, sin/cos pairs about 0.5 each
    others = sum(0.25 * min(_levels(df[c]), spec.max_categories + 1) for c in categoricals)
    others += sum(2 * 0.5 for c in spec.datetimes if c in df.columns for _ in spec.datetime_parts)
    total = sum(variances.values()) + others
    if not variances or total <= 0 or (len(variances) < 2 and others == 0):
        return None
    name = max(variances, key=variances.__getitem__)
    share = variances[name] / total
    if share < 0.5:
        return None
    return (
        f"Without rescaling, '{name}' holds {share:.0%} of the spread between posts, so the clusters "
        "would mostly follow it; choose a scaler to give every column a fair say."
    )


def feature_warnings(df: pd.DataFrame, spec: PreprocessSpec) -> list[str]:
    """Warn when one input would dominate distances or adds nothing.

    Identifier-like numbers, ID columns used as categories, many-level categoricals, constants, mostly empty
    metrics, and (with scaler "none") a metric holding most of the spread.
    """
    out: list[str] = []
    metrics = [c for c in spec.metrics if c in df.columns]
    categoricals = [c for c in spec.categoricals if c in df.columns]
    n = len(df)
    for name in metrics:
        column = df[name]
        values = column.dropna()
        distinct = int(values.nunique())
        if distinct <= 1:
            out.append(f"'{name}' has the same value in every post, so it adds nothing; leave it out.")
            continue
        numeric = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)
        why = id_like_numbers(values, distinct) if numeric and _whole(values) else None
        if why or looks_like_id_name(name):
            out.append(
                f"'{name}' looks like an ID ({distinct:,} different values in {n:,} posts); unless it really "
                "measures the posts, leave it out, or it will push posts apart for no reason."
            )
        missing = 1 - len(values) / n if n else 0.0
        if missing > 0.5:
            out.append(
                f"'{name}' is empty in {missing:.0%} of posts; those gaps are filled in, which makes "
                "those posts look alike."
            )
    for name in categoricals:
        column = df[name]
        levels = _levels(column)
        if levels <= 1:
            out.append(f"'{name}' has the same value in every post, so it adds nothing; leave it out.")
            continue
        if looks_like_id_name(name):
            out.append(
                f"'{name}' names who or what posted; used as categories, distances between posts would "
                "measure the poster, not the post."
            )
        if levels > spec.max_categories + 1:
            out.append(
                f"'{name}' has {levels:,} levels; only the {spec.max_categories} most common are kept "
                "and the rest grouped as 'other'."
            )
    for name in spec.datetimes:
        if name in df.columns and df[name].nunique() <= 1:
            out.append(f"'{name}' has the same date in every post, so its hour and weekday add nothing.")
    if spec.scaler == "none":
        spread = _spread_warning(df, spec, metrics, categoricals)
        if spread:
            out.append(spread)
    return out


def _whole(values: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(values.dtype):
        return True
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    arr = arr[np.isfinite(arr)]
    return bool(arr.size) and bool(np.all(arr == np.round(arr)))
