"""Background-callback managers: DiskcacheManager (embedded) and Celery on Redis (scale-out).

Embedded mode needs nothing but a directory. With ``SOCIALDASH_REDIS_URL`` set, ``create_app`` calls
``celery_manager(settings)``: background callbacks become Celery tasks on one Celery app per Redis URL
(broker and result backend). ``socialdash worker`` (or ``celery -A socialdash.worker:celery_app worker``)
runs them: importing ``celery_app`` builds the same Dash app from the same environment, which registers every
background callback as a task — web and worker run the same code.

Both managers wrap each job with ``logging_setup.logged_job`` (one log line per job with its duration).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path
from typing import Any

import dash
import diskcache
import psutil
from celery import Celery
from threadpoolctl import threadpool_limits

from socialdash.logging_setup import configure_logging, logged_job
from socialdash.settings import Settings, SettingsError

CELERY_TARGET = "socialdash.worker:celery_app"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
_CELERY_APPS: dict[str, Celery] = {}


class LoggedDiskcacheManager(dash.DiskcacheManager):
    """DiskcacheManager whose jobs log one structured line each, and whose terminate_job scales.

    Dash's terminate_job (called after every finished job, not only on cancel) holds the store's write
    transaction while it waits up to 1 s for the process to go away; under 20 concurrent users every
    finished job queued behind that lock until SQLite's 60 s timeout failed jobs. It also raised
    NoSuchProcess (HTTP 500) when the job exited between its checks (so did job_running). Here: no
    lock, no wait, no race."""

    def make_job_fn(self, fn, progress, key=None):
        return super().make_job_fn(logged_job(fork_safe(fn), progress=bool(progress)), progress, key)

    def job_running(self, job):
        try:
            return super().job_running(job)
        except (psutil.Error, ValueError):
            return False  # exited between Dash's pid check and its status read

    def terminate_job(self, job):
        if job is None:
            return
        try:
            proc = psutil.Process(int(job))
            if proc.status() == psutil.STATUS_ZOMBIE:
                return  # finished; its parent reaps it
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            proc.kill()
        except (psutil.Error, ValueError):
            return  # already gone


def fork_safe(fn):
    """Run ``fn`` with OpenMP on one thread: the job is a fork of the web process, and GNU OpenMP's thread
    pool does not survive a fork — a KMeans in the child of a process that had used OpenMP hangs forever
    (seen: every background job of a worker stuck once the worker had fitted anything in-process)."""

    @functools.wraps(fn)
    def job(*args, **kwargs):
        with threadpool_limits(1, user_api="openmp"):
            return fn(*args, **kwargs)

    return job


class LoggedCeleryManager(dash.CeleryManager):
    """CeleryManager whose jobs log one structured line each."""

    def make_job_fn(self, fn, progress, key=None):
        return super().make_job_fn(logged_job(fn, progress=bool(progress)), progress, key)


def diskcache_manager(settings: Settings) -> LoggedDiskcacheManager:
    """Embedded mode: jobs run in subprocesses of the web worker; results in cache_dir/background."""
    folder = Path(settings.cache_dir) / "background"
    folder.mkdir(parents=True, exist_ok=True)
    return LoggedDiskcacheManager(diskcache.Cache(str(folder)))


def make_celery(redis_url: str) -> Celery:
    """The Celery app for ``redis_url`` (one per URL and process): Redis as broker and result backend."""
    app = _CELERY_APPS.get(redis_url)
    if app is not None:
        return app
    app = Celery("socialdash", broker=redis_url, backend=redis_url)
    app.conf.update(
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        redis_socket_timeout=10,
        redis_socket_connect_timeout=5,
        broker_transport_options={"socket_timeout": 10, "socket_connect_timeout": 5},
    )
    _CELERY_APPS[redis_url] = app
    return app


def celery_manager(settings: Settings) -> LoggedCeleryManager:
    """Scale-out mode: background callbacks are Celery tasks on ``settings.redis_url``."""
    if not settings.redis_url:
        raise SettingsError("SOCIALDASH_REDIS_URL must be set to use Celery for background jobs.")
    return LoggedCeleryManager(make_celery(settings.redis_url))


# --------------------------------------------------------------------------- the worker process
def worker_app() -> Celery:
    """Build the Dash app from the environment (registering every background callback) → its Celery app."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise SettingsError(
            "The worker needs SOCIALDASH_REDIS_URL (for example redis://localhost:6379/0): "
            "without Redis the web processes run background jobs themselves."
        )
    configure_logging(
        os.environ.get("SOCIALDASH_LOG_LEVEL", "INFO"), os.environ.get("SOCIALDASH_LOG_FORMAT", "json")
    )
    from socialdash.app import create_app  # imported here: the web side never needs the worker

    create_app(settings)
    return make_celery(settings.redis_url)


def __getattr__(name: str) -> Any:
    """``celery_app`` is built on first access (``celery -A socialdash.worker:celery_app``), not at import."""
    if name == "celery_app":
        return worker_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def worker_command(extra: list[str], concurrency: int | None = None) -> list[str]:
    """argv of ``socialdash worker``; also caps BLAS/OpenMP threads per worker child in ``os.environ``.

    Checks the settings first so a missing Redis URL is one clear line, not a Celery traceback."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise SettingsError(
            "socialdash worker needs SOCIALDASH_REDIS_URL (for example redis://localhost:6379/0)."
        )
    cores = os.cpu_count() or 1
    concurrency = concurrency or int(os.environ.get("SOCIALDASH_WORKER_CONCURRENCY", "0") or 0) or cores
    threads = str(max(1, cores // concurrency))
    for var in _THREAD_VARS:
        os.environ.setdefault(var, threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    return [
        sys.executable, "-m", "celery", "-A", CELERY_TARGET, "worker",
        "--loglevel", os.environ.get("SOCIALDASH_LOG_LEVEL", "INFO"),
        "--concurrency", str(concurrency),
        "--prefetch-multiplier", "1",
        "--without-gossip", "--without-mingle",
        *extra,
    ]  # fmt: skip
