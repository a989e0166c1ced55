"""Faults with real processes: a gunicorn worker killed during a fit, half-written cache files, the cache
directory deleted under a running app, Redis stopped and restarted in scale-out mode.

Every server runs under ``timeout`` and is stopped by pid (tests/server_utils.py)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import psutil
import pytest
import requests
from isolation_support import posts_csv
from server_utils import celery_worker, gunicorn_server, redis_url, start, stop, wait_until

from benchmarks.dash_http import DashHttp, Transport, job_pid
from socialdash.web.jobs import JOB_LOST, UNAVAILABLE


def session(url: str) -> DashHttp:
    return DashHttp(Transport(requests.Session(), url, timeout=60))


def prepared(client: DashHttp, rows: int, marker: str = "zqfault") -> dict:
    """Upload a generated export: the page values a Run click needs (the session store)."""
    status, upload = client.upload(f"{marker}.csv", posts_csv(rows, marker, seed=rows))
    assert status == 200, upload
    values: dict = {"upload-result.data": upload, "cluster-init.data": 1}
    values.update(client.call("session-store.data", values, input="upload-result.data").outputs())
    return values


def start_run_body(client: DashHttp, values: dict, k: int) -> dict:
    """The background run job a Run click starts (what the page's run-view callback hands it)."""
    dep = client.find("cluster-run-ready.data", "cluster-run-job.data")
    job = {"k": k, "save": True, "nonce": time.time_ns()}
    return client.payload(dep, {**values, "cluster-run-job.data": job}, ["cluster-run-job.data"])


def start_run(client: DashHttp, values: dict, k: int) -> tuple[dict, dict]:
    body = start_run_body(client, values, k)
    reply = client.post(body)
    assert reply.status == 200 and "cacheKey" in reply.body, reply.text[:300]
    return body, reply.body


def finish(client: DashHttp, values: dict, ready_reply):
    """What the page shows once the job answered: the run-done callback's reply (or the job's error)."""
    if ready_reply.status != 200:
        return ready_reply
    ready = ready_reply.outputs()["cluster-run-ready.data"]
    return client.call("cluster-status.children", {**values, "cluster-run-ready.data": ready},
                       input="cluster-run-ready.data")  # fmt: skip


def run(client: DashHttp, values: dict, k: int, timeout: float = 180):
    body, handles = start_run(client, values, k)
    return finish(client, values, client.poll(body, handles, timeout))


def no_500(web) -> None:
    bad = [line for line in web.access_lines() if line["status"] >= 500 and line["status"] != 503]
    assert not bad, bad


# --------------------------------------------------------------------------- embedded mode
@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    with gunicorn_server(root, workers=2, env={"SOCIALDASH_THREADS": "4"}, timeout=120) as proc:
        proc.extra["root"] = root
        yield proc


def test_worker_killed_during_a_fit_then_retry_succeeds(web):
    client = session(web.url)
    values = prepared(client, 12_000)
    body, handles = start_run(client, values, k=6)
    job = psutil.Process(job_pid(handles))
    worker = job.parent()
    assert worker is not None and "gunicorn" in " ".join(worker.cmdline()) + worker.name()
    master = psutil.Process(worker.ppid())
    time.sleep(0.5)  # the job is loading data / fitting now
    assert job.is_running() and job.status() != psutil.STATUS_ZOMBIE
    os.kill(worker.pid, signal.SIGKILL)  # the worker dies with its job, as under the OOM killer
    os.kill(job.pid, signal.SIGKILL)
    # a kept-alive connection to the dead worker is reset; browsers retry such a request on a new one
    client.transport.client.close()
    reply = client.poll(body, handles, timeout=60)
    assert reply.status == 503 and reply.body == {"error": JOB_LOST}  # resilience.js shows this sentence
    again = run(client, values, k=6)
    assert again.status == 200 and "Done: 6 clusters on" in again.text
    wait_until(lambda: len(master.children()) >= 2, 60, "a replacement worker")
    assert worker.pid not in {c.pid for c in master.children()}
    no_500(web)


def test_worker_killed_but_its_job_survives_delivers_the_result(web):
    client = session(web.url)
    values = prepared(client, 5_000, "zqsurvive")
    body, handles = start_run(client, values, k=5)
    worker = psutil.Process(job_pid(handles)).parent()
    os.kill(worker.pid, signal.SIGKILL)
    client.transport.client.close()
    reply = finish(client, values, client.poll(body, handles, timeout=180))
    assert reply.status == 200 and "Done: 5 clusters on" in reply.text


def test_truncated_cache_files_are_misses_and_get_rewritten(web):
    client = session(web.url)
    values = prepared(client, 400, "zqtrunc")
    first = run(client, values, k=3)
    assert "Done: 3 clusters on" in first.text
    memo = Path(web.extra["root"]) / "cache" / "memo"
    planted = []
    for path in memo.iterdir():
        if path.name.startswith("__wz") or path.stat().st_size < 16:
            continue
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])  # what a crash mid-write would leave without temp+rename
        planted.append(path)
    assert planted
    again = run(client, values, k=3)
    assert again.status == 200
    assert again.outputs()["cluster-status.children"] == first.outputs()["cluster-status.children"]
    rewritten = [p for p in planted if p.exists() and p.stat().st_size > 0]
    assert rewritten  # the misses were recomputed and stored whole again
    no_500(web)


def test_cache_directory_deleted_under_the_running_app(web):
    client = session(web.url)
    values = prepared(client, 500, "zqdeleted")
    first = run(client, values, k=3)
    assert "Done: 3 clusters on" in first.text
    shutil.rmtree(Path(web.extra["root"]) / "cache")
    for _ in range(2):  # both workers (any worker may answer) recover and recompute
        again = run(client, values, k=3)
        assert again.status == 200, again.text[:300]
        assert again.outputs()["cluster-status.children"] == first.outputs()["cluster-status.children"]
    assert (Path(web.extra["root"]) / "cache" / "memo").is_dir()
    assert requests.get(web.url + "/healthz", timeout=10).status_code == 200
    no_500(web)


# --------------------------------------------------------------------------- scale-out mode
def start_redis(root: Path, port: int):
    folder = root / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", str(folder)]  # fmt: skip
    proc = start("redis", argv, root / f"redis-{time.monotonic_ns()}.log")
    proc.port = port
    wait_until(lambda: b"Ready to accept" in proc.log.read_bytes(), 20, "redis ready", proc)
    return proc


def test_redis_gone_says_unavailable_then_recovers(tmp_path):
    from server_utils import free_port

    port = free_port()
    redis = start_redis(tmp_path, port)
    try:
        env = {"SOCIALDASH_REDIS_URL": redis_url(redis)}
        with celery_worker(tmp_path, env), gunicorn_server(tmp_path, workers=2, env=env, timeout=120) as web:
            client = session(web.url)
            values = prepared(client, 300, "zqredis")
            assert "Done: 3 clusters on" in run(client, values, k=3, timeout=120).text
            stop(redis)
            health = requests.get(web.url + "/healthz", timeout=30)
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            down = client.post(start_run_body(client, values, k=4))
            assert down.status == 503 and down.body == {"error": UNAVAILABLE}
            page = requests.get(web.url + "/cluster", timeout=30)
            assert page.status_code == 200  # the page itself loads; its callbacks carry the sentence
            redis = start_redis(tmp_path, port)  # the same address again
            wait_until(
                lambda: requests.get(web.url + "/healthz", timeout=30).status_code == 200, 60, "healthz"
            )
            deadline = time.monotonic() + 120
            while True:  # the Celery worker reconnects on its own schedule
                again = run(client, values, k=4, timeout=60)
                if again.status == 200 and "Done: 4 clusters on" in again.text:
                    break
                assert time.monotonic() < deadline, again.text[:300]
                time.sleep(2)
            no_500(web)
    finally:
        stop(redis)
