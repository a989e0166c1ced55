"""DatasetStore: Parquet round trip, atomic entries, LRU/age eviction, key validation; sha256_of."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from socialdash.services.arrow_frames import PLAIN_KEY
from socialdash.services.datasets import RAW_BELOW_BYTES, DatasetStore, is_valid_key, sha256_of
from socialdash.services.errors import DatasetNotFoundError
from socialdash.services.ingest import IngestReport

LIVE_SHA256 = "0abbab0bf484d723fe4759950498d5766c0361730e705655cbefa45262d05f77"  # PROVENANCE.md


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    """A frame shaped like ingest output: pandas strings, int64, float64, nullable, datetime64[ns]."""
    rng = np.random.default_rng(seed)
    text = pd.array([f"Post {i} 📦 «ünïcode»\nsecond line" if i % 7 else None for i in range(n)], dtype="str")
    return pd.DataFrame(
        {
            "status_id": pd.array([f"246675545449582_{1649696485147474 + i}" for i in range(n)], dtype="str"),
            "message": text,
            "status_type": pd.array(rng.choice(["video", "photo", "link"], n), dtype="string"),
            "num_reactions": rng.integers(0, 5000, n).astype("int64"),
            "engagement rate": np.where(np.arange(n) % 5 == 0, np.nan, rng.random(n)),
            "num_shares": pd.array([None if i % 4 == 0 else i for i in range(n)], dtype="Int64"),
            "ratio": pd.array([None if i % 3 == 0 else i / 3 for i in range(n)], dtype="Float64"),
            "status_published": pd.Series(
                pd.date_range("2018-04-22 06:00", periods=n, freq="37min").astype("datetime64[ns]")
            ).where(np.arange(n) % 6 != 0),
        }
    )


def _report(name: str = "Live.csv") -> IngestReport:
    return IngestReport(
        file_name=name,
        file_type="csv",
        n_bytes=567_086,
        encoding="ascii",
        delimiter=",",
        n_rows=50,
        n_columns=8,
        columns_dropped=[{"column": "Column1", "position": 12, "reason": "empty"}],
        coercions=[{"column": "status_published", "to": "datetime", "detail": "month first"}],
        date_order="month first",
    )


def _set_last_used(store: DatasetStore, key: str, when: float) -> None:
    os.utime(store.root / key / "last_used", (when, when))


def test_put_load_round_trip_keeps_values_and_dtypes(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path / "datasets")
    df = _frame()
    key = _key("a")
    assert not store.has(key)
    store.put(key, df, _report())
    assert store.has(key)
    loaded = store.load(key)
    pd.testing.assert_frame_equal(loaded, df)
    assert str(loaded["status_published"].dtype) == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(loaded["message"])
    assert loaded["message"].isna().sum() == df["message"].isna().sum()
    assert store.report(key) == _report()
    assert (tmp_path / "datasets" / key / "data.parquet").is_file()


def test_small_frames_are_stored_uncompressed_and_large_ones_with_lz4(tmp_path: Path) -> None:
    """Reloading is the hot path: frames under a few MB skip decompression; larger ones keep LZ4's
    smaller files. Both load back the same frame."""
    store = DatasetStore(tmp_path)
    large = pd.concat([_frame(500)] * (RAW_BELOW_BYTES // 40_000 + 1), ignore_index=True)
    assert large.memory_usage(index=False).sum() >= RAW_BELOW_BYTES
    for name, df, codec in (("small", _frame(), "UNCOMPRESSED"), ("large", large, "LZ4")):
        store.put(_key(name), df, _report())
        meta = pq.ParquetFile(tmp_path / _key(name) / "data.parquet").metadata
        assert {meta.row_group(0).column(j).compression for j in range(meta.num_columns)} == {codec}
        pd.testing.assert_frame_equal(store.load(_key(name)), df)


def test_plain_frames_are_marked_so_a_reload_skips_pandas_metadata_and_older_files_still_load(
    tmp_path: Path,
) -> None:
    """``socialdash:plain`` says a frame held only str, int64, float64, bool and datetime64[ns] columns; a
    frame with other dtypes is marked 0 and goes through ``to_pandas``; a file written before the mark loads
    as it did."""
    store = DatasetStore(tmp_path)
    plain = _frame().astype({"status_type": "str", "num_shares": "float64", "ratio": "float64"})
    for name, df, mark in (("plain", plain, b"1"), ("mixed", _frame(), b"0")):
        store.put(_key(name), df, _report())
        schema = pq.read_schema(tmp_path / _key(name) / "data.parquet")
        assert schema.metadata[PLAIN_KEY] == mark
        pd.testing.assert_frame_equal(store.load(_key(name)), df)
    for name, df in (("old plain", plain), ("old mixed", _frame())):
        store.put(_key(name), df.head(2), _report())  # an entry, then its data as the store wrote it before
        df.to_parquet(tmp_path / _key(name) / "data.parquet", index=False, use_dictionary=False)
        assert PLAIN_KEY not in pq.read_schema(tmp_path / _key(name) / "data.parquet").metadata
        pd.testing.assert_frame_equal(store.load(_key(name)), df)


def test_live_csv_round_trip(tmp_path: Path, data_dir: Path) -> None:
    raw = (data_dir / "Live.csv").read_bytes()
    df = pd.read_csv(data_dir / "Live.csv", dtype={"status_id": "str"})
    df["status_published"] = pd.to_datetime(df["status_published"], format="%m/%d/%Y %H:%M").astype(
        "datetime64[ns]"
    )
    store = DatasetStore(tmp_path)
    key = sha256_of(raw)
    store.put(key, df, _report())
    pd.testing.assert_frame_equal(store.load(key), df)


def test_putting_the_same_key_twice_keeps_the_first_copy(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    key = _key("same")
    store.put(key, _frame(seed=1), _report())
    store.put(key, _frame(seed=2), _report())
    pd.testing.assert_frame_equal(store.load(key), _frame(seed=1))
    assert store.keys() == [key]


def test_missing_dataset_raises_a_plain_sentence(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path / "never-created")
    key = _key("missing")
    assert not store.has(key)
    with pytest.raises(DatasetNotFoundError, match="upload the file again"):
        store.load(key)
    with pytest.raises(DatasetNotFoundError):
        store.report(key)
    assert store.evict() == []


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "..",
        "../" + "a" * 61,
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "a" * 63 + "/",
        "a" * 64 + "\n",
        "/etc/passwd",
    ],
)
def test_bad_keys_are_rejected_and_touch_nothing(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "root"
    store = DatasetStore(root)
    assert not is_valid_key(bad)
    assert not store.has(bad)
    with pytest.raises(DatasetNotFoundError):
        store.load(bad)
    with pytest.raises(DatasetNotFoundError):
        store.report(bad)
    with pytest.raises(DatasetNotFoundError):
        store.put(bad, _frame(), _report())
    assert not root.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_failed_write_leaves_nothing_visible(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    key = _key("broken")
    unwritable = pd.DataFrame({"x": [object(), object()]})  # pyarrow cannot store arbitrary objects
    with pytest.raises(Exception):  # noqa: B017 - whatever pyarrow raises, nothing may be left behind
        store.put(key, unwritable, _report())
    assert not store.has(key)
    assert list(tmp_path.iterdir()) == []


def test_leftover_temp_directory_is_never_loaded_and_is_cleaned_up(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    key = _key("crashed")
    store.put(key, _frame(), _report())
    # a worker died after writing its temp copy but before the rename
    leftover = tmp_path / ".tmp-deadbeef"
    (store.root / key).rename(leftover)
    assert not store.has(key)
    with pytest.raises(DatasetNotFoundError):
        store.load(key)
    assert store.keys() == []
    store.evict()
    assert leftover.exists(), "a recent temp directory may still be in use by another worker"
    old = time.time() - 2 * 3600
    os.utime(leftover, (old, old))
    store.evict()
    assert not leftover.exists()


def _put_worker(root: str, key: str, barrier, queue) -> None:  # pragma: no cover - runs in a child
    try:
        store = DatasetStore(Path(root))
        barrier.wait(timeout=30)
        store.put(key, _frame(n=20_000), _report())
        queue.put("ok")
    except BaseException as exc:
        queue.put(repr(exc))


def test_concurrent_put_of_the_same_key_from_two_processes(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")  # no fork of a process with pyarrow threads
    key = _key("concurrent")
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_put_worker, args=(str(tmp_path), key, barrier, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok", "ok"]
    store = DatasetStore(tmp_path)
    assert store.keys() == [key]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    pd.testing.assert_frame_equal(store.load(key), _frame(n=20_000))


def test_size_cap_evicts_least_recently_used(tmp_path: Path) -> None:
    probe = DatasetStore(tmp_path / "probe")
    probe.put(_key("probe"), _frame(), _report())
    entry_size = sum(f.stat().st_size for f in (probe.root / _key("probe")).iterdir())

    store = DatasetStore(tmp_path / "store", max_total_bytes=int(entry_size * 2.5))
    a, b, c, d = (_key(x) for x in "abcd")
    now = time.time()
    store.put(a, _frame(), _report())
    _set_last_used(store, a, now - 300)
    store.put(b, _frame(), _report())
    _set_last_used(store, b, now - 200)
    store.load(a)  # using a makes b the least recently used
    store.put(c, _frame(), _report())
    assert not store.has(b)
    assert store.has(a) and store.has(c)
    _set_last_used(store, a, now - 100)
    store.put(d, _frame(), _report())
    assert sorted(store.keys()) == sorted([c, d])
    pd.testing.assert_frame_equal(store.load(c), _frame())


def test_an_entry_larger_than_the_cap_is_still_stored(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path, max_total_bytes=1)
    key = _key("big")
    store.put(key, _frame(), _report())
    assert store.has(key)
    assert store.evict() == [key]


def test_age_eviction_keeps_recent_entries(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    old, recent = _key("old"), _key("recent")
    store.put(old, _frame(), _report())
    store.put(recent, _frame(), _report())
    _set_last_used(store, old, time.time() - 3 * 86400)
    assert store.evict(max_age_seconds=86400) == [old]
    assert not store.has(old)
    assert store.has(recent)
    pd.testing.assert_frame_equal(store.load(recent), _frame())
    assert store.evict(max_age_seconds=86400) == []


def test_sha256_of_bytes_path_and_file_object(tmp_path: Path, data_dir: Path) -> None:
    path = data_dir / "Live.csv"
    assert sha256_of(path) == LIVE_SHA256
    assert sha256_of(str(path)) == LIVE_SHA256
    assert sha256_of(path.read_bytes()) == LIVE_SHA256
    with open(path, "rb") as fh:
        assert sha256_of(fh) == LIVE_SHA256
    big = tmp_path / "big.bin"
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several chunks
    big.write_bytes(payload)
    assert sha256_of(big) == hashlib.sha256(payload).hexdigest()
    assert is_valid_key(sha256_of(b""))
