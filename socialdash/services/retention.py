"""Retention: remove stored datasets and cached results that are older or larger than the limits.

Pure file operations (no web framework). ``sweep`` does one pass; ``run_if_due`` runs it at most once per
interval across every process sharing the directory (a stamp file's mtime says when the last pass ran and
an exclusive ``flock`` keeps two workers from sweeping at once).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from socialdash.services.datasets import DatasetStore

LOCK_FILE = ".retention.lock"
STAMP_FILE = ".retention.stamp"
#: cache sub-folders holding plain result files (exports, memoized results)
CACHE_FOLDERS = ("exports", "memo")
#: bookkeeping files of the file-system cache that must stay
_KEEP_NAMES = {"__wz_cache_count"}


@dataclass(frozen=True)
class RetentionLimits:
    """How long and how much is kept. Ages in seconds, sizes in bytes."""

    dataset_max_age_seconds: float
    datasets_max_bytes: int
    cache_max_age_seconds: float
    cache_max_bytes: int


@dataclass
class RetentionReport:
    """What one pass removed."""

    datasets_removed: list[str] = field(default_factory=list)
    cache_files_removed: int = 0
    cache_bytes_freed: int = 0


def _cache_files(cache_dir: Path) -> list[tuple[float, int, Path]]:
    """(mtime, size, path) of every result file under the cache folders."""
    out = []
    for name in CACHE_FOLDERS:
        folder = cache_dir / name
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if entry.name in _KEEP_NAMES or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                st = entry.stat(follow_symlinks=False)
                out.append((st.st_mtime, st.st_size, Path(entry.path)))
    return sorted(out)


def sweep_cache(
    cache_dir: Path, max_age_seconds: float, max_bytes: int, now: float | None = None
) -> tuple[int, int]:
    """Remove cached result files older than ``max_age_seconds``, then the oldest until under ``max_bytes``.

    Returns (files removed, bytes freed)."""
    now = time.time() if now is None else now
    files = _cache_files(Path(cache_dir))
    total = sum(size for _, size, _ in files)
    removed = freed = 0
    for mtime, size, path in files:  # oldest first
        if now - mtime <= max_age_seconds and total <= max_bytes:
            break
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
            freed += size
        total -= size
    return removed, freed


def sweep(
    data_dir: Path,
    cache_dir: Path,
    limits: RetentionLimits,
    keep: Iterable[str] = (),
    now: float | None = None,
) -> RetentionReport:
    """One pass: datasets (``DatasetStore.evict``: age, total size; never ``keep``), then cached results."""
    store = DatasetStore(Path(data_dir) / "datasets", max_total_bytes=limits.datasets_max_bytes)
    report = RetentionReport()
    report.datasets_removed = store.evict(max_age_seconds=limits.dataset_max_age_seconds, keep=tuple(keep))
    report.cache_files_removed, report.cache_bytes_freed = sweep_cache(
        Path(cache_dir), limits.cache_max_age_seconds, limits.cache_max_bytes, now
    )
    return report


def run_if_due(folder: Path, interval_seconds: float, task: Callable[[], object]) -> bool:
    """Run ``task`` when no process sharing ``folder`` ran it in the last ``interval_seconds``.

    Returns True when this call ran it. Never blocks: a pass already running elsewhere means "not due"."""
    folder = Path(folder)
    stamp = folder / STAMP_FILE
    with contextlib.suppress(FileNotFoundError):
        if time.time() - stamp.stat().st_mtime < interval_seconds:
            return False
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        with contextlib.suppress(FileNotFoundError):  # re-check under the lock
            if time.time() - stamp.stat().st_mtime < interval_seconds:
                return False
        stamp.touch()
        task()
        return True
    finally:
        os.close(fd)
