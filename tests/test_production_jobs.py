"""A background job that finishes while the page polls it is collected, never mistaken for a cancelled one.

Dash answers a poll by reading the job's result and then asking whether the job still runs; when the result is
missing and the job no longer runs it answers "no update" (204) and the page stops waiting — an empty Insights
page. The load test hit this when a job stored its result and ended between those two reads. These tests play
that interleaving step by step against the real stores (redis-server with Celery's result backend; diskcache
with a real job process): within one poll the answer stays "still running", and the next poll gets the result.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import flask
import pytest
from server_utils import redis_server, redis_url

from socialdash.settings import Settings
from socialdash.web.jobs import bind_manager
from socialdash.worker import celery_manager, diskcache_manager

pytestmark = pytest.mark.server
RESULT = ["shown", "/download/h/run.csv"]


def _poll(manager, key: str, job: str):
    """One poll as Dash runs it: the result, then (only when there is none) whether the job still runs."""
    with flask.Flask(__name__).test_request_context("/_dash-update-component", method="POST"):
        result = manager.get_result(key, job)
        return result, manager.job_running(job)


def _poll_with_finish(manager, key: str, job: str, finish):
    """A poll during which the job stores its result and ends (``finish``) between Dash's two reads."""
    with flask.Flask(__name__).test_request_context("/_dash-update-component", method="POST"):
        result = manager.get_result(key, job)
        finish()
        return result, manager.job_running(job)


def test_celery_job_finishing_between_the_two_reads_is_collected_by_the_next_poll(tmp_path):
    with redis_server(tmp_path) as redis:
        settings = Settings.from_env(
            {"SOCIALDASH_REDIS_URL": redis_url(redis), "SOCIALDASH_DATA_DIR": str(tmp_path)}
        )
        manager = bind_manager(celery_manager(settings))
        backend = manager.handle.backend
        key, job = "result-key-1", "5d0c4e4e-0000-4000-8000-000000000001"

        def finish():  # what the Celery task does at its end: Dash's result, then Celery's SUCCESS
            backend.set(key, json.dumps(RESULT))
            backend.store_result(job, None, "SUCCESS")

        result, running = _poll_with_finish(manager, key, job, finish)
        assert result is manager.UNDEFINED and running  # "still working": the page keeps polling (no 204)
        result, _running = _poll(manager, key, job)
        assert result == RESULT  # the next poll shows the content and the download link

        # a job that has ended by the time its missing result is noticed: the result is read again at once
        key2, job2 = "result-key-2", "5d0c4e4e-0000-4000-8000-000000000002"
        backend.store_result(job2, None, "SUCCESS")
        backend.set(key2, json.dumps(RESULT))
        assert _poll(manager, key2, job2)[0] == RESULT


def test_reading_a_celery_result_sends_no_terminate_to_the_workers(tmp_path):
    """Dash "terminates" every job whose result it read; Celery then killed the pool process that ran it."""
    import redis as redis_py

    with redis_server(tmp_path) as redis:
        settings = Settings.from_env(
            {"SOCIALDASH_REDIS_URL": redis_url(redis), "SOCIALDASH_DATA_DIR": str(tmp_path)}
        )
        manager = bind_manager(celery_manager(settings))
        listener = redis_py.Redis.from_url(redis_url(redis)).pubsub()
        listener.psubscribe("*pidbox*")  # Celery's broadcast (control) messages are published on Redis
        assert listener.get_message(timeout=2)["type"] == "psubscribe"
        key, job = "result-key-3", "5d0c4e4e-0000-4000-8000-000000000003"
        manager.handle.backend.set(key, json.dumps(RESULT))  # finished, still PENDING for Celery
        assert _poll(manager, key, job)[0] == RESULT
        assert listener.get_message(timeout=1) is None  # no revoke/terminate broadcast

        # a real cancel (the page replaced the job) still reaches the workers
        with flask.Flask(__name__).test_request_context("/"):
            manager.terminate_job("5d0c4e4e-0000-4000-8000-000000000004")
        message = listener.get_message(timeout=5)
        assert message and message["type"] == "pmessage", message
        body = base64.b64decode(json.loads(message["data"])["body"])
        assert b'"revoke"' in body and b"5d0c4e4e-0000-4000-8000-000000000004" in body
        listener.close()


def test_embedded_job_process_ending_between_the_two_reads_is_collected_by_the_next_poll(tmp_path):
    settings = Settings.from_env(
        {"SOCIALDASH_DATA_DIR": str(tmp_path / "data"), "SOCIALDASH_CACHE_DIR": str(tmp_path)}
    )
    manager = bind_manager(diskcache_manager(settings))
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    key = "result-key-embedded"
    try:

        def finish():  # the job process stores its result and exits
            manager.handle.set(key, RESULT)
            process.kill()
            process.wait(10)

        result, running = _poll_with_finish(manager, key, str(process.pid), finish)
        assert result is manager.UNDEFINED and running
        deadline = time.monotonic() + 10
        result = manager.UNDEFINED
        while result is manager.UNDEFINED and time.monotonic() < deadline:
            result = _poll(manager, key, str(process.pid))[0]
        assert result == RESULT
    finally:
        process.kill()
        process.wait(10)
