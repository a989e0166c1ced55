"""Shared by the callback tests: a session that uploaded the real Live.csv export through the upload route's
own code (streamed, hashed, ingested, stored, a handle for this session)."""

from __future__ import annotations

from pathlib import Path

from socialdash.callbacks.common import mark_done, new_store
from socialdash.web.uploads import UploadLimits, read_chunks, register_stream

DATA = Path(__file__).parent / "data"


def upload_live(app) -> dict:
    """Upload Live.csv for the session of the current request context; the session store after it."""
    settings = app.server.extensions["socialdash_settings"]
    with open(DATA / "Live.csv", "rb") as fh:
        result = register_stream(
            read_chunks(fh), "Live.csv", settings.data_dir / "uploads", UploadLimits.from_settings(settings)
        )
    return mark_done(new_store(result), "upload")
