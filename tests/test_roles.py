"""Column roles on real exports and generated frames: role, reason in words, included by default."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from socialdash.services.errors import PipelineError
from socialdash.services.roles import FEATURE_ROLES, Role, apply_overrides, infer_roles, looks_like_id_name

COUNTS = ["num_reactions", "num_comments", "num_shares", "num_likes", "num_loves", "num_wows", "num_hahas"]


def read_live(data_dir) -> pd.DataFrame:
    """Live.csv as ingest hands it over: empty Column1..4 dropped, dates parsed, text as strings."""
    df = pd.read_csv(data_dir / "Live.csv").drop(columns=["Column1", "Column2", "Column3", "Column4"])
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M")
    return df


def by_name(df: pd.DataFrame) -> dict:
    return {r.name: r for r in infer_roles(df)}


def test_live_roles(data_dir) -> None:
    df = read_live(data_dir)
    roles = infer_roles(df)
    assert [r.name for r in roles] == list(df.columns)
    got = {r.name: r for r in roles}
    sid = got["status_id"]
    assert (sid.role, sid.included) == (Role.IDENTIFIER, False)
    assert "6,997 distinct in 7,050 posts" in sid.reason and "names posts" in sid.reason
    assert (got["status_type"].role, got["status_type"].included) == (Role.CATEGORICAL, True)
    assert "photo" in got["status_type"].reason
    assert (got["status_published"].role, got["status_published"].included) == (Role.DATETIME, True)
    assert "hour and weekday" in got["status_published"].reason
    for name in [*COUNTS, "num_sads", "num_angrys"]:
        assert (got[name].role, got[name].included) == (Role.METRIC, True), name
    assert got["num_comments"].reason == "Numbers from 0 to 20,990 measured per post."


def test_facebook_metrics_codes_and_time_parts(data_dir) -> None:
    df = pd.read_csv(data_dir / "dataset_Facebook.csv", sep=";")
    got = by_name(df)
    assert got["Type"].role == Role.CATEGORICAL
    assert got["Category"].role == Role.CATEGORICAL and "codes (1, 2, 3)" in got["Category"].reason
    assert got["Paid"].role == Role.CATEGORICAL  # 0/1 with one missing value (float column)
    for name in ("Post Month", "Post Weekday", "Post Hour"):
        assert got[name].role == Role.METRIC and "time code" in got[name].reason
    for name in (
        "Page total likes",
        "Lifetime Post Total Reach",
        "comment",
        "like",
        "share",
        "Total Interactions",
    ):
        assert (got[name].role, got[name].included) == (Role.METRIC, True), name
    assert {r.role for r in got.values()} <= FEATURE_ROLES


def test_constant_and_empty_columns_are_excluded_with_reason() -> None:
    df = pd.DataFrame(
        {
            "zeros": [0] * 30,
            "empty": pd.array([None] * 30, dtype="Float64"),
            "dash": pd.array(["-"] * 30, dtype="string"),
            "views": np.arange(30) % 7,
        }
    )
    got = by_name(df)
    assert got["zeros"].reason == "Every post has the same value (0), so it cannot tell posts apart."
    assert got["empty"].role == Role.CONSTANT and "empty" in got["empty"].reason
    assert got["dash"].role == Role.CONSTANT and '"-"' in got["dash"].reason
    assert not any(got[c].included for c in ("zeros", "empty", "dash"))
    assert got["views"].role == Role.METRIC


def test_user_uuid_with_repeats_is_an_identifier_about_the_poster() -> None:
    rng = np.random.default_rng(0)
    users = [str(uuid.UUID(int=int(i) * 7919 + 11)) for i in range(100)]
    df = pd.DataFrame(
        {
            "author": pd.array(
                rng.choice(users, 7047), dtype="string"
            ),  # name gives no hint: the UUID shape does
            "user_id": pd.array(rng.choice([f"u{i}" for i in range(100)], 7047), dtype="string"),
            "post_type": pd.array(rng.choice(["short", "video", "photo", "text"], 7047), dtype="string"),
        }
    )
    got = by_name(df)
    for name in ("author", "user_id"):
        assert (got[name].role, got[name].included) == (Role.IDENTIFIER, False)
        assert "100 different values over 7,047 posts" in got[name].reason
        assert "measure the poster, not the post" in got[name].reason
    assert got["post_type"].role == Role.CATEGORICAL


def test_text_links_and_numeric_ids() -> None:
    n = 60
    words = ["great", "sale", "today", "new", "lipstick", "free", "shipping", "live", "now", "join"]
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "message": pd.array(
                [" ".join(rng.choice(words, 8)) + f" #{i}" for i in range(n)], dtype="string"
            ),
            "permalink": pd.array([f"https://example.com/post/{i}" for i in range(n)], dtype="string"),
            "Tweet id": pd.array([str(1045794752958853120 + i) for i in range(n)], dtype="string"),
            "row": np.arange(n, dtype=np.int64),
            "big": (10**15 + rng.permutation(n) * 997).astype(np.int64),
            "impressions": rng.integers(100, 10_000, n),
        }
    )
    got = by_name(df)
    assert got["message"].role == Role.TEXT and "Free text" in got["message"].reason
    assert got["permalink"].role == Role.IDENTIFIER and "Links" in got["permalink"].reason
    assert got["Tweet id"].role == Role.IDENTIFIER
    assert got["row"].role == Role.IDENTIFIER and "row numbers" in got["row"].reason
    assert got["big"].role == Role.IDENTIFIER and "very long numbers" in got["big"].reason
    assert got["impressions"].role == Role.METRIC  # nearly unique counts are still metrics


def test_nullable_dtypes_and_booleans() -> None:
    df = pd.DataFrame(
        {
            "likes": pd.array([1, None, 3, 40, 5] * 10, dtype="Int64"),
            "rate": pd.array([0.1, 0.2, None, 0.4, 0.5] * 10, dtype="Float64"),
            "is_boosted": [True, False] * 25,
        }
    )
    got = by_name(df)
    assert got["likes"].role == Role.METRIC and got["rate"].role == Role.METRIC
    assert got["is_boosted"].role == Role.CATEGORICAL


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", True),
        ("user_id", True),
        ("userId", True),
        ("Tweet id", True),
        ("post_uuid", True),
        ("statusid", True),
        ("Paid", False),
        ("valid", False),
        ("video_views", False),
        ("Category", False),
    ],
)
def test_id_names(name: str, expected: bool) -> None:
    assert looks_like_id_name(name) is expected


def test_apply_overrides(data_dir) -> None:
    roles = infer_roles(read_live(data_dir))
    changed = apply_overrides(
        roles,
        role_overrides={"status_type": "identifier", "num_sads": "categorical", "nope": "metric"},
        included={"num_angrys": False, "status_id": True},
    )
    got = {r.name: r for r in changed}
    assert (got["status_type"].role, got["status_type"].included, got["status_type"].reason) == (
        Role.IDENTIFIER,
        False,
        "Set by you.",
    )
    assert (got["num_sads"].role, got["num_sads"].included) == (Role.CATEGORICAL, True)
    assert got["num_angrys"].included is False and got["num_angrys"].role == Role.METRIC
    assert got["status_id"].included is True
    assert [r.name for r in changed] == [r.name for r in roles]
    assert roles[1].role == Role.CATEGORICAL  # the input list is not modified
    with pytest.raises(PipelineError, match="is not a column role"):
        apply_overrides(roles, role_overrides={"status_type": "banana"})


def test_to_dict_is_json_ready(data_dir) -> None:
    d = infer_roles(read_live(data_dir))[0].to_dict()
    assert d == {"name": "status_id", "role": "identifier", "reason": d["reason"], "included": False}
