"""Background jobs that stay private and fail with a sentence.

* Session-bound job keys: Dash keys a background job's result by a hash of the callback's arguments, so two
  browser sessions sending the same arguments (one of them presenting a stolen handle) would share a result
  slot. ``bind_manager`` mixes the session id into the key: a session can only ever read its own job results.
* Lost jobs (embedded mode): when the process running a job dies (the gunicorn worker or the job killed, out
  of memory) Dash would silently stop; here the next poll answers 503 with "please try again".
* A finished job is never mistaken for a cancelled one: Dash reads a job's result, then asks whether the job
  still runs, and answers "no update" (HTTP 204, the page stops waiting and stays empty) when the result is
  missing and the job is not running. A job that stores its result and ends between those two reads looked
  cancelled (seen in the Redis load test: Insights without content or download links in ~2 % of walks).
  ``_consistent_polls`` re-reads the result of a job that has ended, and keeps Dash's later check consistent
  with what it read. With Celery it also stops Dash from "terminating" a job whose result it just read, which
  killed the Celery pool process that had already finished it.
* A deleted cache directory is recreated (the background store is reopened) instead of failing requests.
* Redis gone (scale-out): connection errors become 503 with "the service is unavailable" — never a traceback.
  The page's ``assets/resilience.js`` shows these sentences to the user.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import flask

from socialdash.web.handles import current_sid

log = logging.getLogger("socialdash.web.jobs")

JOB_LOST = (
    "The server was interrupted while working on this, so it did not finish. "
    "Please try again: your data and settings are safe."
)
UNAVAILABLE = (
    "The service is unavailable right now because a server component is not responding. "
    "Please try again in a minute."
)
_CANCELLED = "socialdash:cancelled:"


class JobLostError(RuntimeError):
    """The process running a background job died before it stored a result."""


class ServiceUnavailableError(RuntimeError):
    """A backing service (Redis: broker, result store) does not answer."""


def _is_outage(err: BaseException) -> bool:
    """True when ``err`` or anything in its cause/context chain is a Redis/broker connection error."""
    types = _unavailable_types()
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# --------------------------------------------------------------------------- the background manager
def bind_manager(manager: Any) -> Any:
    """Wrap a Dash background manager in place (session-bound keys, lost jobs, healing); return it."""
    original_key = manager.build_cache_key

    def build_cache_key(fn, args, cache_args_to_ignore, triggered):
        key = original_key(fn, args, cache_args_to_ignore, triggered)
        sid = current_sid() or ""
        return hashlib.sha256(f"{key}|{sid}".encode()).hexdigest()

    manager.build_cache_key = build_cache_key
    for name in ("call_job_fn", "job_running", "get_progress", "result_ready", "get_result",
                 "get_updated_props", "terminate_job"):  # fmt: skip
        _translate_outages(manager, name)
    embedded = hasattr(getattr(manager, "handle", None), "directory")  # DiskcacheManager
    if embedded:
        _bind_diskcache(manager)
    _consistent_polls(manager, spare_finished_jobs=not embedded)
    return manager


def _request_jobs(name: str) -> set[str]:
    """A per-request set of job ids (empty and throw-away outside a request)."""
    if not flask.has_app_context():
        return set()
    jobs = flask.g.get(name)
    if jobs is None:
        jobs = set()
        setattr(flask.g, name, jobs)
    return jobs


def _consistent_polls(manager: Any, spare_finished_jobs: bool) -> None:
    """Make one poll's result read and Dash's following "is it still running?" check agree.

    Dash calls ``get_result`` and then ``job_running``; a result that is missing at the first and a job that
    has ended by the second mean "cancelled" to Dash (204). A job always stores its result before it ends,
    so: when the result is missing, ask whether the job runs; if it has ended, read the result again (it is
    there now, unless the job really died); if it runs, Dash's own check in this request says so too, and the
    next poll collects the result. ``spare_finished_jobs`` (Celery): never terminate a job whose result this
    request read — it has finished, and Celery would kill the pool process that ran it."""
    get_result, job_running, terminate_job = manager.get_result, manager.job_running, manager.terminate_job

    def consistent_get_result(key, job):
        read = _request_jobs("socialdash_jobs_read")
        read.add(str(job))  # Dash's get_result terminates the job after reading its result
        result = manager.UNDEFINED
        try:
            result = get_result(key, job)
            if result is manager.UNDEFINED and job:
                if job_running(job):
                    _request_jobs("socialdash_jobs_running").add(str(job))
                else:  # ended after the first read: its result is stored by now (or it died: lost)
                    result = get_result(key, job)
                    if result is not manager.UNDEFINED:
                        log.debug("background job %s finished between two reads; result collected", job)
        finally:
            if result is manager.UNDEFINED or not job:
                read.discard(str(job))  # nothing read: a later terminate (a real cancel) goes through
        return result

    def consistent_job_running(job):
        if job is not None and str(job) in _request_jobs("socialdash_jobs_running"):
            return True
        return job_running(job)

    def spare_finished(job):
        if job is not None and str(job) in _request_jobs("socialdash_jobs_read"):
            return None  # finished: its result was just read
        return terminate_job(job)

    manager.get_result = consistent_get_result
    manager.job_running = consistent_job_running
    if spare_finished_jobs:
        manager.terminate_job = spare_finished


def _translate_outages(manager: Any, name: str) -> None:
    """Broker/result-store connection failures (however Celery wraps them) → ServiceUnavailableError."""
    method = getattr(manager, name, None)
    if method is None:
        return

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ServiceUnavailableError:
            raise
        except Exception as err:
            if _is_outage(err):
                raise ServiceUnavailableError(str(err)) from err
            raise

    setattr(manager, name, wrapper)


def _kill_tree(pid: int) -> None:
    import psutil

    try:
        process = psutil.Process(pid)
        children = process.children(recursive=True)
    except psutil.Error:
        return
    for proc in [*children, process]:
        try:
            proc.kill()
        except psutil.Error:
            continue


def _bind_diskcache(manager: Any) -> None:
    handle = manager.handle
    db = Path(handle.directory) / "cache.db"

    def heal() -> None:
        if not db.exists():  # someone deleted the cache directory: reopen (recreates it) in place
            log.warning("background job store %s was missing; recreated", handle.directory)
            try:
                handle.close()
            except Exception:  # the old connection points at a deleted file
                log.debug("closing the old job store failed", exc_info=True)
            handle.__init__(handle.directory)

    def healed(name: str) -> None:
        method = getattr(manager, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            heal()
            return method(*args, **kwargs)

        setattr(manager, name, wrapper)

    for name in ("call_job_fn", "get_progress", "result_ready", "get_updated_props", "clear_cache_entry"):
        healed(name)

    def terminate_job(job):
        """Dash's version holds the store's write lock while it kills and waits up to 1 s for the job;
        with many jobs finishing at once that starved the jobs' own writes. Kill without the lock."""
        if job is None:
            return
        try:  # a cancel (or a finished job): its missing result is not a crash
            heal()
            handle.set(f"{_CANCELLED}{job}", 1, expire=3600)
        except Exception:
            log.debug("could not mark job %s cancelled", job, exc_info=True)
        _kill_tree(int(job))

    manager.terminate_job = terminate_job
    get_result = manager.get_result

    def get_result_or_lost(key, job):
        heal()
        running = bool(job) and manager.job_running(job)
        result = get_result(key, job)
        if result is manager.UNDEFINED and job and not running and handle.get(f"{_CANCELLED}{job}") is None:
            handle.set(f"{_CANCELLED}{job}", 1, expire=3600)  # tell it once
            raise JobLostError(f"background job {job} ended without a result")
        return result

    manager.get_result = get_result_or_lost


# --------------------------------------------------------------------------- requests
def _unavailable_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = []
    try:
        import redis.exceptions

        types += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        import kombu.exceptions

        types.append(kombu.exceptions.OperationalError)
    except ImportError:  # pragma: no cover - celery brings kombu
        pass
    return tuple(types)


def _sentence_response(message: str, status: int) -> flask.Response:
    path = flask.request.path if flask.has_request_context() else ""
    if path.startswith(("/_dash-", "/api/", "/_reload-hash")) or flask.request.method != "GET":
        response = flask.jsonify({"error": message})
    else:
        from html import escape

        response = flask.Response(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>socialdash</title></head>"
            f"<body style='font-family:sans-serif;margin:3rem'><p>{escape(message)}</p>"
            "<p><a href=''>Try again</a></p></body></html>",
            mimetype="text/html",
        )
    response.status_code = status
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response


def _job_lost(err: JobLostError):
    log.warning("%s", err)
    return _sentence_response(JOB_LOST, 503)


def _service_down(err: BaseException):
    log.error("service unavailable: %s: %s", type(err).__name__, err)
    return _sentence_response(UNAVAILABLE, 503)


def _heal_dirs_hook() -> None:
    """Recreate the data and cache directories if someone removed them under the running app."""
    if flask.request.path == "/healthz":  # health reports the directories as they are
        return
    settings = flask.current_app.extensions["socialdash_settings"]
    memo = Path(settings.cache_dir) / "memo"
    if not (memo.is_dir() and (Path(settings.data_dir) / "handles").is_dir()):
        try:
            settings.ensure_dirs()
            os.makedirs(memo, exist_ok=True)
            log.warning("data or cache directory was missing; recreated")
        except OSError:  # not fixable from here (a file in the way, read-only disk): /healthz says 503
            log.exception("data or cache directory is missing and cannot be recreated")


def init_jobs(server: flask.Flask, settings) -> None:
    """Error handlers (lost job, Redis down → 503 with a sentence) and the directory-healing hook."""
    server.register_error_handler(JobLostError, _job_lost)
    server.register_error_handler(ServiceUnavailableError, _service_down)
    for exc_type in _unavailable_types():
        server.register_error_handler(exc_type, _service_down)
    server.before_request(_heal_dirs_hook)
