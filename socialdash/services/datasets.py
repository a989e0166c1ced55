"""Parsed uploads on disk: Parquet + report JSON keyed by the SHA-256 of the uploaded bytes; LRU size cap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from socialdash.services.ingest import IngestReport


class DatasetStore:
    """``root/<sha256>/data.parquet`` + ``report.json``. Atomic writes (temp file + rename)."""

    def __init__(self, root: Path, max_total_bytes: int = 5 * 1024**3) -> None:
        self.root = Path(root)
        self.max_total_bytes = max_total_bytes

    def put(self, key: str, df: pd.DataFrame, report: IngestReport) -> None:
        raise NotImplementedError

    def has(self, key: str) -> bool:
        raise NotImplementedError

    def load(self, key: str) -> pd.DataFrame:
        """Raises DatasetNotFoundError. Touches the entry for LRU."""
        raise NotImplementedError

    def report(self, key: str) -> IngestReport:
        raise NotImplementedError

    def evict(self, max_age_seconds: float | None = None) -> list[str]:
        """Remove least-recently-used entries beyond the size cap (and older than max_age); return keys removed."""
        raise NotImplementedError
