"""Peak memory of a gunicorn worker while it takes a ~100 MB upload through POST /api/upload.

``python -m benchmarks.upload_memory [--mb 100] [--out benchmarks/out/upload_memory.json]``

Starts gunicorn (one worker, production-like settings, free loopback port, stopped by pid), warms the worker
up (health check and the upload page, so every module is imported), then streams a generated export of about
``--mb`` MB to /api/upload exactly as the browser's upload.js does (raw body, ``X-Filename``) while sampling
the worker's RSS every 5 ms. Reports the worker's RSS before, the peak, and the peak growth against the file
size (target ≤ 3×), plus the upload's wall time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.generate import DATA_DIR, generate

ROOT = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "out" / "upload_memory.json"
TARGET = 3.0
BYTES_PER_ROW = 151.1e6 / 1_000_000  # of the generated exports (social_1M.csv is 151 MB)


def export_of(mb: int) -> Path:
    """A generated export of about ``mb`` MB in benchmarks/data (made once)."""
    path = DATA_DIR / f"social_{mb}MB.csv"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        frame, _segments = generate(int(mb * 1e6 / BYTES_PER_ROW))
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
    return path


def worker_pids(master_pid: int) -> list[int]:
    """Pids of gunicorn workers under the process started for the server (timeout → master → workers)."""
    procs = psutil.Process(master_pid).children(recursive=True)
    masters = [p for p in procs if "gunicorn" in " ".join(p.cmdline()) and p.ppid() == master_pid]
    return [c.pid for m in masters for c in m.children() if "gunicorn" in " ".join(c.cmdline())]


class Sampler(threading.Thread):
    """Peak RSS of one process (and its children) every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = self.rss()
        self.done = threading.Event()

    def rss(self) -> int:
        try:
            total = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                total += child.memory_info().rss
            return total
        except psutil.Error:
            return 0

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)


def upload(url_port: int, path: Path, timeout: float = 900) -> tuple[int, dict]:
    """POST the file as upload.js does (streamed from disk, not read into memory here)."""
    conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=timeout)
    try:
        with open(path, "rb") as fh:
            conn.request(
                "POST", "/api/upload", body=fh,
                headers={"Content-Type": "application/octet-stream", "X-Filename": path.name,
                         "Content-Length": str(path.stat().st_size)},
            )  # fmt: skip
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def measure(path: Path, root: Path) -> dict:
    from tests.server_utils import http_get, start_gunicorn, stop, wait_ready

    env = {"SOCIALDASH_TIMEOUT": "900", "SOCIALDASH_ACCESS_LOG": "off", "OMP_WAIT_POLICY": "passive"}
    proc = start_gunicorn(root, workers=1, env=env, name="upload-memory")
    try:
        wait_ready(proc, 1)
        assert http_get(proc.url + "/upload", timeout=60)[0] == 200  # imports every page module
        (pid,) = worker_pids(proc.pid)
        sampler = Sampler(pid)
        before = sampler.rss()
        sampler.start()
        start = time.perf_counter()
        status, body = upload(proc.port, path)
        took = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        after = sampler.rss()
    finally:
        stop(proc)
    size = path.stat().st_size
    growth = sampler.peak - before
    return {
        "file": str(path), "file_bytes": size, "status": status, "rows": body.get("rows"),
        "error": body.get("error"), "upload_s": took, "worker_rss_before": before,
        "worker_rss_peak": sampler.peak, "worker_rss_after": after, "peak_growth": growth,
        "ratio_growth": growth / size, "ratio_peak": sampler.peak / size, "target": TARGET,
        "status_ok": status == 200, "pass": status == 200 and growth / size <= TARGET,
        "load_average": os.getloadavg(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak gunicorn worker memory during a big upload")
    parser.add_argument("--mb", type=int, default=100, help="size of the generated export in MB")
    parser.add_argument("--file", type=Path, default=None, help="upload this file instead")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    path = args.file or export_of(args.mb)
    with tempfile.TemporaryDirectory(prefix="socialdash-upload-mem-") as tmp:
        res = measure(path, Path(tmp))
    mib = 2**20
    print(
        f"upload of {res['file_bytes'] / 1e6:,.1f} MB ({res['rows']} rows, status {res['status']}) took "
        f"{res['upload_s']:.1f} s; worker RSS {res['worker_rss_before'] / mib:,.0f} MiB before, peak "
        f"{res['worker_rss_peak'] / mib:,.0f} MiB (+{res['peak_growth'] / mib:,.0f} MiB = "
        f"{res['ratio_growth']:.2f}x the file; target ≤{TARGET:g}x) {'PASS' if res['pass'] else 'MISS'}; "
        f"peak RSS is {res['ratio_peak']:.2f}x the file"
    )
    if res["error"]:
        print(f"error: {res['error']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    return 0 if res["status_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
