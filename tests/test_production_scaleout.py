"""Scale-out mode: a private redis-server, a Celery worker (``socialdash worker``) and gunicorn.

The browser flow runs with every background job (the k sweep with its progress bar, the run, Evaluate,
Insights) executed by Celery; a second web process with its own cache directory then serves the labelled
file of that run from Redis without fitting anything; when Redis stops, /healthz says 503.
"""

from __future__ import annotations

import json

import pytest
from production_flow import SAMPLE_SHA, session_cookie, walk
from server_utils import (
    celery_worker,
    gunicorn_server,
    http_get,
    redis_server,
    redis_url,
    start_gunicorn,
    stop,
    wait_ready,
)

pytestmark = [pytest.mark.server, pytest.mark.browser]
FITS = {"sweep", "run", "prepare", "projection"}


def _computed(proc) -> list[str]:
    return [e["service"] for e in proc.json_logs() if e.get("event") == "compute"]


@pytest.mark.timeout(600)
def test_flow_on_redis_and_celery_and_a_second_web_process_serves_the_result_from_redis(dash_duo, tmp_path):
    with redis_server(tmp_path) as redis:
        env = {"SOCIALDASH_REDIS_URL": redis_url(redis)}
        web = start_gunicorn(tmp_path, workers=2, env=env, name="web-a")  # boots while Celery starts
        try:
            with celery_worker(tmp_path, env) as worker:
                wait_ready(web, 2)
                flow = walk(dash_duo, web.url, tmp_path / "downloads")

                # the k sweep ran in Celery and sent its progress (through Redis to the page)
                sweeps = [e for e in worker.json_logs() if e.get("job") == "cluster_sweep"]
                assert sweeps and all(e["progress_updates"] >= 2 for e in sweeps), sweeps
                jobs = [e for e in worker.json_logs() if e.get("event") == "job"]
                assert {"cluster_sweep", "cluster_run"} <= {e["job"] for e in jobs}
                assert all(e["status"] == "ok" and e["dataset"] == SAMPLE_SHA[:16] for e in jobs)
                assert "sweep" in _computed(worker) and "run" in _computed(worker)
                assert [e for e in web.json_logs() if e.get("event") == "job"] == []  # none ran in web

                # a second web process (another host's cache directory; same Redis and shared data)
                other = {**env, "SOCIALDASH_CACHE_DIR": str(tmp_path / "cache-b")}
                with gunicorn_server(tmp_path, workers=1, env=other, name="web-b") as web_b:
                    status, body = http_get(
                        web_b.url + flow.csv_href, timeout=60, headers={"Cookie": session_cookie(dash_duo)}
                    )
                    assert status == 200
                    assert body == flow.csv.read_bytes()  # the same labelled posts
                    computed = _computed(web_b)
                    assert "export_csv" in computed  # the file itself was written by web-b ...
                    assert not FITS & set(computed), computed  # ... from the run cached in Redis

                    stop(redis)  # Redis goes away: both web processes report it
                    for url in (web.url, web_b.url):
                        status, body = http_get(url + "/healthz", timeout=30)
                        assert status == 503
                        assert json.loads(body)["checks"] == {"data_dir": True, "cache": False}
        finally:
            stop(web)
