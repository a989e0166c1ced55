"""Structured logging: one JSON line per Dash callback and per background job (duration, dataset hash).

Nothing here logs data: a line carries the callback's output id, the HTTP status, the duration in
milliseconds, the worker's pid and the first 16 hex digits of the dataset's SHA-256 (looked up from the
session's upload handle on the server, never taken from the browser).

* ``configure_logging(level, fmt)`` — installs a JSON (or plain text) handler on the ``socialdash`` logger;
  called by gunicorn's ``post_fork`` hook and by the Celery worker, never by ``create_app`` (tests keep
  pytest's own log capture).
* ``init_callback_logging(server)`` — Flask hooks timing every ``/_dash-update-component`` request.
* ``logged_job(fn, name)`` — wraps a background callback so that the job itself logs one line.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import flask

CALLBACK_LOG = logging.getLogger("socialdash.callback")
JOB_LOG = logging.getLogger("socialdash.job")
_HASH_CHARS = 16
_DASH_PATH = "/_dash-update-component"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "pid", ...extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """A single stderr handler on the ``socialdash`` logger (idempotent; ``fmt`` is json or text)."""
    logger = logging.getLogger("socialdash")
    for handler in list(logger.handlers):
        if getattr(handler, "_socialdash", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._socialdash = True  # type: ignore[attr-defined]
    if fmt == "text":
        text = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
        handler.setFormatter(logging.Formatter(text))
    else:
        handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


# --------------------------------------------------------------------------- dataset hash from a handle
def _handles_in(value: Any, depth: int = 0) -> Iterable[str]:
    """Upload handles found in callback inputs/state (the session store holds ``{"handle": ...}``)."""
    if depth > 4:
        return
    if isinstance(value, dict):
        handle = value.get("handle")
        if isinstance(handle, str):
            yield handle
        for item in value.values():
            if isinstance(item, dict | list):
                yield from _handles_in(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _handles_in(item, depth + 1)


def dataset_hash(value: Any) -> str | None:
    """The first hex digits of the dataset behind the first upload handle in ``value`` (or None)."""
    try:
        from socialdash.web.handles import handle_store

        store = handle_store()
        for handle in _handles_in(value):
            record = store.get(handle)
            if record is not None:
                return record.sha256[:_HASH_CHARS]
    except Exception:  # logging must never break a callback
        return None
    return None


# --------------------------------------------------------------------------- callbacks (Flask hooks)
def _before() -> None:
    if flask.request.path.endswith(_DASH_PATH):
        flask.g.socialdash_t0 = time.perf_counter()


def _after(response: flask.Response) -> flask.Response:
    t0 = getattr(flask.g, "socialdash_t0", None)
    if t0 is None:
        return response
    duration_ms = round((time.perf_counter() - t0) * 1000, 1)
    try:
        body = flask.request.get_json(silent=True) or {}
    except Exception:  # a refused body (too large, nested too deep): the line is logged without it
        body = {}
    output = body.get("output") if isinstance(body, dict) else None
    extra = {
        "event": "callback",
        "output": str(output)[:200] if output else None,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "dataset": dataset_hash([body.get("inputs"), body.get("state")]) if isinstance(body, dict) else None,
    }
    CALLBACK_LOG.info("callback", extra=extra)
    return response


def init_callback_logging(server: flask.Flask) -> None:
    """Log one line per Dash callback request: output id, status, duration, dataset hash."""
    server.before_request(_before)
    server.after_request(_after)


# --------------------------------------------------------------------------- background jobs
def logged_job(fn: Callable[..., Any], name: str | None = None, progress: bool = False) -> Callable[..., Any]:
    """Wrap a background callback so the job logs one line with its duration and dataset hash (and, for a
    job with a progress bar, how many progress updates it sent)."""
    label = name or getattr(fn, "__name__", "job")

    @functools.wraps(fn)
    def job(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        status = "error"
        updates = [0]
        if progress and args and callable(args[0]):
            set_progress = args[0]

            def counted(value: Any) -> None:
                updates[0] += 1
                set_progress(value)

            args = (counted, *args[1:])
        try:
            result = fn(*args, **kwargs)
            status = "ok"
            return result
        except BaseException as err:
            status = "prevented" if type(err).__name__ == "PreventUpdate" else "error"
            raise
        finally:
            JOB_LOG.info(
                "background job",
                extra={
                    "event": "job",
                    "job": label,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - t0) * 1000, 1),
                    "dataset": dataset_hash([list(args[1:] if progress else args), kwargs]),
                    "progress_updates": updates[0] if progress else None,
                    "worker_pid": os.getpid(),
                },
            )

    return job
