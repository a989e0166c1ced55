"""Upload handles: an unguessable token per upload, bound to the browser session that made it.

``data_dir/handles/<handle>.json`` → {"sha256", "name", "sid", "created", "rows", "columns"}. The browser only
ever sees the handle; every callback turns it into the dataset's SHA-256 with ``resolve(handle)``, which
refuses handles that are unknown, expired or belong to another session.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import flask

from socialdash.services.errors import SocialdashError

_HANDLE_RE = re.compile(r"[A-Za-z0-9_-]{32}")
SID_KEY = "sid"


class HandleError(SocialdashError):
    """The handle in the browser does not name a dataset this session may use."""

    default_message = (
        "Your uploaded file is no longer available in this browser session. Please upload it again."
    )


@dataclass(frozen=True)
class HandleRecord:
    sha256: str
    name: str
    sid: str
    created: float
    rows: int
    columns: int


class HandleStore:
    """JSON files under ``root``; one per handle; atomic writes. A handle's file is written once (never
    changed), so a record read before is reused while its file is still there, unchanged (one ``stat``
    instead of reading and parsing the file on every callback)."""

    _KNOWN_MAX = 4096

    def __init__(self, root: Path, max_age_seconds: float) -> None:
        self.root = Path(root)
        self.max_age_seconds = max_age_seconds
        self._known: dict[str, tuple[int, HandleRecord]] = {}  # handle → (its file's mtime_ns, record)

    def create(self, sha256: str, name: str, sid: str, rows: int, columns: int) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = secrets.token_urlsafe(24)
        record = HandleRecord(sha256, name, sid, time.time(), int(rows), int(columns))
        tmp = self.root / f".{handle}.tmp"
        tmp.write_text(json.dumps(asdict(record)), encoding="utf-8")
        os.replace(tmp, self.root / f"{handle}.json")
        return handle

    def get(self, handle: object) -> HandleRecord | None:
        if not isinstance(handle, str) or not _HANDLE_RE.fullmatch(handle):
            return None
        path = os.path.join(self.root, f"{handle}.json")
        try:
            stamp = os.stat(path).st_mtime_ns
            known = self._known.get(handle)
            if known is not None and known[0] == stamp:
                record = known[1]
            else:
                record = HandleRecord(**json.loads(Path(path).read_text(encoding="utf-8")))
                if len(self._known) >= self._KNOWN_MAX:  # bounded: forgetting only means reading again
                    self._known.clear()
                self._known[handle] = (stamp, record)
        except (OSError, ValueError, TypeError):
            return None
        if time.time() - record.created > self.max_age_seconds:
            return None
        return record

    def resolve(self, handle: object, sid: str | None) -> str:
        """The dataset's SHA-256, or HandleError when unknown, expired or owned by another session."""
        record = self.get(handle)
        if record is None or sid is None or not secrets.compare_digest(record.sid, sid):
            raise HandleError()
        return record.sha256

    def sha_in_use(self) -> set[str]:
        """SHA-256 of every live handle (datasets that eviction must keep)."""
        out = set()
        for path in self.root.glob("*.json"):
            record = self.get(path.stem)
            if record is not None:
                out.add(record.sha256)
        return out

    def evict(self) -> int:
        """Remove expired handle files; return how many."""
        removed = 0
        now = time.time()
        for path in self.root.glob("*.json"):
            try:
                if now - path.stat().st_mtime > self.max_age_seconds:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


class _Config:
    """Process-wide (not user-specific): set by ``configure`` from create_app; used by background jobs."""

    store: HandleStore | None = None
    server: flask.Flask | None = None


_CONFIG = _Config()


def configure(server: flask.Flask, root: Path, max_age_seconds: float) -> HandleStore:
    store = HandleStore(root, max_age_seconds)
    server.extensions["socialdash_handles"] = store
    _CONFIG.store = store
    _CONFIG.server = server
    return store


def handle_store() -> HandleStore:
    """The store of the current app (request context) or of this process (background job)."""
    if flask.has_app_context():
        store = flask.current_app.extensions.get("socialdash_handles")
        if store is not None:
            return store
    if _CONFIG.store is None:
        raise RuntimeError("socialdash.web.handles.configure() was not called")
    return _CONFIG.store


def ensure_sid() -> str:
    """The random id of this browser session, created on first use (a before_request hook calls this)."""
    sid = flask.session.get(SID_KEY)
    if not isinstance(sid, str) or len(sid) < 16:
        sid = secrets.token_urlsafe(18)
        flask.session[SID_KEY] = sid
    return sid


def current_sid() -> str | None:
    """The session id in a request, or — in a background callback (no request) — from the session cookie
    that Dash copied into the callback context, verified with the app's secret key."""
    if flask.has_request_context():
        sid = flask.session.get(SID_KEY)
        return sid if isinstance(sid, str) else None
    server = _CONFIG.server
    if server is None:
        return None
    try:
        from dash import callback_context

        cookies: dict[str, Any] = callback_context.cookies or {}
    except Exception:
        return None
    cookie = cookies.get(server.config.get("SESSION_COOKIE_NAME", "session"))
    if not cookie:
        return None
    serializer = server.session_interface.get_signing_serializer(server)  # type: ignore[attr-defined]
    if serializer is None:
        return None
    try:
        data = serializer.loads(cookie)
    except Exception:
        return None
    sid = data.get(SID_KEY) if isinstance(data, dict) else None
    return sid if isinstance(sid, str) else None


def resolve(handle: object) -> str:
    """Handle from the session store → dataset SHA-256. Raises HandleError (a SocialdashError)."""
    return handle_store().resolve(handle, current_sid())


def create_handle(sha256: str, name: str, rows: int, columns: int) -> str:
    """A new handle for this request's session (call inside a request)."""
    return handle_store().create(sha256, name, ensure_sid(), rows, columns)
