"""ingest on small generated files, one per kind of mess found in real exports."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from socialdash.services.errors import (
    BinaryFileError,
    CorruptFileError,
    EmptyFileError,
    NotATableError,
    NoUsableColumnsError,
    TooLargeError,
    UnsupportedFileError,
)
from socialdash.services.ingest import IngestLimits, ingest

PLAIN = "post,likes,shares\nhello,10,1\nworld,20,2\nagain,30,3\n"


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


# --- encodings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16"),
     ("utf-16-be", "utf-16")],
)
def test_unicode_encodings_read_the_same_table(encoding: str, reported: str) -> None:
    data = _csv("caption,likes\nCafé “best” ☕,5\nnaïve,7\n", encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = (b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff") + data
    df, report = ingest(data, "posts.csv")
    assert list(df.columns) == ["caption", "likes"]
    assert df["caption"].tolist() == ["Café “best” ☕", "naïve"]
    assert df["likes"].tolist() == [5, 7]
    assert report.encoding == reported


def test_windows_1252_curly_quotes_and_nbsp_come_out_right() -> None:
    data = "caption;reach\n“Summer” sale\xa0now – 50%;1.234\nnaïve café;2\n".encode("cp1252")
    df, report = ingest(data, "posts.csv")
    assert report.encoding == "cp1252"
    assert df["caption"].iloc[0] == "“Summer” sale\xa0now – 50%"
    assert "\x93" not in df["caption"].iloc[0]
    assert df["caption"].iloc[1] == "naïve café"
    assert "Windows-1252" in " ".join(report.sentences())


def test_utf16_without_bom_is_recognised() -> None:
    df, _ = ingest(PLAIN.encode("utf-16-le"), "posts.csv")
    assert df.shape == (3, 3)


# --- delimiters and structure ---------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "word"), [(",", "commas"), (";", "semicolons"), ("\t", "tabs"),
                                                 ("|", "vertical bars")])
def test_each_delimiter_is_detected(delimiter: str, word: str) -> None:
    text = PLAIN.replace(",", delimiter)
    df, report = ingest(text.encode(), "posts.tsv" if delimiter == "\t" else "posts.csv")
    assert report.delimiter == delimiter
    assert df.shape == (3, 3)
    assert df["likes"].tolist() == [10, 20, 30]
    assert word in " ".join(report.sentences())


def test_one_column_file_stays_one_column_even_with_commas_inside() -> None:
    df, report = ingest(b"caption\nhello world\nsale, today only\nnew post\n", "captions.txt")
    assert df.shape == (3, 1)
    assert df["caption"].tolist() == ["hello world", "sale, today only", "new post"]
    assert "single column" in " ".join(report.sentences())


def test_quoted_fields_with_line_breaks_stay_one_record() -> None:
    df, _ = ingest(b'text,likes\n"line one\nline two, still",5\n"x",6\n', "posts.csv")
    assert df.shape == (2, 2)
    assert df["text"].iloc[0] == "line one\nline two, still"


def test_invisible_characters_and_spaces_are_removed_from_headers() -> None:
    header = "\ufefflikes, sha\u00adres ,com\u200bments,re\u200cach\u00a0total,zw\u200dj"
    df, report = ingest(f"{header}\n1,2,3,4,5\n6,7,8,9,10\n".encode(), "posts.csv")
    assert list(df.columns) == ["likes", "shares", "comments", "reach total", "zwj"]
    renamed = {r["to"]: r for r in report.renamed}
    assert "invisible characters removed" in renamed["shares"]["reason"]
    assert renamed["reach total"]["from"] == "re\u200cach\u00a0total"


def test_duplicated_and_blank_headers_get_unique_names() -> None:
    df, report = ingest(b"likes,likes,,likes\n1,2,3,4\n5,6,7,8\n", "posts.csv")
    assert list(df.columns) == ["likes", "likes (2)", "column 3", "likes (3)"]
    reasons = {r["to"]: r["reason"] for r in report.renamed}
    assert reasons["likes (2)"] == "duplicate name"
    assert reasons["column 3"] == "blank header"
    assert "Renamed column “likes” to “likes (2)”" in " ".join(report.sentences())


def test_empty_columns_and_rows_are_dropped_and_reported_with_positions() -> None:
    df, report = ingest(b"a,empty,b,\n1,,x,\n,,,\n2,,y,\n", "posts.csv")
    assert list(df.columns) == ["a", "b"]
    assert df.shape == (2, 2)
    assert report.columns_dropped == [
        {"column": "empty", "position": 1, "reason": "empty"},
        {"column": "", "position": 3, "reason": "empty"},
    ]
    assert {"count": 1, "reason": "empty rows"} in report.rows_dropped


@pytest.mark.parametrize("label", ["Total", "TOTALS", "Summary", "Grand total", "total:"])
def test_totals_row_at_the_bottom_is_dropped(label: str) -> None:
    df, report = ingest(f"post,likes\na,1\nb,2\n{label},3\n".encode(), "posts.csv")
    assert df["post"].tolist() == ["a", "b"]
    assert df["likes"].dtype == "int64"
    assert {"count": 1, "reason": "totals row"} in report.rows_dropped


def test_totals_row_at_the_top_is_dropped() -> None:
    df, _ = ingest(b"post,likes\nGrand Total,3\na,1\nb,2\n", "posts.csv")
    assert df["post"].tolist() == ["a", "b"]


def test_facebook_insights_description_row_is_dropped() -> None:
    text = (
        "Post ID,Type,Lifetime Post Total Reach,Lifetime Engaged Users\n"
        ",,Lifetime: The total number of people your Page post was served to. (Unique Users),"
        "Lifetime: The number of unique people who engaged in certain ways with your Page post.\n"
        "123_456,Photo,2752,178\n123_457,Link,10460,1457\n123_458,Video,2413,177\n"
    )
    df, report = ingest(text.encode(), "insights.csv")
    assert len(df) == 3
    assert df["Lifetime Post Total Reach"].tolist() == [2752, 10460, 2413]
    assert {"count": 1, "reason": "description row"} in report.rows_dropped


# --- numbers ------------------------------------------------------------------------------------------------


def test_thousand_separators_percent_currency_and_missing_markers() -> None:
    text = (
        "post,reach,rate,spend,views,eur\n"
        'a,"1,234",12.5%,"$1,200.50",1 234,€ 30\n'
        "b,56,7%,$3,-,EUR 12.5\n"
        "c,\"1,000,000\",0.5%,$0.99,n/a,£7\n"
        "d,N/A,—,–,null,none\n"
    )
    df, report = ingest(text.encode(), "posts.csv")
    assert df["reach"].tolist()[:3] == [1234, 56, 1_000_000]
    assert df["reach"].isna().iloc[3]
    assert df["rate"].tolist()[:3] == [12.5, 7.0, 0.5]
    assert df["spend"].tolist()[:3] == [1200.5, 3.0, 0.99]
    assert df["views"].iloc[0] == 1234
    assert df["eur"].tolist()[:3] == [30.0, 12.5, 7.0]
    details = {c["column"]: c["detail"] for c in report.coercions}
    assert "thousand separators" in details["reach"]
    assert details["rate"].startswith("percent")
    assert "currency" in details["spend"]


def test_semicolon_file_with_decimal_commas_and_dot_thousands() -> None:
    df, report = ingest(b"post;reach;rate\na;1.234;0,5\nb;12.345.678;12,25\nc;7;3\n", "posts.csv")
    assert df["reach"].tolist() == [1234, 12_345_678, 7]
    assert df["rate"].tolist() == [0.5, 12.25, 3.0]
    assert "decimal commas" in {c["column"]: c["detail"] for c in report.coercions}["rate"]


def test_float_counts_written_with_point_zero_become_integers() -> None:
    df, _ = ingest(b"likes,rate\n4980.0,0.5\n3.0,0.25\n", "posts.csv")
    assert df["likes"].dtype == "int64"
    assert df["likes"].tolist() == [4980, 3]
    assert df["rate"].dtype == "float64"


def test_identifiers_with_leading_zeros_or_many_digits_stay_text() -> None:
    df, _ = ingest(
        b"id,zip,big,n\n1045794752958853120,01234,123456789012345678901,1\n"
        b"1045794752958853121,00042,123456789012345678902,2\n",
        "posts.csv",
    )
    assert df["id"].tolist() == ["1045794752958853120", "1045794752958853121"]
    assert df["zip"].tolist() == ["01234", "00042"]
    assert df["big"].iloc[0] == "123456789012345678901"
    assert df["n"].dtype == "int64"


def test_long_ids_in_a_column_with_gaps_stay_exact() -> None:
    df, _ = ingest(b"id,n\n1045794752958853121,1\n,2\n1045794752958853123,3\n", "posts.csv")
    assert df["id"].iloc[0] == "1045794752958853121"
    assert df["id"].iloc[2] == "1045794752958853123"
    assert df["id"].isna().iloc[1]


def test_a_column_converts_when_95_percent_of_values_are_numbers() -> None:
    rows = "\n".join(f"p{i},{i}" for i in range(40)) + "\np40,oops\n"
    df, report = ingest(f"post,likes\n{rows}".encode(), "posts.csv")
    assert df["likes"].dtype == "float64"
    assert df["likes"].isna().sum() == 1
    assert "1 value that were not numbers left empty" in report.coercions[0]["detail"]
    mostly_text = "post,likes\n" + "\n".join(f"p{i},{'x' if i % 5 else i}" for i in range(40)) + "\n"
    df2, _ = ingest(mostly_text.encode(), "posts.csv")
    assert pd.api.types.is_string_dtype(df2["likes"])


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2018-09-28 21:57 +0000", "2018-09-27 19:31 +0200"],
         ["2018-09-28 21:57", "2018-09-27 17:31"]),
        (["4/22/2018 6:00", "12/1/2017 23:15"], ["2018-04-22 06:00", "2017-12-01 23:15"]),
        (["02/14/2016 12:40:16 AM", "02/15/2016 01:05:00 PM"], ["2016-02-14 00:40:16", "2016-02-15 13:05"]),
        (["Jun 6, 2017", "Dec 25, 2016"], ["2017-06-06", "2016-12-25"]),
        (["2016-09-10", "2016-10-01"], ["2016-09-10", "2016-10-01"]),
        (["2016-09-10T08:00:00Z", "2016-10-01T09:30:00+01:00"], ["2016-09-10 08:00", "2016-10-01 08:30"]),
    ],
)
def test_date_formats_become_naive_utc_datetimes(values: list[str], expected: list[str]) -> None:
    text = "date,likes\n" + "".join(f'"{v}",{i}\n' for i, v in enumerate(values))
    df, report = ingest(text.encode(), "posts.csv")
    assert df["date"].dtype == "datetime64[ns]"
    assert df["date"].tolist() == [pd.Timestamp(e) for e in expected]
    assert report.coercions[0]["to"] == "datetime"


def test_day_first_is_decided_from_the_data() -> None:
    df, report = ingest(b"posted,likes\n22/04/2018 6:00,1\n03/05/2018 7:00,2\n", "posts.csv")
    assert report.date_order == "day first"
    assert df["posted"].tolist() == [pd.Timestamp("2018-04-22 06:00"), pd.Timestamp("2018-05-03 07:00")]


def test_ambiguous_dates_are_read_month_first_and_reported() -> None:
    df, report = ingest(b"posted,likes\n03/05/2018,1\n04/06/2018,2\n", "posts.csv")
    assert report.date_order == "month first"
    assert df["posted"].iloc[0] == pd.Timestamp("2018-03-05")
    assert any("could be swapped" in n for n in report.notes)


def test_epoch_seconds_and_milliseconds_only_in_time_columns() -> None:
    text = (
        "published,created_ms,reach\n"
        "1647302400,1647302400000,1647302400\n1648339200,1648339200000,1648339200\n"
    )
    df, report = ingest(text.encode(), "posts.csv")
    assert df["published"].tolist() == [pd.Timestamp("2022-03-15"), pd.Timestamp("2022-03-27")]
    assert df["created_ms"].tolist() == [pd.Timestamp("2022-03-15"), pd.Timestamp("2022-03-27")]
    assert df["reach"].dtype == "int64"
    assert "seconds" in {c["column"]: c["detail"] for c in report.coercions}["published"]


def test_small_numbers_in_a_time_column_stay_numbers() -> None:
    df, _ = ingest(b"watch time,likes\n35,1\n120,2\n", "posts.csv")
    assert df["watch time"].tolist() == [35, 120]


# --- Excel --------------------------------------------------------------------------------------------------


def _workbook(rows: list[list[object]], title: str = "Posts") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_written_with_openpyxl() -> None:
    import datetime as dt

    data = _workbook([
        ["post id", "published", "likes", "rate", "note", None],
        ["00123", dt.datetime(2018, 4, 22, 6, 0), 10, 0.5, "-", None],
        ["00124", dt.datetime(2018, 4, 23, 7, 0), 20, 0.25, "great", None],
        ["Total", None, 30, None, None, None],
    ])
    df, report = ingest(data, "posts.xlsx")
    assert report.file_type == "xlsx" and report.sheet == "Posts"
    assert df.shape == (2, 5)
    assert df["post id"].tolist() == ["00123", "00124"]
    assert df["published"].dtype == "datetime64[ns]"
    assert df["likes"].tolist() == [10, 20]
    assert df["note"].isna().iloc[0]
    assert "sheet “Posts”" in " ".join(report.sentences())


def test_xlsx_with_a_csv_name_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(_workbook([["a", "b"], [1, 2]]))
    df, report = ingest(path, "export.csv")
    assert report.file_type == "xlsx"
    assert df.shape == (1, 2)


def test_zip_bomb_workbook_is_refused_before_parsing() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(CorruptFileError, match="suspicious"):
        ingest(buf.getvalue(), "bomb.xlsx")
    with pytest.raises(TooLargeError, match="Unpacked"):
        ingest(buf.getvalue(), "bomb.xlsx", IngestLimits(max_bytes=1024 * 1024))


def test_corrupt_and_password_protected_workbooks() -> None:
    good = _workbook([["a", "b"], [1, 2]])
    with pytest.raises(CorruptFileError):
        ingest(good[: len(good) // 2], "broken.xlsx")
    with pytest.raises(CorruptFileError, match="password"):
        ingest(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "protected.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("photo.txt", "hello")
    with pytest.raises(UnsupportedFileError):
        ingest(buf.getvalue(), "archive.xlsx")


# --- failures ---------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"", "posts.csv", EmptyFileError),
        (b"  \r\n\n", "posts.csv", EmptyFileError),
        (b"post,likes,shares\n", "posts.csv", NotATableError),
        (b"post,likes\n,\n,\n", "posts.csv", NoUsableColumnsError),
        (PNG, "photo.csv", BinaryFileError),
        (b"post,likes\n" + b"\x00\x01\x00\x02" * 50, "posts.csv", BinaryFileError),
        (b'{"posts": []}', "posts.json", UnsupportedFileError),
    ],
)
def test_bad_files_raise_a_typed_error_with_a_plain_sentence(data: bytes, name: str, error: type) -> None:
    with pytest.raises(error) as caught:
        ingest(data, name)
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_unknown_extension_is_sniffed() -> None:
    df, _ = ingest(PLAIN.encode(), "export")
    assert df.shape == (3, 3)
    with pytest.raises(UnsupportedFileError):
        ingest(b"just some words\nmore words\n", "notes.md")


def test_byte_limit_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(250 * 1024 * 1024)  # sparse: 250 MB on paper, nothing on disk
    with pytest.raises(TooLargeError) as caught:
        ingest(big, "big.csv")
    assert str(caught.value) == "The file is 250 MB; this server accepts files up to 200 MB."


def test_row_and_column_limits() -> None:
    rows = "a,b,c,d,e\n" + "1,2,3,4,5\n" * 10
    with pytest.raises(TooLargeError, match="up to 5 rows"):
        ingest(rows.encode(), "posts.csv", IngestLimits(max_rows=5))
    with pytest.raises(TooLargeError, match="up to 3 columns"):
        ingest(rows.encode(), "posts.csv", IngestLimits(max_columns=3))
    df, _ = ingest(rows.encode(), "posts.csv", IngestLimits(max_rows=10, max_columns=5))
    assert df.shape == (10, 5)


def test_path_source_is_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "upload.tmp"
    path.write_bytes(PLAIN.encode("utf-8-sig"))
    df, report = ingest(path, "posts.csv")
    assert df.shape == (3, 3)
    assert report.n_bytes == path.stat().st_size
    assert report.encoding == "utf-8-sig"
