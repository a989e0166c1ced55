"""Bytes or a file on disk → a clean DataFrame plus an IngestReport of everything done to it.

CONTRACT (stub written by the lead; the ingest owner implements it and may add private helpers / modules
named ``socialdash/services/ingest_*.py``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from socialdash.services.errors import CorruptFileError, IngestError, TooLargeError
from socialdash.services.ingest_report import report_sentences
from socialdash.services.ingest_run import run_ingest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestLimits:
    """Limits checked before and while parsing; exceeding one raises TooLargeError naming the limit."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 500


@dataclass
class IngestReport:
    """What ingest did, in data (for the UI/JSON) and in plain sentences (``sentences()``)."""

    file_name: str
    file_type: str  # "csv" | "xlsx"
    n_bytes: int = 0
    encoding: str | None = None  # e.g. "utf-8-sig", "utf-16", "cp1252"
    delimiter: str | None = None  # one of "," ";" "\t" "|" (None for xlsx)
    sheet: str | None = None  # xlsx: the sheet read
    n_rows: int = 0  # rows kept
    n_columns: int = 0  # columns kept
    # [{"column": original header, "position": 0-based position in the file, "reason": "empty"}]
    columns_dropped: list[dict] = field(default_factory=list)
    # [{"count": n, "reason": "empty rows" | "totals row" | "description row" | ...}]
    rows_dropped: list[dict] = field(default_factory=list)
    # [{"from": raw header, "to": clean name, "reason": "..."}]
    renamed: list[dict] = field(default_factory=list)
    # [{"column": name, "to": "number" | "datetime" | "text", "detail": "thousand separators removed ..."}]
    coercions: list[dict] = field(default_factory=list)
    date_order: str | None = None  # "month first" | "day first" | None
    notes: list[str] = field(default_factory=list)

    def sentences(self) -> list[str]:
        """The report as short plain-language sentences for a marketer."""
        return report_sentences(self)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> IngestReport:
        return cls(**data)


def ingest(
    source: bytes | Path, file_name: str, limits: IngestLimits | None = None
) -> tuple[pd.DataFrame, IngestReport]:
    """Parse an uploaded export (bytes in memory or a path on disk) into a typed DataFrame.

    Column dtypes out: numbers → int64/float64 (nullable ``Int64``/``Float64`` allowed), datetimes →
    ``datetime64[ns]`` (tz-aware inputs converted to UTC then made naive), everything else → pandas string.
    Raises a subclass of ``IngestError`` (never anything else) for any input that cannot be read.
    """
    try:
        report = IngestReport(file_name=file_name, file_type="csv")
        frame = run_ingest(source, report, limits or IngestLimits())
        return frame, report
    except IngestError:
        raise
    except MemoryError:
        raise TooLargeError("The file is too large for this server's memory.") from None
    except Exception as exc:  # a parser failed in a way we did not foresee: still a plain sentence
        logger.exception("unexpected error while reading %r", file_name)
        raise CorruptFileError("This file could not be read as a table; it may be damaged.") from exc
