"""Retention in a running server: old datasets go, recent ones stay, without anyone deleting files by hand."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from server_utils import gunicorn_server, http_get, http_request, wait_until

pytestmark = [pytest.mark.server]


def _upload(url: str, name: str, body: bytes) -> dict:
    status, answer = http_request(
        "POST", url + "/api/upload", body, {"X-Filename": name, "Content-Type": "application/octet-stream"}
    )
    assert status == 200, answer
    return json.loads(answer)


@pytest.mark.timeout(120)
def test_old_datasets_are_removed_and_recent_ones_kept(tmp_path, live_csv, facebook_csv):
    env = {
        "SOCIALDASH_DATASET_MAX_AGE_SECONDS": "10",
        "SOCIALDASH_HANDLE_MAX_AGE_SECONDS": "4",
        "SOCIALDASH_RETENTION_INTERVAL_SECONDS": "1",
    }
    datasets = tmp_path / "data" / "datasets"
    old_sha = hashlib.sha256(live_csv).hexdigest()
    new_sha = hashlib.sha256(facebook_csv).hexdigest()
    with gunicorn_server(tmp_path, workers=2, env=env) as web:
        assert _upload(web.url, "Live.csv", live_csv)["rows"] == 7050
        stored = time.monotonic()
        assert (datasets / old_sha).is_dir()
        time.sleep(5)  # the first upload's handle has expired; its dataset is not old enough to go
        assert _upload(web.url, "dataset_Facebook.csv", facebook_csv)["rows"] > 0
        assert (datasets / old_sha).is_dir()
        time.sleep(max(0.0, stored + 10.5 - time.monotonic()))  # first dataset > 10 s old, second ~5 s

        def old_gone() -> bool:
            http_get(web.url + "/healthz")  # any request lets the app notice that a pass is due
            return not (datasets / old_sha).exists()

        wait_until(old_gone, 15, "the old dataset to be removed", web, interval=0.5)
        assert (datasets / new_sha / "data.parquet").is_file()

        def removal_logged() -> bool:  # the pass logs after its sweep, from a background thread
            passes = [e for e in web.json_logs() if e.get("event") == "retention"]
            return sum(e["datasets_removed"] for e in passes) >= 1

        wait_until(removal_logged, 15, "the retention pass to log the removal", web, interval=0.5)
        passes = [e for e in web.json_logs() if e.get("event") == "retention"]
        assert sum(e["datasets_removed"] for e in passes) == 1
