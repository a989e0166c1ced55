"""Properties (hypothesis), extending tests/test_ingest_fuzz.py rather than repeating it:

* CSV-like files whose rows are in *different* encodings, with payload cells, stray quotes, control
  characters and hostile headers, read from disk (as uploads are): a table or a typed error, nothing else;
* any valid preprocessing spec on any valid small frame: features that are finite, or a typed error;
* export round trip: the parsed CSV download equals the labelled frame apart from neutralised cells.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hostile_support import corpus_script
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdash.services import export
from socialdash.services.errors import IngestError, PipelineError
from socialdash.services.ingest import IngestLimits, ingest
from socialdash.services.preprocess import PreprocessSpec, fit_features

LIMITS = IngestLimits(max_bytes=64 * 1024, max_rows=2_000, max_columns=50)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = (*corpus_script.HTML_PAYLOADS, *corpus_script.FORMULA_PAYLOADS, '"', '""', "'", "\x00", "\x1b",
            "\u202e", "\ufeff", "é", "€", "✨", "1,234", "-", "NaN", "inf", "1e308", "-0", "=1e5")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- ingest
CELL = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=6), st.integers(-10**6, 10**6).map(str))


@st.composite
def mixed_csv(draw: st.DrawFn) -> bytes:
    """Rows each encoded on their own (UTF-8, Windows-1252, Latin-1, UTF-16 by mistake), random quoting."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=5)), min_size=width,
                           max_size=width))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 2), min_size=0, max_size=12))
    quote = draw(st.sampled_from(['"', "", "'"]))
    out = b""
    for row in [header, *rows]:
        line = delimiter.join(f"{quote}{c}{quote}" for c in row) + draw(st.sampled_from(["\n", "\r\n", "\r"]))
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "latin-1", "utf-16-le"]))
        out += line.encode(encoding, errors="replace")
    return out


@FAST
@given(data=mixed_csv(), name=st.sampled_from(["posts.csv", "posts.txt", "posts.xlsx", "posts"]))
def test_mixed_encoding_payload_files_from_disk_give_a_table_or_a_typed_error(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.part"
        path.write_bytes(data)
        try:
            df, report = ingest(path, name, LIMITS)
        except IngestError as err:
            assert err.__cause__ is None, f"unforeseen {type(err.__cause__).__name__}: {err.__cause__}"
            assert str(err).strip() and "\n" not in str(err)
            return
    assert df.shape == (report.n_rows, report.n_columns)
    assert len(set(df.columns)) == df.shape[1]
    assert all(isinstance(c, str) for c in df.columns)


# --------------------------------------------------------------------------- preprocessing
@st.composite
def frame_and_spec(draw: st.DrawFn) -> tuple[pd.DataFrame, PreprocessSpec]:
    n = draw(st.integers(2, 30))
    n_metrics = draw(st.integers(0, 3))
    values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 10**6))
    cols: dict[str, object] = {}
    for j in range(n_metrics):
        cols[f"m{j}"] = pd.array(draw(st.lists(values, min_size=n, max_size=n)), dtype="Float64")
    if draw(st.booleans()):
        cols["kind"] = pd.array(draw(st.lists(st.one_of(st.none(), st.sampled_from(PAYLOADS[:6])),
                                              min_size=n, max_size=n)), dtype="str")
    if draw(st.booleans()):
        seconds = draw(st.lists(st.integers(0, 10**8), min_size=n, max_size=n))
        cols["when"] = pd.to_datetime(np.array(seconds) + 1.6e9, unit="s")
    df = pd.DataFrame(cols)
    spec = PreprocessSpec(
        metrics=tuple(c for c in df.columns if c.startswith("m")),
        categoricals=("kind",) if "kind" in df else (),
        datetimes=("when",) if "when" in df else (),
        datetime_parts=tuple(draw(st.lists(st.sampled_from(["hour", "weekday", "month"]), unique=True))),
        impute_numeric=draw(st.sampled_from(["median", "mean", "zero"])),
        log_transform=draw(st.sampled_from(["auto", "on", "off"])),
        scaler=draw(st.sampled_from(["standard", "robust", "minmax", "none"])),
        max_categories=draw(st.integers(1, 12)),
        engagement_ratios=draw(st.booleans()),
        pca_components=draw(st.one_of(st.none(), st.integers(1, 4))),
    )
    return df, spec


@FAST
@given(case=frame_and_spec(), test_share=st.floats(0.1, 0.5))
def test_any_valid_spec_on_any_small_frame_fits_or_says_why(case, test_share: float) -> None:
    df, spec = case
    n_test = max(1, int(len(df) * test_share))
    order = np.random.default_rng(0).permutation(len(df))
    train_idx, test_idx = np.sort(order[n_test:]), np.sort(order[:n_test])
    try:
        features = fit_features(df, spec, train_idx, test_idx)
    except PipelineError as err:
        assert str(err).strip()
        return
    assert len(features.train) == len(train_idx) and len(features.test) == len(test_idx)
    assert features.train.shape[1] >= 1
    assert np.isfinite(features.train.to_numpy(dtype=float)).all()
    assert np.isfinite(features.test.to_numpy(dtype=float)).all()


# --------------------------------------------------------------------------- export round trip
@st.composite
def labelled(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 15))
    text = st.one_of(st.none(), st.sampled_from(PAYLOADS),
                     st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=8))
    headers = draw(st.lists(st.one_of(st.sampled_from(PAYLOADS[:12]), st.text(min_size=1, max_size=6)),
                            min_size=1, max_size=4, unique=True))
    cols = {}
    for h in headers:
        if draw(st.booleans()):
            cols[h] = pd.array(draw(st.lists(text, min_size=n, max_size=n)), dtype="str")
        else:
            numbers = draw(st.lists(st.integers(-10**9, 10**9), min_size=n, max_size=n))
            cols[h] = pd.array(numbers, dtype="int64")
    df = pd.DataFrame(cols)
    labels = np.array(draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)))
    split = np.array(["train" if i % 3 else "test" for i in range(n)])
    names = {c: draw(st.sampled_from(PAYLOADS[:10])) for c in range(1, 5)}
    return export.labelled_frame(df, labels, split, names)


def _expected(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


@FAST
@given(frame=labelled())
def test_csv_download_round_trips_apart_from_neutralised_cells(frame: pd.DataFrame) -> None:
    back = pd.read_csv(io.BytesIO(export.to_csv_bytes(frame)), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False, na_filter=False)
    assert list(back.columns) == [_expected(c) for c in frame.columns]
    assert back.shape == frame.shape
    for j, (_, column) in enumerate(frame.items()):
        if pd.api.types.is_integer_dtype(column.dtype):
            assert list(back.iloc[:, j]) == [str(v) for v in column]  # numbers, "-3" too, never touched
        else:
            assert list(back.iloc[:, j]) == [_expected(v) for v in column]
