"""Soak: N concurrent users against gunicorn (2 workers, embedded mode) on loopback, for a bounded time.

Each user is a thread with its own cookie jar (requests.Session). It uploads its own generated export (its
own column names and category values) through POST /api/upload and walks the pages through the same
/_dash-update-component calls the browser makes (store, summary, navbar, cluster keys, k sweep, run,
evaluate, insights), with a k that changes every round so that the fits are real, again and again until
the time is up. Every reply is checked: HTTP 200/204, the summary shows the user's own rows, columns and
column names, and no reply ever contains another user's marker. Worker RSS is sampled every 2 s.

    python -m benchmarks.soak [--users 10] [--seconds 120] [--rows 2000] [--json OUT.json]

Prints one JSON object: errors (must be 0), leaks (must be 0), walks, requests, requests per second,
per-user walks, and worker RSS over time (first, last, max per worker).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from isolation_support import posts_csv  # noqa: E402
from server_utils import gunicorn_server  # noqa: E402

from benchmarks.dash_http import DashHttp, Transport, walk  # noqa: E402

MAX_SECONDS = 900


class Counting(requests.Session):
    """A session that counts its requests (shared counter)."""

    def __init__(self, counter: Counter, lock: threading.Lock) -> None:
        super().__init__()
        self._counter, self._lock = counter, lock

    def request(self, *args, **kwargs):
        with self._lock:
            self._counter["requests"] += 1
        return super().request(*args, **kwargs)


def user_loop(i: int, url: str, markers: list[str], rows: int, stop_at: float, out: dict, lock, counter):
    marker = markers[i]
    data = posts_csv(rows + 37 * i, marker, seed=100 + i)  # different bytes, rows and names per user
    n_rows = rows + 37 * i
    client = DashHttp(Transport(Counting(counter, lock), url, timeout=120))
    others = [m for m in markers if m != marker]
    walks = 0
    while time.monotonic() < stop_at:
        k = 2 + (walks + i) % 5
        try:
            flow = walk(client, f"{marker}.csv", data, k=k, timeout=240)
            problems = check(flow, marker, others, n_rows, k)
        except Exception as err:  # an error is a finding: count it, keep going
            problems = [f"{type(err).__name__}: {str(err)[:200]}"]
        with lock:
            out["reconnects"] += client.transport.reconnects
            client.transport.reconnects = 0
            if problems:
                out["errors"].append({"user": i, "walk": walks, "problems": problems})
            out["walks"][i] = walks = walks + 1


def check(flow, marker: str, others: list[str], n_rows: int, k: int) -> list[str]:
    problems = []
    for name, reply in flow.replies.items():
        if reply.status not in (200, 204):
            problems.append(f"{name}: HTTP {reply.status}")
        text = reply.text.lower()
        leaked = [m for m in others if m in text]
        if leaked:
            problems.append(f"{name}: LEAK of {leaked}")
    summary = flow.reply("upload-summary.children").text
    if f"{n_rows:,} rows" not in summary or "6 columns" not in summary or f"likes_{marker}" not in summary:
        problems.append("summary does not show the user's own rows/columns/names")
    if f"Done: {k} clusters on" not in flow.reply("cluster-status.children").text:
        problems.append("run did not finish with the chosen k")
    if flow.upload.get("rows") != n_rows:
        problems.append(f"upload reported {flow.upload.get('rows')} rows, not {n_rows}")
    return problems


def sample_rss(master_pid: int, stop: threading.Event, series: dict) -> None:
    t0 = time.monotonic()
    while not stop.is_set():
        try:
            for child in psutil.Process(master_pid).children():
                rss = child.memory_info().rss / 2**20
                series.setdefault(child.pid, []).append((round(time.monotonic() - t0, 1), round(rss, 1)))
        except psutil.Error:
            pass
        stop.wait(2.0)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--dir", type=Path, help="keep the server's data, cache and logs here (default: temp)"
    )
    args = parser.parse_args(argv)
    seconds = min(args.seconds, MAX_SECONDS)
    markers = [f"zq{chr(97 + i % 26)}{i:02d}user" for i in range(args.users)]
    out: dict = {"errors": [], "walks": [0] * args.users, "reconnects": 0}
    lock, counter = threading.Lock(), Counter()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        with gunicorn_server(root, workers=args.workers, timeout=120) as web:
            master = psutil.Process(web.pid).children()[0].pid  # timeout → gunicorn master
            series: dict[int, list] = {}
            stop = threading.Event()
            sampler = threading.Thread(target=sample_rss, args=(master, stop, series), daemon=True)
            sampler.start()
            t0 = time.monotonic()
            stop_at = t0 + seconds
            threads = [
                threading.Thread(
                    target=user_loop, args=(i, web.url, markers, args.rows, stop_at, out, lock, counter)
                )
                for i in range(args.users)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=seconds + 600)
            elapsed = time.monotonic() - t0
            stop.set()
            sampler.join(5)
            statuses = Counter(line["status"] for line in web.access_lines())
            pids = sorted(web.worker_pids())
    result = {
        "users": args.users,
        "workers": args.workers,
        "seconds": round(elapsed, 1),
        "walks": sum(out["walks"]),
        "walks_per_user": out["walks"],
        "requests": counter["requests"],
        "requests_per_second": round(counter["requests"] / elapsed, 1),
        "errors": len(out["errors"]),
        "keepalive_resends": out["reconnects"],
        "leaks": sum(1 for e in out["errors"] if any("LEAK" in p for p in e["problems"])),
        "error_samples": out["errors"][:5],
        "http_statuses": dict(statuses),
        "worker_pids_that_answered": pids,
        "worker_rss_mb": {
            str(pid): {"first": s[0][1], "last": s[-1][1], "max": max(v for _, v in s), "samples": len(s)}
            for pid, s in series.items()
            if s
        },
        "worker_rss_series_mb": {str(pid): s for pid, s in series.items()},
    }
    summary = {k: v for k, v in result.items() if k != "worker_rss_series_mb"}
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    res = main()
    raise SystemExit(0 if res["errors"] == 0 else 1)
