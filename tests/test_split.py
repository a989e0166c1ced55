"""Train/test splits: seeded and repeatable, newest posts as test for time splits, plain errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialdash.services.errors import PipelineError
from socialdash.services.split import SplitSpec, split_rows

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def live() -> pd.DataFrame:
    df = pd.read_csv(DATA / "Live.csv").drop(columns=["Column1", "Column2", "Column3", "Column4"])
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M")
    return df


def test_random_split_is_seeded_complete_and_sorted(live: pd.DataFrame) -> None:
    a = split_rows(live, SplitSpec(test_size=0.2, seed=7))
    b = split_rows(live, SplitSpec(test_size=0.2, seed=7))
    c = split_rows(live, SplitSpec(test_size=0.2, seed=8))
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)
    assert a.train.dtype == np.int64 and a.test.dtype == np.int64
    assert np.all(np.diff(a.train) > 0) and np.all(np.diff(a.test) > 0)
    assert len(np.intersect1d(a.train, a.test)) == 0
    assert len(a.train) + len(a.test) == len(live) == 7050
    assert len(a.test) == 1410
    assert (
        a.description
        == "5,640 posts to train on, 1,410 posts (20%) picked at random (seed 7) held out to test."
    )


def test_time_split_holds_out_the_newest_posts(live: pd.DataFrame) -> None:
    split = split_rows(live, SplitSpec(test_size=0.25, method="time"))
    times = live["status_published"]
    assert len(split.test) == int(np.ceil(0.25 * len(live)))
    assert times.iloc[split.test].min() >= times.iloc[split.train].max()
    assert "newest posts" in split.description and "published on or after" in split.description
    cutoff = times.iloc[split.test].min()
    assert f"{cutoff.day} {cutoff:%b %Y %H:%M}" in split.description
    assert split.description.startswith(f"{len(split.train):,} posts to train on, {len(split.test):,} newest")


def test_time_split_sends_undated_posts_to_train_and_uses_named_column() -> None:
    when = pd.Series(pd.date_range("2024-01-01", periods=10, freq="D"))
    df = pd.DataFrame(
        {
            "created": when.iloc[::-1].reset_index(drop=True),
            "published": when.where(when.index % 3 != 0),  # rows 0, 3, 6, 9 have no date
            "likes": np.arange(10),
        }
    )
    first = split_rows(df, SplitSpec(test_size=0.3, method="time"))  # first datetime column: "created"
    assert first.test.tolist() == [0, 1, 2]
    named = split_rows(df, SplitSpec(test_size=0.5, method="time", time_column="published"))
    assert named.test.tolist() == [5, 7, 8]  # the 3 newest of the 6 dated posts
    assert {0, 3, 6, 9} <= set(named.train.tolist())
    assert "4 posts without a date are in the training set." in named.description


def test_time_split_without_dates_says_so() -> None:
    df = pd.DataFrame({"likes": range(10), "when": pd.array(["2024-01-01"] * 10, dtype="string")})
    with pytest.raises(PipelineError, match="no date column"):
        split_rows(df, SplitSpec(method="time"))
    with pytest.raises(PipelineError, match="'when' does not hold dates"):
        split_rows(df, SplitSpec(method="time", time_column="when"))
    with pytest.raises(PipelineError, match="no column called 'missing'"):
        split_rows(df, SplitSpec(method="time", time_column="missing"))


@pytest.mark.parametrize("size", [0, -0.1, 0.95, 1.0, float("nan")])
def test_test_size_is_validated(size: float) -> None:
    df = pd.DataFrame({"likes": range(100)})
    with pytest.raises(PipelineError, match="test share must be more than 0% and at most 90%"):
        split_rows(df, SplitSpec(test_size=size))


def test_both_parts_must_be_non_empty() -> None:
    with pytest.raises(PipelineError, match="too few"):
        split_rows(pd.DataFrame({"likes": [1]}), SplitSpec(test_size=0.5))
    with pytest.raises(PipelineError, match="too few"):
        split_rows(pd.DataFrame({"likes": [1, 2]}), SplitSpec(test_size=0.9))
    tiny = split_rows(pd.DataFrame({"likes": [1, 2]}), SplitSpec(test_size=0.1))
    assert (len(tiny.train), len(tiny.test)) == (1, 1)


def test_unknown_method_is_a_plain_error() -> None:
    with pytest.raises(PipelineError, match="not a way to split"):
        split_rows(pd.DataFrame({"likes": range(10)}), SplitSpec(method="sideways"))  # type: ignore[arg-type]
