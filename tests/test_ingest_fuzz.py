"""Property: whatever bytes arrive, ingest returns a table or raises a typed IngestError, nothing else.

The catch-all in ``ingest`` wraps unforeseen failures as CorruptFileError *chained to the original
exception*; deliberate errors are raised without a cause. So ``__cause__ is None`` proves that no
unforeseen exception happened inside.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdash.services.errors import IngestError
from socialdash.services.ingest import IngestLimits, ingest

LIMITS = IngestLimits(max_bytes=64 * 1024, max_rows=5_000, max_columns=200)
NAMES = st.sampled_from(["posts.csv", "posts.tsv", "posts.txt", "posts.xlsx", "export", "posts.dat"])


def _check(data: bytes, name: str) -> None:
    try:
        df, report = ingest(data, name, LIMITS)
    except IngestError as err:
        assert err.__cause__ is None, f"unforeseen {type(err.__cause__).__name__}: {err.__cause__}"
        assert str(err)
        return
    assert isinstance(df, pd.DataFrame)
    assert df.shape == (report.n_rows, report.n_columns)
    assert len(set(df.columns)) == df.shape[1]
    assert report.sentences()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=512), name=NAMES)
def test_arbitrary_bytes_give_a_table_or_a_typed_error(data: bytes, name: str) -> None:
    _check(data, name)


CELL = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
    st.sampled_from(["1,234", "12.5%", "$3", "-", "n/a", "4980.0", "0012", "1045794752958853120",
                     "2018-09-28 21:57 +0000", "4/22/2018 6:00", "Jun 6, 2017", "Total", '"', '""',
                     "\n", "\r\n", ";", "\t", "|", "\ufeff", "\u00ad", "1647302400"]),
)


@st.composite
def csv_like(draw: st.DrawFn) -> tuple[bytes, str]:
    """Text built from random delimiters, quotes and line breaks, encoded in a random encoding."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    n_cols = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=n_cols + 1), min_size=0, max_size=8))
    quote = draw(st.booleans())
    lines = []
    for row in rows:
        cells = [f'"{c}"' if quote else c for c in row]
        lines.append(delimiter.join(cells))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
    return text.encode(encoding, errors="replace"), encoding


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=csv_like(), name=NAMES)
def test_csv_like_text_gives_a_table_or_a_typed_error(sample: tuple[bytes, str], name: str) -> None:
    _check(sample[0], name)
