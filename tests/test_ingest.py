"""ingest on the real exports in tests/data and on a generated fixture that mimics a Twitter export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from socialdash.services.ingest import IngestLimits, IngestReport, ingest

SHARED_TWEETS = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "tweet_activity_metrics_rOpenSci_20180901_20181001_en.csv"
)


def test_live_csv_drops_the_four_empty_columns_and_keeps_ids_as_text(data_dir: Path) -> None:
    df, report = ingest(data_dir / "Live.csv", "Live.csv")
    assert df.shape == (7050, 12)
    assert "Column1" not in df.columns
    assert [(c["column"], c["position"], c["reason"]) for c in report.columns_dropped] == [
        ("Column1", 12, "empty"),
        ("Column2", 13, "empty"),
        ("Column3", 14, "empty"),
        ("Column4", 15, "empty"),
    ]
    assert pd.api.types.is_string_dtype(df["status_id"])
    assert df.loc[0, "status_id"] == "246675545449582_1649696485147474"
    assert df["status_published"].dtype == "datetime64[ns]"
    assert df.loc[0, "status_published"] == pd.Timestamp("2018-04-22 06:00")
    assert df["status_published"].min() == pd.Timestamp("2012-07-15 02:51")
    assert report.date_order == "month first"
    assert df["num_comments"].dtype == "int64"
    assert df["num_comments"].max() == 20990
    assert report.encoding == "utf-8"
    assert report.delimiter == ","
    assert (report.n_rows, report.n_columns) == (7050, 12)


def test_live_csv_same_result_from_bytes_and_from_path(data_dir: Path, live_csv: bytes) -> None:
    from_path, _ = ingest(data_dir / "Live.csv", "Live.csv")
    from_bytes, _ = ingest(live_csv, "Live.csv")
    pd.testing.assert_frame_equal(from_path, from_bytes)


def test_facebook_semicolon_file_keeps_its_six_missing_values(facebook_csv: bytes) -> None:
    df, report = ingest(facebook_csv, "dataset_Facebook.csv")
    assert df.shape == (500, 19)
    assert report.delimiter == ";"
    assert int(df.isna().sum().sum()) == 6
    assert df["share"].isna().sum() == 4
    assert df["Page total likes"].iloc[0] == 139441
    assert pd.api.types.is_string_dtype(df["Type"])
    assert df.columns[12] == "Lifetime Post Impressions by people who have liked your Page"
    assert report.columns_dropped == []


def test_report_sentences_name_encoding_delimiter_and_dropped_columns(data_dir: Path) -> None:
    _, report = ingest(data_dir / "Live.csv", "Live.csv")
    text = " ".join(report.sentences())
    assert "UTF-8" in text
    assert "commas" in text
    assert "Column1" in text and "Column4" in text
    assert "no values" in text
    assert "7,050 rows" in text and "12 columns" in text
    assert "month first" in text


def test_report_round_trips_through_json(data_dir: Path) -> None:
    import json

    _, report = ingest(data_dir / "Live.csv", "Live.csv")
    again = IngestReport.from_dict(json.loads(report.to_json()))
    assert again.sentences() == report.sentences()


def _tweet_fixture() -> bytes:
    """A small Twitter-analytics-like export: every field quoted, multi-line text, 19-digit ids, "4980.0",
    "-" in promoted columns and +0000 times."""
    header = ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements",
              "engagement rate", "promoted impressions", "promoted likes"]
    rows = [
        ["1045794752958853120", "https://twitter.com/x/status/1045794752958853120",
         "Save the date!🗓\nCommunity call, Oct 16\n&amp; more", "2018-09-28 21:57 +0000", "4980.0", "58.0",
         "0.011646586345381526", "-", "-"],
        ["1045395545940869121", "https://twitter.com/x/status/1045395545940869121",
         "One line, with a comma", "2018-09-27 19:31 +0000", "3110.0", "41.0", "0.0131832797", "-", "-"],
        ["1044999999999999999", "https://twitter.com/x/status/1044999999999999999",
         "Two\nlines", "2018-09-01 00:05 +0000", "7.0", "0.0", "0.0", "-", "-"],
    ]
    lines = [",".join(f'"{c}"' for c in r) for r in [header, *rows]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_tweet_like_export_keeps_ids_exact_and_reads_quoted_numbers() -> None:
    df, report = ingest(_tweet_fixture(), "tweets.csv")
    assert df.shape == (3, 9)
    assert df["Tweet id"].tolist() == ["1045794752958853120", "1045395545940869121", "1044999999999999999"]
    assert df["Tweet text"].iloc[0].count("\n") == 2
    assert df["impressions"].dtype == "int64"
    assert df["impressions"].tolist() == [4980, 3110, 7]
    assert df["engagement rate"].dtype == "float64"
    assert df["time"].dtype == "datetime64[ns]"
    assert df["time"].iloc[0] == pd.Timestamp("2018-09-28 21:57")
    assert df["promoted likes"].isna().all()
    assert any("treated as empty" in n for n in report.notes)


# The real export is not licensed for the repo: it is checked only on machines that have the shared copy.
REAL_TWEETS = [SHARED_TWEETS] if SHARED_TWEETS.exists() else []


@pytest.mark.parametrize("path", REAL_TWEETS, ids=lambda p: p.name)
def test_real_tweet_export_when_present(path: Path) -> None:
    df, _ = ingest(path, path.name)
    assert df.shape == (46, 40)
    assert df.loc[0, "Tweet id"] == "1045794752958853120"
    assert df["impressions"].dtype == "int64"
    assert df["time"].dtype == "datetime64[ns]"


def test_limits_are_configurable(data_dir: Path) -> None:
    df, _ = ingest(data_dir / "Live.csv", "Live.csv", IngestLimits(max_rows=7050, max_columns=16))
    assert len(df) == 7050
