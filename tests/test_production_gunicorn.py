"""gunicorn -c gunicorn.conf.py with several workers: the browser flow, worker pids, logs, /healthz, refusals.

Every server is started by the test on a free loopback port and stopped by its pid (tests/server_utils.py).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from production_flow import SAMPLE_SHA, walk
from server_utils import PYTHON, ROOT, app_env, gunicorn_server, http_get, http_request

pytestmark = [pytest.mark.server]


@pytest.mark.browser
@pytest.mark.timeout(480)
def test_full_flow_on_three_workers_is_served_by_several_workers(dash_duo, tmp_path):
    with gunicorn_server(tmp_path, workers=3) as web:
        result = walk(dash_duo, web.url, tmp_path / "downloads")
        assert 2 <= result.k <= 10

        lines = web.access_lines()
        callbacks = [line for line in lines if line["path"] == "/_dash-update-component"]
        assert len(callbacks) > 20, (len(lines), lines[:5], web.output()[-3000:])
        assert len({line["pid"] for line in callbacks}) > 1, "every callback went to one worker"
        assert [line for line in lines if line["status"] >= 500] == []

        logs = web.json_logs()
        calls = [entry for entry in logs if entry.get("event") == "callback"]
        assert calls and all(isinstance(entry["duration_ms"], float) for entry in calls)
        assert any(entry.get("dataset") == SAMPLE_SHA[:16] for entry in calls)
        jobs = {entry["job"]: entry for entry in logs if entry.get("event") == "job"}
        assert {"cluster_sweep", "cluster_run"} <= set(jobs)
        assert all(entry["status"] == "ok" and entry["dataset"] == SAMPLE_SHA[:16] for entry in jobs.values())
        # no data in the logs: not one post id from the sample appears
        assert "246675545449582_1649696485147474" not in web.output()


@pytest.mark.timeout(120)
def test_healthz_503_when_the_data_directory_is_unusable_and_200_when_fixed(tmp_path):
    with gunicorn_server(tmp_path, workers=2) as web:
        status, body = http_get(web.url + "/healthz")
        assert status == 200 and json.loads(body)["checks"] == {"data_dir": True, "cache": True}

        data = tmp_path / "data"
        moved = tmp_path / "data-moved"
        data.rename(moved)
        data.write_text("not a directory")  # root ignores permissions: make it unusable for real
        answers = [http_get(web.url + "/healthz") for _ in range(6)]  # both workers answer
        assert {status for status, _ in answers} == {503}
        assert json.loads(answers[0][1])["checks"]["data_dir"] is False
        assert json.loads(answers[0][1])["status"] == "unavailable"

        data.unlink()
        moved.rename(data)
        assert {http_get(web.url + "/healthz")[0] for _ in range(6)} == {200}


def _gunicorn_exit(tmp_path, **env: str) -> subprocess.CompletedProcess:
    full = {**app_env(tmp_path), "SOCIALDASH_PORT": "1", "PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.timeout(120)
def test_production_without_a_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    for secret in ("", "too-short-for-production"):
        done = _gunicorn_exit(tmp_path, SOCIALDASH_ENV="production", SOCIALDASH_SECRET_KEY=secret)
        assert done.returncode == 2
        message = done.stderr.strip()
        assert message.startswith("socialdash: socialdash will not start in production without a secret key")
        assert "SOCIALDASH_SECRET_KEY" in message and "32 bytes" in message
        assert "Traceback" not in done.stderr and len(message.splitlines()) == 1


@pytest.mark.timeout(120)
def test_debug_and_dev_tools_stay_off_in_production_whatever_is_set(tmp_path):
    env = {
        "SOCIALDASH_ENV": "production",
        "SOCIALDASH_DEBUG": "1",
        "DASH_DEBUG": "true",
        "DASH_UI": "true",
        "DASH_PROPS_CHECK": "true",
        "DASH_HOT_RELOAD": "true",
        "DASH_SERVE_DEV_BUNDLES": "true",
        "FLASK_DEBUG": "1",
    }
    with gunicorn_server(tmp_path, workers=2, env=env) as web:
        status, page = http_get(web.url + "/upload")
        assert status == 200
        config = json.loads(
            page.decode().split('<script id="_dash-config" type="application/json">')[1].split("</script>")[0]
        )
        assert config["ui"] is False and config["props_check"] is False
        assert "hot_reload" not in config
        assert json.loads(http_get(web.url + "/_reload-hash")[1])["reloadHash"] is None  # no hot reload
        assert set(json.loads(http_get(web.url + "/healthz")[1])) == {"status", "checks"}  # no settings
        # a broken callback request gets a plain error: no debugger page, no traceback
        status, body = http_request(
            "POST", web.url + "/_dash-update-component", b"{not json", {"Content-Type": "application/json"}
        )
        assert 400 <= status < 600 and b"Traceback" not in body and b"Werkzeug" not in body


def test_gunicorn_conf_caps_numeric_threads_and_never_preloads(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    spec: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), spec)
    assert spec["preload_app"] is False and spec["control_socket_disable"] is True
    # embedded mode: no recycling (a recycling worker waits for its forked jobs and leaves a gap)
    assert spec["max_requests"] == 0 and spec["max_requests_jitter"] == 0
    monkeypatch.setenv("SOCIALDASH_REDIS_URL", "redis://127.0.0.1:1/0")
    scaled: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), scaled)
    assert scaled["max_requests"] > 0 and scaled["max_requests_jitter"] > 0 and scaled["threads"] > 1
    cores = 8
    for workers in (1, 2, 3, 4, 8, 16):
        threads = spec["blas_threads"](workers, cores)
        assert threads >= 1 and (workers * threads <= cores or threads == 1)
    assert spec["workers"] == 3 and spec["timeout"] >= 30 and spec["graceful_timeout"] > 0
