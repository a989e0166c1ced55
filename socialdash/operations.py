"""Operational hooks installed by create_app: callback logging and the periodic retention pass.

Retention runs off the request path: a request notices (at most once per interval per process) that a pass
may be due and starts a daemon thread; ``services.retention.run_if_due`` makes sure only one process of all
those sharing the data directory sweeps, once per ``SOCIALDASH_RETENTION_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import flask

from socialdash.logging_setup import init_callback_logging
from socialdash.services import retention

log = logging.getLogger("socialdash.retention")


def limits_of(settings: Any) -> retention.RetentionLimits:
    """The retention limits in ``settings``."""
    return retention.RetentionLimits(
        dataset_max_age_seconds=settings.dataset_max_age_seconds,
        datasets_max_bytes=settings.datasets_max_bytes,
        cache_max_age_seconds=settings.cache_timeout_seconds,
        cache_max_bytes=getattr(settings, "cache_max_bytes", 2 * 1024**3),
    )


def retention_pass(server: flask.Flask, settings: Any) -> retention.RetentionReport:
    """Forget expired upload handles, then sweep datasets (keeping those a live handle uses) and results."""
    handles = server.extensions["socialdash_handles"]
    expired = handles.evict()
    t0 = time.perf_counter()
    report = retention.sweep(
        Path(settings.data_dir), Path(settings.cache_dir), limits_of(settings), keep=handles.sha_in_use()
    )
    log.info(
        "retention pass",
        extra={
            "event": "retention",
            "handles_removed": expired,
            "datasets_removed": len(report.datasets_removed),
            "cache_files_removed": report.cache_files_removed,
            "cache_bytes_freed": report.cache_bytes_freed,
            "duration_ms": round((time.perf_counter() - t0) * 1000, 1),
        },
    )
    return report


class _Due:
    """Per-process: when this process next looks whether a pass is due (monotonic seconds)."""

    def __init__(self) -> None:
        self.next_check = 0.0
        self.lock = threading.Lock()


def init_retention(server: flask.Flask, settings: Any) -> None:
    """A before_request hook that starts a retention pass in the background when one is due."""
    interval = float(getattr(settings, "retention_interval_seconds", 600))
    due = _Due()

    def run() -> None:
        try:
            retention.run_if_due(
                Path(settings.data_dir), interval, lambda: retention_pass(server, settings)
            )
        except Exception:  # retention must never break serving
            log.exception("retention pass failed")

    def hook() -> None:
        now = time.monotonic()
        if now < due.next_check:
            return
        with due.lock:
            if now < due.next_check:
                return
            due.next_check = now + interval
        threading.Thread(target=run, name="socialdash-retention", daemon=True).start()

    server.before_request(hook)


def init_operations(server: flask.Flask, settings: Any) -> None:
    """Install callback logging and retention on the Flask server (called by create_app)."""
    init_callback_logging(server)
    init_retention(server, settings)
