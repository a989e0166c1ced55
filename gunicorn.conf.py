"""gunicorn settings for socialdash: ``gunicorn -c gunicorn.conf.py`` (``make run``, ``socialdash serve``).

Everything comes from the environment (README "Configuration"):

* bind ``SOCIALDASH_HOST``:``SOCIALDASH_PORT`` (127.0.0.1:8050), or ``SOCIALDASH_BIND`` verbatim;
* ``WEB_CONCURRENCY`` workers (default: the core count, at least 2), ``SOCIALDASH_THREADS`` threads each
  (1 in embedded mode, which forks background jobs from the workers; 4 with Redis);
* ``SOCIALDASH_TIMEOUT`` (120 s: long work runs as background jobs, off the request path),
  ``SOCIALDASH_GRACEFUL_TIMEOUT`` (30 s),
  ``SOCIALDASH_MAX_REQUESTS`` (0 = off in embedded mode, 5000 with Redis; 20 % jitter);
* ``SOCIALDASH_ACCESS_LOG`` (``-`` = stderr; a path; ``off``),
  ``SOCIALDASH_LOG_LEVEL``, ``SOCIALDASH_LOG_FORMAT``.

No preload: the app (pandas, scikit-learn, OpenMP) is imported in each worker after the fork, never in the
master. ``post_fork`` caps BLAS/OpenMP threads so that workers × threads do not exceed the cores. The
master checks the settings before forking anything, so an unsafe production configuration stops at once with
one clear line instead of a crash loop of workers.
"""

import os
import sys

from socialdash.settings import Settings, SettingsError

try:  # fail fast, in the master, with the settings' own sentence
    Settings.from_env()
except SettingsError as _err:
    sys.stderr.write(f"socialdash: {_err}\n")
    raise SystemExit(2) from None

_cores = os.cpu_count() or 1
_env = os.environ.get

wsgi_app = "socialdash.wsgi:server"
bind = [
    _env("SOCIALDASH_BIND") or f"{_env('SOCIALDASH_HOST', '127.0.0.1')}:{_env('SOCIALDASH_PORT', '8050')}"
]
workers = int(_env("WEB_CONCURRENCY") or max(2, _cores))
# Embedded mode forks a process per background job from the web worker; forking a multi-threaded process
# can leave the child stuck on a lock another thread held (seen under load: jobs that never finished and
# workers killed at recycling). So: one thread per worker in embedded mode, 4 with Redis + Celery.
threads = int(_env("SOCIALDASH_THREADS") or (4 if _env("SOCIALDASH_REDIS_URL") else 1))
worker_class = "gthread" if threads > 1 else "sync"
preload_app = False  # scikit-learn/OpenMP must not be initialised before the fork
timeout = int(_env("SOCIALDASH_TIMEOUT") or 120)
graceful_timeout = int(_env("SOCIALDASH_GRACEFUL_TIMEOUT") or 30)
keepalive = 5
# Recycling: off by default in embedded mode. There a worker waits for the background jobs it forked before
# it exits, and gunicorn starts the replacement only then; with Dash polling twice a second, both workers
# reached 1000 requests together in the soak test and left the site without a worker for up to a minute.
# With Redis the jobs run in Celery, so web workers recycle quickly and harmlessly.
_max_requests_default = 5000 if _env("SOCIALDASH_REDIS_URL") else 0
max_requests = int(_env("SOCIALDASH_MAX_REQUESTS") or _max_requests_default)
max_requests_jitter = max(1, max_requests // 5) if max_requests else 0
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

_access = _env("SOCIALDASH_ACCESS_LOG", "-")
accesslog = None if _access.lower() in ("off", "none", "") else _access
# one line per request: worker pid (%(p)s = <pid>) and duration in ms; never bodies or cookies
access_log_format = 'access %(h)s "%(r)s" %(s)s %(B)s %(M)sms pid=%(p)s'
errorlog = "-"
loglevel = _env("SOCIALDASH_LOG_LEVEL", "info").lower()
# gunicorn 27 opens a control socket at one fixed path per user; two instances on one host would clash.
control_socket_disable = True

#: BLAS/OpenMP thread variables capped in each worker (an explicit setting in the environment wins)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def blas_threads(n_workers: int, cores: int = _cores) -> int:
    """Threads per worker for numeric libraries so that workers × threads ≤ cores (at least 1)."""
    return max(1, cores // max(1, n_workers))


def post_fork(server, worker):
    """In the new worker, before it imports the app: cap numeric threads, set up structured logging."""
    n = str(blas_threads(server.cfg.workers))
    for var in THREAD_VARS:
        os.environ.setdefault(var, n)
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    from socialdash.logging_setup import configure_logging

    configure_logging(_env("SOCIALDASH_LOG_LEVEL", "INFO"), _env("SOCIALDASH_LOG_FORMAT", "json"))


def on_starting(server):
    """Say which mode starts (no app import here: the master stays free of numeric libraries)."""
    mode = "scale-out (Redis + Celery)" if _env("SOCIALDASH_REDIS_URL") else "embedded (files + diskcache)"
    server.log.info("socialdash: %d workers × %d threads, %s mode", server.cfg.workers, threads, mode)
