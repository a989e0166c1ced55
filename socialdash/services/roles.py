"""Each column's role in the analysis, with the reason in words; overridable by the caller."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import pandas as pd


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
    reason: str  # e.g. "Every value is different (7,050 distinct), so it names posts rather than describing them."
    included: bool  # used as a clustering feature (datetimes feed hour/weekday parts when included)

    def to_dict(self) -> dict:
        return {"name": self.name, "role": str(self.role), "reason": self.reason, "included": self.included}


def infer_roles(df: pd.DataFrame) -> list[ColumnRole]:
    """Infer a role per column (in column order). Identifiers, text and constants are excluded by default."""
    raise NotImplementedError


def apply_overrides(
    roles: list[ColumnRole], role_overrides: dict[str, str] | None = None, included: dict[str, bool] | None = None
) -> list[ColumnRole]:
    """Return roles with the user's changes applied; unknown column names are ignored."""
    out = []
    for r in roles:
        if role_overrides and r.name in role_overrides:
            new_role = Role(role_overrides[r.name])
            r = replace(r, role=new_role, reason="Set by you.", included=new_role in FEATURE_ROLES)
        if included and r.name in included:
            r = replace(r, included=bool(included[r.name]))
        out.append(r)
    return out
