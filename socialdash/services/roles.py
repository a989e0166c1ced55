"""Each column's role in the analysis, with the reason in words; overridable by the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from socialdash.services.errors import PipelineError


class Role(StrEnum):
    IDENTIFIER = "identifier"
    DATETIME = "datetime"
    CATEGORICAL = "categorical"
    METRIC = "metric"  # numeric metric (counts, rates, money)
    TEXT = "text"  # free text (post message, links)
    CONSTANT = "constant"  # constant or empty


#: roles whose columns are clustering features by default
FEATURE_ROLES = frozenset({Role.METRIC, Role.CATEGORICAL})


@dataclass(frozen=True)
class ColumnRole:
    name: str
    role: Role
    #: e.g. "Every value is different (7,050 distinct), so it names posts rather than describing them."
    reason: str
    included: bool  # used as a clustering feature (datetimes feed hour/weekday parts when included)

    def to_dict(self) -> dict:
        return {"name": self.name, "role": str(self.role), "reason": self.reason, "included": self.included}


# --- thresholds (documented in the reasons they produce) -------------------------------------------------
MAX_CATEGORY_LEVELS = 50  # a text column with at most this many values (or ≤ 5% of rows) is a category
CATEGORY_SHARE = 0.05
CODE_MAX_LEVELS = 12  # a whole-number column named like a code (type, category, paid) with ≤ this many values
UNIQUE_SHARE = 0.95  # "almost every value is different"
SAMPLE_SIZE = 5_000  # values inspected for text patterns (lengths, spaces, URLs); counts use every row

_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key", "pk", "uid"})
_ID_GLUED = re.compile(
    r"^(user|post|status|tweet|page|account|author|media|message|msg|item|content|video|channel|profile|"
    r"object|story|ad|campaign|creator|owner|group|comment|share|row|record|entry)_?id$"
)
_CODE_WORDS = frozenset(
    {
        "category",
        "categories",
        "type",
        "kind",
        "class",
        "paid",
        "group",
        "format",
        "segment",
        "flag",
        "promoted",
        "boosted",
        "sponsored",
        "organic",
    }
)
_TIME_PART_WORDS = frozenset({"hour", "weekday", "day", "month", "year", "week", "dow", "quarter", "minute"})
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_HEX_OR_UUID = re.compile(rf"^(?:{_UUID}|[0-9a-fA-F]{{16,}})$")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


def name_words(name: str) -> list[str]:
    """Lower-case words of a column name: 'Post Hour' → [post, hour], 'userId' → [user, id]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def looks_like_id_name(name: str) -> bool:
    """True for names such as id, user_id, userId, 'Tweet id', post_uuid, key (not 'paid' or 'valid')."""
    words = name_words(name)
    if not words:
        return False
    if words[-1] in _ID_WORDS or (len(words) > 1 and words[0] in _ID_WORDS):
        return True
    return bool(_ID_GLUED.match(re.sub(r"[^a-z0-9_]", "", str(name).lower())))


def _fmt_int(n: int) -> str:
    return f"{int(n):,}"


def _fmt_num(x: float) -> str:
    if pd.isna(x):
        return "missing"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _fmt_value(v: object) -> str:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return _fmt_num(float(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d %b %Y %H:%M")
    text = str(v)
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def _sample(values: pd.Series) -> pd.Series:
    """A fixed, evenly spread sample of the non-missing values (deterministic; whole column when small)."""
    if len(values) <= SAMPLE_SIZE:
        return values
    pos = np.linspace(0, len(values) - 1, SAMPLE_SIZE).astype(np.int64)
    return values.iloc[pos]


def _is_integral(values: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(values.dtype):
        return True
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    arr = arr[np.isfinite(arr)]
    return bool(arr.size) and bool(np.all(arr == np.round(arr)))


def id_like_numbers(values: pd.Series, distinct: int | None = None) -> str | None:
    """Why whole numbers look like IDs (unique and huge, steadily rising, or a dense range), else None."""
    n = len(values)
    distinct = int(values.nunique()) if distinct is None else distinct
    if n < 20 or distinct < 0.99 * n:
        return None
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    if np.nanmax(np.abs(arr)) >= 1e12:
        return "very long numbers"
    if values.is_monotonic_increasing or values.is_monotonic_decreasing:
        return "numbers that go steadily up (or down) row by row"
    if (np.nanmax(arr) - np.nanmin(arr) + 1) <= 1.05 * distinct:
        return "numbers that count through a range one by one"
    return None


def _constant_role(name: str, values: pd.Series, n_rows: int) -> ColumnRole | None:
    if values.empty:
        reason = "Every post leaves this column empty, so it cannot tell posts apart."
        return ColumnRole(name, Role.CONSTANT, reason, False)
    if values.nunique() <= 1:
        value = _fmt_value(values.iloc[0])
        if len(values) < n_rows:
            reason = (
                f"Every post that has a value has the same one ({value}) and the other "
                f"{_fmt_int(n_rows - len(values))} are empty, so it cannot tell posts apart."
            )
        else:
            reason = f"Every post has the same value ({value}), so it cannot tell posts apart."
        return ColumnRole(name, Role.CONSTANT, reason, False)
    return None


def _poster_reason(name: str, distinct: int, n: int) -> str:
    return (
        f"'{name}' is an ID with {_fmt_int(distinct)} different values over {_fmt_int(n)} posts: "
        "it says who or what posted, not how the post did. One-hot encoding it would make "
        "distances between posts measure the poster, not the post, so it is left out."
    )


def _unique_reason(distinct: int, n: int) -> str:
    if distinct == n:
        return (
            f"Every value is different ({_fmt_int(distinct)} distinct), so it names posts rather than "
            "describing them."
        )
    return (
        f"Almost every value is different ({_fmt_int(distinct)} distinct in {_fmt_int(n)} posts), "
        "so it names posts rather than describing them."
    )


def _numeric_role(name: str, values: pd.Series, n_rows: int) -> ColumnRole:
    distinct = int(values.nunique())
    n = len(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        return ColumnRole(name, Role.CATEGORICAL, "Yes/no values, used as two groups of posts.", True)
    if looks_like_id_name(name):
        if distinct >= UNIQUE_SHARE * n:
            reason = _unique_reason(distinct, n) + " Its name also says it is an ID."
        else:
            reason = _poster_reason(name, distinct, n)
        return ColumnRole(name, Role.IDENTIFIER, reason, False)
    integral = _is_integral(values)
    words = set(name_words(name))
    if integral and distinct <= CODE_MAX_LEVELS and words & _CODE_WORDS:
        levels = ", ".join(_fmt_num(v) for v in sorted(values.unique())[:CODE_MAX_LEVELS])
        reason = (
            f"Whole-number codes ({levels}) in a column named like a type or flag, "
            "so each number is a group of posts, not an amount."
        )
        return ColumnRole(name, Role.CATEGORICAL, reason, True)
    why = id_like_numbers(values, distinct) if integral else None
    if why:
        reason = _unique_reason(distinct, n) + f" These are {why}, like row numbers or post IDs."
        return ColumnRole(name, Role.IDENTIFIER, reason, False)
    lo, hi = values.min(), values.max()
    reason = f"Numbers from {_fmt_num(lo)} to {_fmt_num(hi)} measured per post."
    if words & _TIME_PART_WORDS:
        reason += (
            " It looks like a time code (hour, weekday or month) and is kept as a number, "
            "so neighbouring values count as similar; set it to category to compare them as separate groups."
        )
    return ColumnRole(name, Role.METRIC, reason, True)


def _text_role(name: str, values: pd.Series, n_rows: int) -> ColumnRole:
    n = len(values)
    distinct = int(values.nunique())
    share = distinct / n
    sample = _sample(values).astype("string")
    lengths = sample.str.len()
    mean_len = float(lengths.mean())
    spaced = float(sample.str.contains(r"\s", regex=True).mean())
    urls = float(sample.str.match(_URL.pattern, case=False).mean())
    hexes = float(sample.str.match(_HEX_OR_UUID.pattern).mean())
    digits = float(sample.str.contains(r"\d", regex=True).mean())
    if looks_like_id_name(name) or hexes >= 0.9:
        reason = _unique_reason(distinct, n) if share >= UNIQUE_SHARE else _poster_reason(name, distinct, n)
        return ColumnRole(name, Role.IDENTIFIER, reason, False)
    dates = float(sample.str.match(_DATE_LIKE.pattern).mean())
    if dates >= 0.9:
        reason = "These look like dates, but they could not be read as dates, so they are not used."
        return ColumnRole(name, Role.TEXT, reason, False)
    if urls >= 0.8:
        if share >= 0.9:
            reason = "Links that each point to one post, so they name posts rather than describing them."
            return ColumnRole(name, Role.IDENTIFIER, reason, False)
        reason = "Web links; their wording is free text, which clustering on numbers cannot use."
        return ColumnRole(name, Role.TEXT, reason, False)
    if mean_len >= 80 or (spaced >= 0.5 and (mean_len >= 30 or (share >= 0.5 and distinct > 20))):
        reason = (
            f"Free text (on average {mean_len:.0f} characters, {_fmt_int(distinct)} different values), "
            "such as a message; clustering on numbers cannot use it."
        )
        return ColumnRole(name, Role.TEXT, reason, False)
    if share >= UNIQUE_SHARE and (digits >= 0.9 or distinct > MAX_CATEGORY_LEVELS):
        return ColumnRole(name, Role.IDENTIFIER, _unique_reason(distinct, n), False)
    if distinct <= MAX_CATEGORY_LEVELS or distinct <= CATEGORY_SHARE * n_rows:
        top = values.value_counts().index[:4]
        shown = ", ".join(str(v) for v in top) + (", …" if distinct > 4 else "")
        reason = f"{_fmt_int(distinct)} different values ({shown}), so posts can be grouped by it."
        return ColumnRole(name, Role.CATEGORICAL, reason, True)
    if spaced >= 0.5:
        reason = f"Free text with {_fmt_int(distinct)} different values; clustering on numbers cannot use it."
        return ColumnRole(name, Role.TEXT, reason, False)
    reason = (
        f"Too many different values ({_fmt_int(distinct)} in {_fmt_int(n)} posts) to group posts by; "
        "it looks like names or codes."
    )
    return ColumnRole(name, Role.IDENTIFIER, reason, False)


def _datetime_role(name: str, values: pd.Series) -> ColumnRole:
    lo, hi = values.min(), values.max()
    reason = (
        f"Dates and times ({lo.day} {lo:%b %Y} to {hi.day} {hi:%b %Y}); "
        "the hour and weekday of each post are used as features."
    )
    return ColumnRole(name, Role.DATETIME, reason, True)


def infer_role(name: str, column: pd.Series) -> ColumnRole:
    """The role of one column (see ``infer_roles``)."""
    n_rows = len(column)
    values = column.dropna()
    constant = _constant_role(str(name), values, n_rows)
    if constant is not None:
        return constant
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _datetime_role(str(name), values)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return _numeric_role(str(name), values, n_rows)
    if isinstance(dtype, pd.CategoricalDtype):
        reason = f"{_fmt_int(values.nunique())} different values, so posts can be grouped by it."
        return ColumnRole(str(name), Role.CATEGORICAL, reason, True)
    if pd.api.types.is_timedelta64_dtype(dtype):
        reason = "Durations are not used as features; change the role to use them."
        return ColumnRole(str(name), Role.TEXT, reason, False)
    return _text_role(str(name), values, n_rows)


def infer_roles(df: pd.DataFrame) -> list[ColumnRole]:
    """Infer a role per column (in column order). Identifiers, text and constants are excluded by default."""
    return [infer_role(name, df.iloc[:, i]) for i, name in enumerate(df.columns)]


def apply_overrides(
    roles: list[ColumnRole],
    role_overrides: dict[str, str] | None = None,
    included: dict[str, bool] | None = None,
) -> list[ColumnRole]:
    """Return roles with the user's changes applied; unknown column names are ignored.

    A new role of metric, categorical or datetime is included; others are excluded, unless ``included`` says.
    """
    out = []
    for r in roles:
        if role_overrides and r.name in role_overrides:
            try:
                new_role = Role(role_overrides[r.name])
            except ValueError:
                kinds = ", ".join(role.value for role in Role)
                raise PipelineError(
                    f"'{role_overrides[r.name]}' is not a column role; choose one of {kinds}."
                ) from None
            included_now = new_role in FEATURE_ROLES or new_role == Role.DATETIME
            r = replace(r, role=new_role, reason="Set by you.", included=included_now)
        if included and r.name in included:
            r = replace(r, included=bool(included[r.name]))
        out.append(r)
    return out
