"""Flask routes: POST /api/upload (streamed, hashed, size-capped), GET /healthz; the session id hook."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from urllib.parse import unquote

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from socialdash import caching
from socialdash.services.errors import SocialdashError, TooLargeError
from socialdash.web.handles import configure, ensure_sid
from socialdash.web.uploads import UploadLimits, read_chunks, register_stream, too_large_message

log = logging.getLogger(__name__)

bp = flask.Blueprint("socialdash_web", __name__)

GENERIC_ERROR = "Something went wrong on the server while reading this file. Please try again."
FILENAME_HEADER = "X-Filename"


def _settings():
    return flask.current_app.extensions["socialdash_settings"]


UI_HEADER = "X-Socialdash-UI"


def _error(message: str, status: int):
    """{"error": sentence} with a 4xx/5xx status. The app's own upload.js asks (UI_HEADER) for a 200 with
    the status in the body instead, so that a user's bad file does not log a network error in the browser."""
    if flask.has_request_context() and flask.request.headers.get(UI_HEADER) == "1":
        return flask.jsonify({"error": message, "status": status}), 200
    return flask.jsonify({"error": message}), status


@bp.post("/api/upload")
def upload():
    """Raw body (file name in ``X-Filename``, URL-encoded) or multipart field ``file``."""
    settings = _settings()
    limits = UploadLimits.from_settings(settings)
    length = flask.request.content_length
    if length is not None and length > limits.max_bytes + 64 * 1024:
        return _error(too_large_message(limits.max_bytes), 413)
    ensure_sid()
    folder = Path(settings.data_dir) / "uploads"
    try:
        if flask.request.mimetype == "multipart/form-data":
            file = flask.request.files.get("file")
            if file is None or not file.filename:
                return _error("No file was received. Choose a file and try again.", 400)
            result = register_stream(read_chunks(file.stream), file.filename, folder, limits)
        else:
            name = unquote(flask.request.headers.get(FILENAME_HEADER, ""))
            if not name:
                return _error("The upload had no file name. Choose a file and try again.", 400)
            result = register_stream(read_chunks(flask.request.stream), name, folder, limits)
    except TooLargeError as err:
        return _error(str(err), 413)
    except RequestEntityTooLarge:
        return _error(too_large_message(limits.max_bytes), 413)
    except SocialdashError as err:
        return _error(str(err), 422)
    except Exception:
        log.exception("upload failed")
        return _error(GENERIC_ERROR, 500)
    return flask.jsonify(result), 200


@bp.get("/healthz")
def healthz():
    """Public: only the status and which checks passed, never a setting's value."""
    settings = _settings()
    checks = {"data_dir": _writable(Path(settings.data_dir)), "cache": caching.ping()}
    ok = all(checks.values())
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    return flask.jsonify(body), 200 if ok else 503


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".healthz-{secrets.token_hex(6)}"
        probe.write_bytes(b"ok")
        probe.unlink()
        return True
    except OSError:
        return False


def _too_large(_err):
    if flask.request.path.startswith("/api/"):
        return _error(too_large_message(_settings().max_upload_bytes), 413)
    return "The request is too large.", 413


def init_web(server: flask.Flask, settings) -> None:
    """Session cookie settings, the sid hook, handles, the routes and JSON 413s."""
    server.extensions["socialdash_settings"] = settings
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        SESSION_COOKIE_NAME="socialdash_session",
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
    )
    configure(server, Path(settings.data_dir) / "handles", settings.handle_max_age_seconds)
    from socialdash.web.auth import init_auth  # access control: its hook runs before every other one
    from socialdash.web.jobs import init_jobs  # lost jobs, Redis down, deleted cache dirs → sentences

    init_auth(server, settings)
    init_jobs(server, settings)
    server.before_request(_session_hook)
    server.register_blueprint(bp)
    from socialdash.web.downloads import init_downloads  # pages B: GET /download/...

    init_downloads(server)
    server.register_error_handler(413, _too_large)


def _session_hook():
    if flask.request.path == "/" and flask.request.method == "GET":
        return flask.redirect("/upload", code=302)
    if flask.request.path.startswith(("/assets/", "/_dash-component-suites/", "/healthz")):
        return None
    ensure_sid()
    return None
