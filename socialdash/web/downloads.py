"""GET /download/<handle>/<run_key>.<csv|xlsx|json>: the labelled posts and the run report as files.

Large files never travel through callback JSON: the Insights page only sets the link. The route re-checks
that the handle belongs to the requesting browser session, turns the run key back into the choices (kept in
the shared cache by ``caching.download_key``), computes the file through the memoized facades and streams it
as an attachment named after the upload ("Live-clustered.csv").
"""

from __future__ import annotations

import html
import io
import logging
import re
from pathlib import PurePath

import flask

from socialdash import caching
from socialdash.services.errors import SocialdashError
from socialdash.web.handles import HandleError, handle_store, resolve

log = logging.getLogger("socialdash.web.downloads")

bp = flask.Blueprint("socialdash_downloads", __name__)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
EXPIRED = "This download link has expired. Open the Insights page again to get a fresh one."
GENERIC = "Something went wrong on the server while preparing your file. Please try again."


def download_name(upload_name: str | None, ext: str) -> str:
    """ "Live.csv" → "Live-clustered.csv" (report: "Live-clustered-report.json"); safe characters only."""
    stem = PurePath(upload_name or "").stem
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("._") or "posts"
    suffix = "-clustered-report" if ext == "json" else "-clustered"
    return f"{stem[:80]}{suffix}.{ext}"


def _error_page(message: str, status: int) -> flask.Response:
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Download · socialdash</title></head>"
        f"<body style='font-family:sans-serif;margin:3rem'><p>{html.escape(message)}</p>"
        "<p><a href='/insights'>Back to Insights</a></p></body></html>"
    )
    return flask.Response(body, status=status, mimetype="text/html")


@bp.get("/download/<handle>/<run_key>.<any(csv, xlsx, json):ext>")
def download(handle: str, run_key: str, ext: str) -> flask.Response:
    """Stream the labelled CSV, the Excel workbook or the run report of one of this session's runs."""
    try:
        sha = resolve(handle)
        choices = caching.download_choices(sha, run_key)
        if choices is None:
            return _error_page(EXPIRED, 404)
        record = handle_store().get(handle)
        name = download_name(record.name if record else None, ext)
        if ext == "json":
            data = io.BytesIO(caching.report_json(sha, choices))
            response = flask.send_file(data, mimetype=MIMETYPES[ext], as_attachment=True, download_name=name)
        else:
            path = caching.export_path(sha, choices, ext)
            response = flask.send_file(path, mimetype=MIMETYPES[ext], as_attachment=True, download_name=name)
    except HandleError as err:
        return _error_page(str(err), 403)
    except SocialdashError as err:
        return _error_page(str(err), 422)
    except Exception:
        log.exception("download %s failed", ext)
        return _error_page(GENERIC, 500)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_downloads(server: flask.Flask) -> None:
    """Register the download route on the Flask server (called by socialdash.web.init_web)."""
    server.register_blueprint(bp)
