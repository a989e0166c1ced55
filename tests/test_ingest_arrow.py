"""Arrow's CSV reader (the fast path for UTF-8 text) must give what pandas' C parser gives: the same frame and
the same report, for clean exports and for every oddity where the two parsers could disagree. Where Arrow
would read a file differently it steps aside and the C parser reads it."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import socialdash.services.ingest_text as ingest_text
from socialdash.services.errors import IngestError
from socialdash.services.ingest import ingest
from socialdash.services.ingest_arrow import text_columns

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: import it from the repository
    sys.path.insert(0, str(ROOT))

CASES = {
    "padded numbers": "a,b,c\n 12, 3.5 ,x\n13,4.5,y\n",
    "quoted numbers": 'a,b\n"12","3.5"\n"13",""\n',
    "booleans with a gap": "a,b\nTrue,1\n,2\nFalse,3\n",
    "infinity": "a,b\ninf,1\n-inf,2\n3.5,3\n",
    "ids beyond int64": "id,v\n12345678901234567890,1\n12345678901234567891,2\n",
    "long ids with a gap": "id,v\n1234567890123456789,1\n,2\n1234567890123456788,3\n",
    "hexadecimal text": "a,b\n0x10,1\n0x11,2\n",
    "zero-led ids": "zip,v\n02134,1\n12345,2\n",
    "ISO with Z": "t,v\n2024-01-01T10:00:00Z,1\n2024-01-02T11:30:00Z,2\n",
    "ISO with offsets": "t,v\n2024-01-01 10:00:00+02:00,1\n2024-01-02 11:30:00-05:00,2\n",
    "dates only": "d,v\n2024-01-01,1\n2024-02-29,2\n",
    "an impossible date": "d,v\n2024-01-01,1\n2023-02-29,2\n",
    "dates outside 1677-2262": "t,v\n1700-01-01,1\n2300-01-01,2\n",
    "times of day": "t,v\n12:30:00,1\n13:45:10,2\n",
    "US dates": "d,v\n4/22/2018 6:00,1\n4/23/2018 7:00,2\n",
    "missing markers": "a,b,c\nNA,n/a,-\n1,null,x\nNone,none,y\n",
    "an empty column": "a,b,c\n1,,x\n2,,y\n",
    "a trailing delimiter": "a,b,\n1,2,\n3,4,\n",
    "CRLF and BOM": "\ufeffa,b\r\n1,2\r\n3,4\r\n",
    "a quoted line break": 'a,b\n"line1\nline2",2\n"x",3\n',
    "blank lines": "a,b\n1,2\n\n\n3,4\n\n",
    "short rows": "a,b,c\n1,2\n3,4,5\n",
    "long rows": "a,b\n1,2,3\n3,4\n",
    "duplicate headers": "a,a,b\n1,2,3\n4,5,6\n",
    "a totals row": "name,v\nx,1\ny,2\nTotal,3\n",
    "a description row": "a,b,c\nThe post,Likes,\nx,1,\ny,2,\n",
    "percent and currency": "a,b\n12%,$1\n13%,$2\n",
    "whitespace only": "a,b\n ,1\n  ,2\n",
    "epoch seconds": "created_time,v\n1700000000,1\n1700003600,2\n",
    "a stray NUL": "a,b\n1,x\x00y\n2,z\n",
    "tabs": "a\tb\n1\t2\n3\t4\n",
    "one column with commas": "message\nHello, world\nBye, all\n",
    "UTF-8 broken late": "a,b\n" + "x,1\n" * 50_000 + "caf\udce9,2\n",
    "numbers with #N/A": "a,b,c\n#N/A,1,<NA>\n5,x,2.5\n6,y,1e3\n",
    "text after the sample": "a,b\n" + "1,2\n" * 200 + "later text,3\n",
    "text hints on duplicate names": "a,a,b\nx,1,y\n2,z,3\n",
}


def _ingest(data: bytes, arrow: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The frame and report (or the error) with or without the Arrow path; and whether Arrow read it."""
    real = ingest_text.read_arrow
    used = []

    def recording(*args: object) -> object:
        out = real(*args) if arrow else None
        used.append(out is not None)
        return out

    with monkeypatch.context() as patch:
        patch.setattr(ingest_text, "read_arrow", recording)
        try:
            frame, report = ingest(data, "export.csv")
        except IngestError as exc:
            return (type(exc).__name__, str(exc)), any(used)
    return (frame, report.to_dict()), any(used)


def _same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert both parsers give the same result; return whether Arrow read the file."""
    (fast, used), (slow, _) = _ingest(data, True, monkeypatch), _ingest(data, False, monkeypatch)
    if isinstance(fast[0], pd.DataFrame) and isinstance(slow[0], pd.DataFrame):
        pd.testing.assert_frame_equal(fast[0], slow[0])
        assert fast[1] == slow[1]
    else:
        assert fast == slow
    return used


@pytest.mark.parametrize("name", sorted(CASES))
def test_arrow_and_the_c_parser_agree_on_odd_files(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(CASES[name].encode("utf-8", "surrogateescape"), monkeypatch)


@pytest.mark.parametrize("path", [DATA / "Live.csv", DATA / "dataset_Facebook.csv"], ids=lambda p: p.name)
def test_arrow_reads_real_exports_as_the_c_parser_does(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same(path.read_bytes(), monkeypatch)  # and the fast path was the one taken


def test_arrow_reads_the_generated_benchmark_export_as_the_c_parser_does(monkeypatch) -> None:
    from benchmarks.generate import generate  # the realistic export of the benchmarks, 3,000 posts

    data = generate(3_000, seed=5)[0].to_csv(index=False).encode()
    assert _same(data, monkeypatch)


def test_text_hints_name_only_columns_whose_sample_holds_text() -> None:
    """Columns are read straight as text only where a sampled value that is not a missing marker holds a
    character no number, boolean or date has; duplicated names get no hint."""
    records = [["id", "n", "when", "flag", "x", "x"],
               ["a_1", "#N/A", "2024-01-01 10:00:00", "true", "1", "q"],
               ["b_2", "1.5e3", "2024-01-02T11:00:00Z", "False", "2", "r"]]  # fmt: skip
    assert text_columns(records, ()) == ["id"]
    assert text_columns([["a", "b"], ["x"]], ()) == []  # rows of another width say nothing
    assert text_columns([["a", "b"]], ()) == []


def test_arrow_steps_aside_for_what_it_would_read_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ids beyond int64", "short rows", "long rows", "times of day"):
        assert not _same(CASES[name].encode(), monkeypatch), name
    assert _same(CASES["ISO with offsets"].encode(), monkeypatch)
