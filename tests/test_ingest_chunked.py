"""Big files are parsed in chunks (bounded memory); the result must equal one pass over the whole file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from socialdash.services import ingest_text
from socialdash.services.ingest import ingest

DATA = Path(__file__).parent / "data"
FILES = sorted(p for p in DATA.iterdir() if p.suffix.lower() in {".csv", ".tsv", ".txt"})


def _both(source: bytes | Path, name: str, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    whole, whole_report = ingest(source, name)
    with monkeypatch.context() as m:
        m.setattr(ingest_text, "CHUNKED_BYTES", 0)
        m.setattr(ingest_text, "CHUNK_ROWS", 7)
        chunked, chunked_report = ingest(source, name)
    return whole, chunked, whole_report.to_dict(), chunked_report.to_dict()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_chunked_parse_equals_one_pass_on_real_exports(path, monkeypatch):
    whole, chunked, whole_report, chunked_report = _both(path, path.name, monkeypatch)
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked_report == whole_report


def test_a_column_typed_differently_across_chunks_stays_text_as_written(monkeypatch):
    rows = [f"{i:05d},{i}" for i in range(1, 15)] + ["A-17,15", "00018,16"]
    data = ("code,likes\n" + "\n".join(rows) + "\n").encode()
    whole, chunked, _, _ = _both(data, "codes.csv", monkeypatch)
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked["code"].iloc[0] == "00001" and chunked["code"].iloc[14] == "A-17"
