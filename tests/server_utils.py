"""Start and stop real servers for tests: gunicorn, redis-server and a Celery worker on free loopback ports.

Every process runs under coreutils ``timeout`` (so nothing outlives a crashed test run), in its own session,
with its output in a log file; it is stopped by its pid (SIGTERM, then SIGKILL of its own process group).
Use the context managers::

    with redis_server(tmp_path) as redis:
        env = {"SOCIALDASH_REDIS_URL": redis_url(redis)}
        with celery_worker(tmp_path, env), gunicorn_server(tmp_path, workers=2, env=env) as web:
            ... requests to web.url ...

``web.worker_pids()`` reads the pids that served requests from gunicorn's access log.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SECRET = "t" * 48
#: no test server may live longer than this, whatever happens to the test process
MAX_LIFETIME = 600
_ACCESS_RE = re.compile(
    r'^access \S+ "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) .* pid=<(?P<pid>\d+)>'
)


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    """A started process: its Popen, log file and (for servers) port."""

    name: str
    popen: subprocess.Popen
    log: Path
    port: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def access_lines(self) -> list[dict]:
        """Parsed gunicorn access-log lines: method, path, status, pid."""
        path = self.extra.get("access_log")
        if not path or not Path(path).exists():
            return []
        out = []
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            m = _ACCESS_RE.match(line)
            if m:
                path = m["path"].split("?", 1)[0]
                out.append({**m.groupdict(), "path": path, "status": int(m["status"]), "pid": int(m["pid"])})
        return out

    def worker_pids(self, path_prefix: str = "/") -> set[int]:
        """Pids of the gunicorn workers that answered requests whose path starts with ``path_prefix``."""
        return {line["pid"] for line in self.access_lines() if line["path"].startswith(path_prefix)}

    def json_logs(self) -> list[dict]:
        """The structured (JSON) log lines the process wrote."""
        out = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out


def start(
    name: str, argv: list[str], log: Path, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> Proc:
    """Start ``argv`` under ``timeout MAX_LIFETIME`` in a new session, output to ``log``."""
    full_env = {**os.environ, **(env or {})}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            ["timeout", "--kill-after=5", str(MAX_LIFETIME), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=str(cwd),
            start_new_session=True,
        )
    return Proc(name, popen, log)


def stop(proc: Proc, grace: float = 10.0) -> None:
    """SIGTERM the process by pid (``timeout`` forwards it), wait; then SIGKILL its process group."""
    if proc.alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(grace)
    # the group is the session this test started for the process (children such as background jobs)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.popen.wait(5)


def http_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    """(status, body) of one request to a loopback URL (a new connection each time)."""
    m = re.match(r"http://([^:/]+):(\d+)(/.*)?$", url)
    assert m, url
    conn = http.client.HTTPConnection(m[1], int(m[2]), timeout=timeout)
    try:
        conn.request(method, m[3] or "/", body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def http_get(url: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body) of a GET on a loopback URL."""
    return http_request("GET", url, headers=headers, timeout=timeout)


def wait_until(predicate, timeout: float, what: str, proc: Proc | None = None, interval: float = 0.2):
    """Poll ``predicate`` until truthy (returned) or fail with the process output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and not proc.alive():
            raise AssertionError(
                f"{proc.name} exited ({proc.popen.returncode}) before {what}:\n{proc.output()[-4000:]}"
            )
        time.sleep(interval)
    tail = proc.output()[-4000:] if proc is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def _healthy(url: str) -> bool:
    try:
        return http_get(url + "/healthz", timeout=3)[0] == 200
    except OSError:
        return False


# --------------------------------------------------------------------------- gunicorn
def app_env(root: Path, **extra: str) -> dict[str, str]:
    """SOCIALDASH_* variables for an app whose data and cache live under ``root``."""
    return {
        "SOCIALDASH_DATA_DIR": str(root / "data"),
        "SOCIALDASH_CACHE_DIR": str(root / "cache"),
        "SOCIALDASH_SECRET_KEY": SECRET,
        **extra,
    }


def start_gunicorn(
    root: Path, workers: int = 2, env: Mapping[str, str] | None = None, name: str = "web"
) -> Proc:
    """gunicorn -c gunicorn.conf.py on a free port (does not wait for it)."""
    port = free_port()
    access = root / f"{name}-access.log"
    full_env = {
        **app_env(root),
        "SOCIALDASH_HOST": "127.0.0.1",
        "SOCIALDASH_PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "SOCIALDASH_ACCESS_LOG": str(access),
        **(env or {}),
    }
    argv = [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    proc = start(name, argv, root / f"{name}.log", full_env)
    proc.port = port
    proc.extra["access_log"] = access
    return proc


@contextlib.contextmanager
def gunicorn_server(
    root: Path,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    name: str = "web",
    timeout: float = 180,
) -> Iterator[Proc]:
    """A running gunicorn (its /healthz answered 200); stopped by pid on exit."""
    proc = start_gunicorn(root, workers, env, name)
    try:
        wait_ready(proc, workers, timeout)
        yield proc
    finally:
        stop(proc)


def wait_ready(proc: Proc, workers: int, timeout: float = 180) -> Proc:
    """Wait until a started gunicorn answers /healthz and all ``workers`` have booted."""
    wait_until(lambda: _healthy(proc.url), timeout, f"{proc.name} /healthz", proc)
    wait_until(lambda: proc.output().count("Booting worker") >= workers, timeout, "workers", proc)
    return proc


# --------------------------------------------------------------------------- redis
@contextlib.contextmanager
def redis_server(root: Path, timeout: float = 20) -> Iterator[Proc]:
    """A private redis-server on a free loopback port, no persistence; ``proc.url`` is redis://..."""
    port = free_port()
    folder = root / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    argv = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--daemonize", "no", "--dir", str(folder), "--protected-mode", "yes",
    ]  # fmt: skip
    proc = start("redis", argv, root / "redis.log")
    proc.port = port
    try:
        wait_until(lambda: _redis_ping(port), timeout, "redis PONG", proc)
        yield proc
    finally:
        stop(proc)


def redis_url(proc: Proc, db: int = 0) -> str:
    return f"redis://127.0.0.1:{proc.port}/{db}"


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --------------------------------------------------------------------------- celery
@contextlib.contextmanager
def celery_worker(
    root: Path, env: Mapping[str, str], timeout: float = 180, concurrency: int = 1
) -> Iterator[Proc]:
    """``socialdash worker`` (Celery, prefork) for the app in ``env``; waits until it is ready."""
    argv = [PYTHON, "-m", "socialdash.cli", "worker", "--concurrency", str(concurrency)]
    proc = start("celery", argv, root / "celery.log", {**app_env(root), **env})
    try:
        wait_until(lambda: " ready." in proc.output(), timeout, "celery worker ready", proc)
        yield proc
    finally:
        stop(proc, grace=15)
