"""Regressions for issue #2 defects: European number conventions, impossible dates, description rows over
empty columns, identifiers found past the head sample, stray NUL bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from socialdash.services.errors import BinaryFileError
from socialdash.services.ingest import ingest


def _details(report) -> dict[str, str]:
    return {c["column"]: c["detail"] for c in report.coercions}


# --- 1. dot thousands and decimal commas in ";" files, decided per column ----------------------------------


def test_semicolon_file_reads_dot_groups_as_thousands_and_commas_as_decimals() -> None:
    data = b"post;reach;impressions;rate\na;30.732;1.234.567;12,5\nb;1.234;2.000;3\nc;7;15;0,25\n"
    df, report = ingest(data, "export.csv")
    assert df["reach"].dtype == "int64"
    assert df["reach"].tolist() == [30732, 1234, 7]
    assert df["impressions"].tolist() == [1_234_567, 2000, 15]
    assert df["rate"].tolist() == [12.5, 3.0, 0.25]
    details = _details(report)
    assert "dots read as thousand separators" in details["reach"]
    assert "decimal commas read as decimal points" in details["rate"]
    assert "Read “reach”, “impressions” as numbers: dots read as thousand separators" in " ".join(
        report.sentences()
    )


def test_semicolon_file_with_real_dot_decimals_keeps_them() -> None:
    df, report = ingest(b"post;share;rate\na;0.5;1.234\nb;1.25;2.5\nc;2;0.75\n", "export.csv")
    assert df["share"].tolist() == [0.5, 1.25, 2.0]
    assert df["rate"].tolist() == [1.234, 2.5, 0.75]
    assert "dots read as decimal points" in _details(report)["rate"]


def test_comma_file_keeps_30_732_as_a_decimal() -> None:
    df, report = ingest(b"post,rate\na,30.732\nb,1.234\nc,7\n", "export.csv")
    assert df["rate"].dtype == "float64"
    assert df["rate"].tolist() == [30.732, 1.234, 7.0]
    assert report.coercions == []


# --- 2. impossible dates are missing, not rolled over into March --------------------------------------------


@pytest.mark.parametrize(
    ("template", "order"),
    [("{m}/{d}/2018 6:00", "month first"), ("2018-{m:02d}-{d:02d}", None), ("{m}/{d}/2018", "month first"),
     ("{d}/{m}/2018 14:00", "day first")],
)
def test_impossible_dates_become_missing_and_are_counted(template: str, order: str | None) -> None:
    days = [(1 + i % 12, 1 + i % 28) for i in range(60)]
    days[30] = (2, 30)
    days[41] = (4, 31)
    text = "date,likes\n" + "".join(f"{template.format(m=m, d=d)},{i}\n" for i, (m, d) in enumerate(days))
    df, report = ingest(text.encode(), "posts.csv")
    assert df["date"].dtype == "datetime64[ns]"
    assert df["date"].isna().tolist() == [i in (30, 41) for i in range(60)]
    hour = 6 if "6:00" in template else 14 if "14:00" in template else 0
    assert df["date"].iloc[2] == pd.Timestamp(2018, 3, 3, hour)  # a real 3 March is kept
    assert "2 impossible dates (such as 30 February) left empty" in _details(report)["date"]
    assert report.date_order == order


# --- 3. columns emptied by removing a row of descriptions are dropped and reported -------------------------


def test_linkedin_description_row_then_empty_columns_are_dropped() -> None:
    text = (
        "Update title,Impressions,Clicks,Sponsored,Campaign name,Likes\n"
        "The title of the update,The number of times shown,Clicks on the content,Whether it was paid,"
        "The campaign it ran in,Number of likes\n"
        "Hello world,1200,34,,,12\nNew job,800,12,,,7\nEvent,4300,150,,,40\n"
    )
    df, report = ingest(text.encode(), "linkedin.csv")
    assert list(df.columns) == ["Update title", "Impressions", "Clicks", "Likes"]
    assert df["Impressions"].tolist() == [1200, 800, 4300]
    assert df["Impressions"].dtype == "int64"
    assert report.columns_dropped == [
        {"column": "Sponsored", "position": 3, "reason": "empty"},
        {"column": "Campaign name", "position": 4, "reason": "empty"},
    ]
    assert {"count": 1, "reason": "description row"} in report.rows_dropped
    text_out = " ".join(report.sentences())
    assert "Dropped 2 empty columns “Sponsored”, “Campaign name”" in text_out
    assert (report.n_rows, report.n_columns) == (3, 4)


# --- 5. a few stray NUL bytes are removed and reported; binary files are still refused ----------------------


def test_stray_nul_bytes_are_removed_and_counted(tmp_path) -> None:
    data = b"post,likes,shares\nhel\x00lo,10,1\nworld,2\x000,2\nagain,30,3\n\x00\x00"
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    for source in (data, path):
        df, report = ingest(source, "export.csv")
        assert df["post"].tolist() == ["hello", "world", "again"]
        assert df["likes"].dtype == "int64"
        assert df["likes"].tolist() == [10, 20, 30]
        sentence = "4 stray empty characters (NUL bytes, left by the tool that wrote the file) were removed"
        assert f"{sentence} from the text." in report.sentences()


def test_hostile_nul_file_reads_all_30_posts() -> None:
    from hostile_support import HOSTILE

    df, report = ingest(HOSTILE / "nul_bytes.csv", "nul_bytes.csv")
    assert df.shape == (30, 6)
    assert df["likes"].dtype == "int64"
    assert any("3 stray empty characters" in n for n in report.notes)


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, bytes(range(256)) * 8,
     b"post,likes\n" + b"\x00\x01\x00\x02" * 50],
)
def test_binary_files_are_still_refused(data: bytes) -> None:
    with pytest.raises(BinaryFileError, match=r"^This looks like a binary file"):
        ingest(data, "export.csv")


# --- 4. leading-zero identifiers are found anywhere in the column, not only in the first records ----------


def _late_zeros() -> bytes:
    rows = [f"p{i},{10000 + i},{i % 50}" for i in range(2600)]
    rows[2400] = "p2400,01234,7"
    rows[2550] = "p2550,00042,9"
    return ("post,zip,likes\n" + "\n".join(rows) + "\n").encode()


def test_leading_zeros_after_row_2000_keep_the_column_as_text(tmp_path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(_late_zeros())
    for source in (_late_zeros(), path):
        df, _ = ingest(source, "late.csv")
        assert pd.api.types.is_string_dtype(df["zip"])
        assert df["zip"].iloc[2400] == "01234"
        assert df["zip"].iloc[2550] == "00042"
        assert df["zip"].iloc[0] == "10000"
        assert df["likes"].dtype == "int64"
        assert df["likes"].iloc[2400] == 7


def test_leading_zero_across_a_block_boundary_is_found(monkeypatch) -> None:
    from socialdash.services import ingest_text

    data = _late_zeros()
    cut = data.index(b",01234") + 1  # the block ends between the comma and the 0
    monkeypatch.setattr(ingest_text, "NUL_BLOCK", cut)
    df, _ = ingest(data, "late.csv")
    assert df["zip"].iloc[2400] == "01234"


def test_a_zero_inside_text_does_not_turn_counts_into_text() -> None:
    data = b'post,likes\n"0123 is our code",5\nhello,0\nworld,12\n'
    df, _ = ingest(data, "posts.csv")
    assert df["likes"].dtype == "int64"
    assert df["likes"].tolist() == [5, 0, 12]
