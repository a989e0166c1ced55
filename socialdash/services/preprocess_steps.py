"""Small scikit-learn transformers used by the preprocessing pipeline (pandas in, readable names out).

All are module-level classes/functions so a fitted pipeline pickles (the file cache stores results).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted

MISSING_LABEL = "(missing)"
OTHER_LABEL = "other"
PART_PERIODS = {"hour": 24.0, "weekday": 7.0, "month": 12.0}


def _as_frame(X: object, columns: list[str] | None = None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame(np.asarray(X), columns=columns)


class _NamedColumns(TransformerMixin, BaseEstimator):
    """Remembers the input column names; subclasses say what comes out."""

    def _remember(self, X: object) -> pd.DataFrame:
        frame = _as_frame(X)
        self.columns_ = [str(c) for c in frame.columns]
        self.n_features_in_ = len(self.columns_)
        self.feature_names_in_ = np.asarray(self.columns_, dtype=object)
        return frame

    def fit(self, X: object, y: object = None) -> _NamedColumns:
        self._remember(X)
        return self


class NumericPrep(_NamedColumns):
    """Numbers as float64 (nullable NA and ±inf → NaN) plus engagement ratios num / (den + 1).

    ``ratios`` holds (numerator column, denominator column, output name) triples.
    """

    def __init__(self, ratios: tuple[tuple[str, str, str], ...] = ()) -> None:
        self.ratios = ratios

    def _compute(self, X: object) -> pd.DataFrame:
        frame = _as_frame(X, getattr(self, "columns_", None))
        data = {}
        for name in frame.columns:
            arr = frame[name].to_numpy(dtype="float64", na_value=np.nan)
            if not np.isfinite(arr).all():
                arr = np.where(np.isinf(arr), np.nan, arr)
            data[str(name)] = arr
        for num, den, out in self.ratios:
            data[out] = data[num] / (np.clip(data[den], 0, None) + 1.0)
        return pd.DataFrame(data, index=frame.index)

    def fit(self, X: object, y: object = None) -> NumericPrep:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: object, y: object = None, **params: object) -> pd.DataFrame:
        self._remember(X)
        out = self._compute(X)
        self.missing_counts_ = {c: int(n) for c, n in out.isna().sum().items() if n}
        return out

    def transform(self, X: object) -> pd.DataFrame:
        check_is_fitted(self, "columns_")
        return self._compute(X)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray(self.columns_ + [out for _, _, out in self.ratios], dtype=object)


class Log1pColumns(_NamedColumns):
    """log(1 + x) on non-negative columns: all of them (mode "on") or those with skew > threshold ("auto").

    The decision, the skew and the minimum are measured when fitting (on the training posts only).
    Values below zero met later are clipped to 0 before the log.
    """

    def __init__(self, mode: str = "auto", threshold: float = 1.0) -> None:
        self.mode = mode
        self.threshold = threshold

    def fit(self, X: object, y: object = None) -> Log1pColumns:
        frame = self._remember(X)
        arr = frame.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(all="ignore"):
            mins = np.nanmin(arr, axis=0) if arr.shape[0] else np.full(arr.shape[1], np.nan)
        skews = pd.DataFrame(arr).skew().to_numpy(dtype="float64")
        self.skews_ = dict(zip(self.columns_, np.nan_to_num(skews, nan=0.0).tolist(), strict=True))
        self.minimums_ = dict(zip(self.columns_, mins.tolist(), strict=True))
        non_negative = mins >= 0
        if self.mode == "on":
            mask = non_negative
        elif self.mode == "auto":
            mask = non_negative & (np.nan_to_num(skews, nan=0.0) > self.threshold)
        else:
            mask = np.zeros(len(self.columns_), dtype=bool)
        self.log_mask_ = mask
        self.logged_ = [c for c, m in zip(self.columns_, mask, strict=True) if m]
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "log_mask_")
        arr = _as_frame(X, self.columns_).to_numpy(dtype="float64", na_value=np.nan, copy=True)
        if self.log_mask_.any():
            arr[:, self.log_mask_] = np.log1p(np.clip(arr[:, self.log_mask_], 0, None))
        return arr

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "log_mask_")
        names = [f"{c} (log)" if m else c for c, m in zip(self.columns_, self.log_mask_, strict=True)]
        return np.asarray(names, dtype=object)


def category_label(value: object) -> str:
    """How a category value is shown: whole-number floats without '.0', missing as '(missing)'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING_LABEL
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


class CappedOneHot(_NamedColumns):
    """One 0/1 column per category value; beyond ``max_categories`` values the rarest are grouped as 'other'.

    Levels are counted on the fitting (training) posts. The ``max_categories`` most common are kept (ties
    broken alphabetically); when more than one value is left over, they share an 'other' column (a single
    leftover value simply keeps its own column). Values first met later go to 'other' when it exists, else to
    no column (all zeros). Missing values are the level '(missing)'. Attribute names follow sklearn's
    OneHotEncoder (``categories_``, ``infrequent_categories_``), which does the same job but counts levels in
    a Python loop (14 s on a million rows versus well under a second here).
    """

    def __init__(self, max_categories: int = 10) -> None:
        self.max_categories = max_categories

    def fit(self, X: object, y: object = None) -> CappedOneHot:
        frame = self._remember(X)
        self.categories_, self.infrequent_categories_, self._plans = [], [], []
        for name in frame.columns:
            counts = frame[name].value_counts(dropna=False, sort=False)
            labels = [category_label(v) for v in counts.index]
            order = sorted(range(len(labels)), key=lambda i: (-int(counts.iloc[i]), labels[i]))
            capped = len(order) > self.max_categories + 1
            kept = sorted(order[: self.max_categories] if capped else order, key=lambda i: labels[i])
            rare = sorted(order[self.max_categories :], key=lambda i: labels[i]) if capped else []
            self.categories_.append(np.asarray([labels[i] for i in kept], dtype=object))
            self.infrequent_categories_.append(
                np.asarray([labels[i] for i in rare], dtype=object) if capped else None
            )
            values = [counts.index[i] for i in kept if labels[i] != MISSING_LABEL]
            value_cols = np.asarray(
                [j for j, i in enumerate(kept) if labels[i] != MISSING_LABEL], dtype=np.int64
            )
            missing_col = next((j for j, i in enumerate(kept) if labels[i] == MISSING_LABEL), -1)
            self._plans.append(
                (values, value_cols, missing_col, len(kept) if capped else -1, len(kept) + capped)
            )
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "categories_")
        frame = _as_frame(X, self.columns_)
        n = len(frame)
        rows = np.arange(n)
        blocks = []
        for name, (values, value_cols, missing_col, other_col, width) in zip(
            frame.columns, self._plans, strict=True
        ):
            column = frame[name]
            out = np.zeros((n, width), dtype=np.float64)
            codes = np.asarray(pd.Index(values).get_indexer(column), dtype=np.int64)
            found = codes >= 0
            out[rows[found], value_cols[codes[found]]] = 1.0
            missing = column.isna().to_numpy()
            if missing_col >= 0:
                out[missing, missing_col] = 1.0
            if other_col >= 0:
                leftover = ~found & ~(missing & (missing_col >= 0))
                out[leftover, other_col] = 1.0
            blocks.append(out)
        return np.hstack(blocks) if blocks else np.empty((n, 0), dtype=np.float64)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "categories_")
        names = []
        for name, cats, rare in zip(
            self.columns_, self.categories_, self.infrequent_categories_, strict=True
        ):
            names += [f"{name} = {c}" for c in cats]
            if rare is not None:
                names.append(f"{name} = {OTHER_LABEL}")
        return np.asarray(names, dtype=object)


class FillGaps(_NamedColumns):
    """Fill missing numbers with the training posts' median or mean, or with zero (``statistics_``)."""

    def __init__(self, strategy: str = "median") -> None:
        self.strategy = strategy

    def fit(self, X: object, y: object = None) -> FillGaps:
        frame = self._remember(X)
        arr = frame.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if self.strategy == "median":
                stats = np.nanmedian(arr, axis=0) if len(arr) else np.zeros(arr.shape[1])
            elif self.strategy == "mean":
                stats = np.nanmean(arr, axis=0) if len(arr) else np.zeros(arr.shape[1])
            else:
                stats = np.zeros(arr.shape[1])
        self.statistics_ = np.nan_to_num(np.asarray(stats, dtype=np.float64), nan=0.0)
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "statistics_")
        arr = _as_frame(X, self.columns_).to_numpy(dtype="float64", na_value=np.nan, copy=True)
        gaps = np.isnan(arr)
        if gaps.any():
            arr[gaps] = np.broadcast_to(self.statistics_, arr.shape)[gaps]
        return arr

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "statistics_")
        return np.asarray(self.columns_, dtype=object)


class DatetimeCycles(_NamedColumns):
    """Hour, weekday and month as points on a circle (sin, cos): 23:00 sits next to 0:00.

    A missing date becomes (0, 0), the centre of each circle: equally far from every hour or day.
    """

    def __init__(self, parts: tuple[str, ...] = ("hour", "weekday")) -> None:
        self.parts = parts

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "columns_")
        frame = _as_frame(X, self.columns_)
        blocks = []
        for name in frame.columns:
            when = frame[name].dt
            for part in self.parts:
                if part == "hour":
                    position = when.hour + when.minute / 60.0
                elif part == "weekday":
                    position = when.day_of_week
                else:
                    position = when.month - 1
                angle = 2 * np.pi * position.to_numpy(dtype="float64", na_value=np.nan) / PART_PERIODS[part]
                blocks.append(np.nan_to_num(np.sin(angle), nan=0.0))
                blocks.append(np.nan_to_num(np.cos(angle), nan=0.0))
        if not blocks:
            return np.empty((len(frame), 0), dtype="float64")
        return np.column_stack(blocks)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        names = [f"{c}: {p} ({f})" for c in self.columns_ for p in self.parts for f in ("sin", "cos")]
        return np.asarray(names, dtype=object)


class ReadablePCA(PCA):
    """PCA whose output columns are called 'component 1', 'component 2', …"""

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "components_")
        return np.asarray([f"component {i + 1}" for i in range(self.n_components_)], dtype=object)
