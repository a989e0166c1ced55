"""Turn an uploaded file on disk into a stored dataset and a handle (shared by /api/upload and the sample)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from socialdash import caching
from socialdash.services import ingest
from socialdash.services.errors import TooLargeError
from socialdash.web.handles import create_handle, handle_store

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_rows: int
    max_columns: int
    dataset_max_age_seconds: float = 30 * 24 * 3600

    @classmethod
    def from_settings(cls, settings) -> UploadLimits:
        return cls(
            settings.max_upload_bytes,
            settings.max_rows,
            settings.max_columns,
            settings.dataset_max_age_seconds,
        )


def clean_file_name(raw: str | None) -> str:
    """A display-safe base name: no path, no control characters, at most 200 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = re.sub(r"\s+", " ", name)
    return name[:200] or "upload.csv"


def too_large_message(max_bytes: int) -> str:
    return (
        f"The file is larger than the {human_bytes(max_bytes)} this server accepts. "
        "Export fewer posts (for example a shorter date range) and try again."
    )


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}".replace(".0 ", " ")
        value /= 1024
    return f"{n} bytes"


def stream_to_temp(chunks: Iterator[bytes], folder: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Write chunks to a temp file under ``folder`` while hashing; TooLargeError past ``max_bytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload-{secrets.token_hex(12)}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(too_large_message(max_bytes))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def register_file(path: Path, sha: str, name: str, limits: UploadLimits) -> dict:
    """Ingest (unless this exact file is stored already), store, create a handle for this session.

    Returns {"handle", "name", "rows", "columns"}. Raises IngestError subclasses with a sentence."""
    store = caching.dataset_store()
    if store.has(sha):
        report = store.report(sha)
    else:
        df, report = ingest.ingest(
            path,
            name,
            ingest.IngestLimits(
                max_bytes=limits.max_bytes, max_rows=limits.max_rows, max_columns=limits.max_columns
            ),
        )
        store.put(sha, df, report)
        _evict_quietly(store, limits.dataset_max_age_seconds)
    handle = create_handle(sha, name, report.n_rows, report.n_columns)
    return {"handle": handle, "name": name, "rows": int(report.n_rows), "columns": int(report.n_columns)}


def register_stream(chunks: Iterator[bytes], name: str, folder: Path, limits: UploadLimits) -> dict:
    """Stream → temp file (hashed, size-capped) → register_file; the temp file is always removed."""
    path, sha, _size = stream_to_temp(chunks, folder, limits.max_bytes)
    try:
        return register_file(path, sha, clean_file_name(name), limits)
    finally:
        path.unlink(missing_ok=True)


def read_chunks(fh, size: int = CHUNK) -> Iterator[bytes]:
    """Chunks of a binary file object."""
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk


def _evict_quietly(store, max_age: float) -> None:
    try:
        handles = handle_store()
        handles.evict()
        store.evict(max_age_seconds=max_age, keep=tuple(handles.sha_in_use()))
    except Exception:  # eviction must never break an upload
        log.exception("eviction failed")
