"""Parsed uploads on disk: Parquet + report JSON keyed by the SHA-256 of the uploaded bytes; LRU size cap.

Layout: ``root/<sha256>/data.parquet``, ``report.json`` and ``last_used`` (an empty marker whose mtime is the
entry's last use). An entry is written completely inside ``root/.tmp-<random>/`` and then renamed to
``root/<sha256>`` in one ``os.rename``, so other workers (and other hosts on a shared volume) either see a
complete entry or none. When two workers store the same upload at once, the first rename wins and the other
discards its copy: the content is identical because the key is the hash of the bytes. Entries are removed by
renaming them to ``root/.trash-<random>`` first, for the same reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from socialdash.services.arrow_frames import frame_table, table_frame
from socialdash.services.errors import DatasetNotFoundError
from socialdash.services.ingest import IngestReport
from socialdash.services.memory import release_free_memory

DATA_FILE = "data.parquet"
REPORT_FILE = "report.json"
LAST_USED_FILE = "last_used"
_TMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"
_KEY_RE = re.compile(r"[0-9a-f]{64}")
#: leftover temp/trash directories (a worker that died mid-write) are removed after this long
STALE_TMP_SECONDS = 3600.0
_CHUNK = 1024 * 1024
#: freed memory is handed back around a load only from this Parquet size: below it the frame is small and
#: malloc_trim's milliseconds would be most of the load's time
RELEASE_FROM_BYTES = 16 * 1024 * 1024
RAW_BELOW_BYTES = 4 * 1024 * 1024  # frames smaller than this in memory are stored as uncompressed Parquet


def sha256_of(source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO) -> str:
    """Hex SHA-256 of bytes, of a file on disk (read in 1 MiB chunks) or of an open binary file object."""
    digest = hashlib.sha256()
    if isinstance(source, bytes | bytearray | memoryview):
        digest.update(source)
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
    else:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid_key(key: object) -> bool:
    """True for a lower-case 64-hex-digit SHA-256 (the only names that may become paths under the root)."""
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def _size(path: Path) -> int:
    """Size of ``path`` in bytes; 0 when it is missing (the read below then raises the typed error)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file in ``path``'s directory, fsync it, then ``os.replace`` it into place."""
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _dir_size(path: Path) -> int:
    total = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(path):
            with contextlib.suppress(FileNotFoundError):
                total += entry.stat(follow_symlinks=False).st_size
    return total


class DatasetStore:
    """``root/<sha256>/data.parquet`` + ``report.json``. Atomic writes (temp file + rename)."""

    def __init__(self, root: Path, max_total_bytes: int = 5 * 1024**3) -> None:
        self.root = Path(root)
        self.max_total_bytes = max_total_bytes

    # -- paths ---------------------------------------------------------------------------------------------
    def _entry(self, key: str) -> Path:
        if not is_valid_key(key):
            raise DatasetNotFoundError()
        return self.root / key

    # -- writing -------------------------------------------------------------------------------------------
    def put(self, key: str, df: pd.DataFrame, report: IngestReport) -> None:
        """Store ``df`` and its ingest report under ``key`` (a no-op apart from an LRU touch if present).

        Afterwards least-recently-used entries beyond ``max_total_bytes`` are evicted (never this one).
        """
        target = self._entry(key)
        if (target / DATA_FILE).exists():
            self._touch(target)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp_dir = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=self.root))
        try:
            # LZ4: decompresses about twice as fast as zstd (reload is the hot path), files ~1.5× larger; a
            # frame under RAW_BELOW_BYTES is stored uncompressed (a few MB on disk, read 0.3 ms faster)
            # no dictionary pages: post texts are nearly all distinct, and decoding them was 10% of a reload
            compression = "none" if df.memory_usage(index=False).sum() < RAW_BELOW_BYTES else "lz4"
            table = frame_table(df)
            pq.write_table(table, tmp_dir / DATA_FILE, compression=compression, use_dictionary=False)
            del table
            with open(tmp_dir / DATA_FILE, "rb+") as fh:
                os.fsync(fh.fileno())
            _write_atomic(tmp_dir / REPORT_FILE, report.to_json().encode("utf-8"))
            _write_atomic(tmp_dir / LAST_USED_FILE, b"")
            try:
                os.rename(tmp_dir, target)
            except OSError:
                if not (target / DATA_FILE).exists():
                    raise
                # another worker stored the same bytes first: keep theirs
                shutil.rmtree(tmp_dir, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        finally:
            release_free_memory()  # what parsing the upload and writing the Parquet freed
        self.evict(keep=(key,))

    # -- reading -------------------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """True when a complete entry exists for ``key`` (False for anything that is not a valid key)."""
        return is_valid_key(key) and (self.root / key / DATA_FILE).is_file()

    def load(self, key: str) -> pd.DataFrame:
        """Raises DatasetNotFoundError. Touches the entry for LRU."""
        entry = self._entry(key)
        data = entry / DATA_FILE
        big = _size(data) >= RELEASE_FROM_BYTES
        if big:
            release_free_memory()  # e.g. what ingesting the upload freed, before the frame is read back
        try:
            # pyarrow directly: the same frame as pd.read_parquet without its dispatch (1.5 ms a call), the
            # dataset layer of read_table (0.7 ms) and to_pandas' metadata handling (1 ms at 10k rows); the
            # file through Arrow's own classes (no path resolution): a small one mapped (its pages are not
            # copied; the frame does not point into them), a big one read (mapped, its pages would count in
            # the worker's memory)
            source = pa.OSFile(str(data)) if big else pa.memory_map(str(data))
            with source, pq.ParquetFile(source) as parquet:
                df = table_frame(parquet.read())
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise DatasetNotFoundError() from exc
        finally:
            if big:
                release_free_memory()  # Arrow's read buffers
        self._touch(entry)
        return df

    def report(self, key: str) -> IngestReport:
        """The ingest report stored with ``key``; raises DatasetNotFoundError."""
        entry = self._entry(key)
        try:
            data = json.loads((entry / REPORT_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise DatasetNotFoundError() from exc
        return IngestReport.from_dict(data)

    def keys(self) -> list[str]:
        """Keys of the complete entries, in no particular order."""
        if not self.root.is_dir():
            return []
        return [e.name for e in os.scandir(self.root) if is_valid_key(e.name) and e.is_dir()]

    # -- LRU -----------------------------------------------------------------------------------------------
    @staticmethod
    def _touch(entry: Path) -> None:
        marker = entry / LAST_USED_FILE
        try:
            os.utime(marker)
        except FileNotFoundError:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                marker.touch()

    @staticmethod
    def _last_used(entry: Path) -> float:
        for name in (LAST_USED_FILE, DATA_FILE):
            with contextlib.suppress(FileNotFoundError):
                return (entry / name).stat().st_mtime
        return 0.0

    def _remove(self, entry: Path) -> bool:
        trash = self.root / f"{_TRASH_PREFIX}{os.urandom(8).hex()}"
        try:
            os.rename(entry, trash)
        except FileNotFoundError:
            return False  # another worker removed it
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def _sweep_leftovers(self, now: float) -> None:
        for e in os.scandir(self.root):
            if e.name.startswith((_TMP_PREFIX, _TRASH_PREFIX)):
                with contextlib.suppress(FileNotFoundError):
                    if now - e.stat(follow_symlinks=False).st_mtime > STALE_TMP_SECONDS:
                        path = Path(e.path)
                        if path.is_dir():
                            shutil.rmtree(path, ignore_errors=True)
                        else:
                            path.unlink(missing_ok=True)

    def evict(self, max_age_seconds: float | None = None, keep: tuple[str, ...] = ()) -> list[str]:
        """Remove least-recently-used entries beyond the size cap and those older than max_age; return keys.

        An entry goes when it was last used more than ``max_age_seconds`` ago, or when the store is above
        ``max_total_bytes`` and it is among the least recently used. Keys in ``keep`` are never removed.
        Temp directories left by a worker that died mid-write are cleaned up after an hour.
        """
        if not self.root.is_dir():
            return []
        now = time.time()
        self._sweep_leftovers(now)
        entries = sorted(
            ((self._last_used(self.root / k), k, _dir_size(self.root / k)) for k in self.keys()),
        )
        total = sum(size for _, _, size in entries)
        removed: list[str] = []
        for last_used, key, size in entries:  # oldest first
            if key in keep:
                continue
            too_old = max_age_seconds is not None and now - last_used > max_age_seconds
            if (too_old or total > self.max_total_bytes) and self._remove(self.root / key):
                removed.append(key)
                total -= size
        return removed
