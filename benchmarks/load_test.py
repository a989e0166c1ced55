"""Bounded load test on loopback: N simulated users walk the whole flow on the sample dataset.

Each user is a thread with its own cookie jar speaking Dash's HTTP protocol like the browser does: the page
callbacks of Upload → EDA → Preprocess → Cluster → Evaluate → Insights, background callbacks included (start,
then poll with the signed job handles), then the labelled CSV. A warm-up walk fills the caches first, so the
measured walks are what a team sees on results that were already computed.

    .venv/bin/python -m benchmarks.load_test                 # embedded and Redis mode, 20 users, 60 s each
    .venv/bin/python -m benchmarks.load_test --modes embedded --users 5 --seconds 10

Servers (gunicorn with 2 workers; redis-server and a Celery worker for Redis mode) are started on free
loopback ports and stopped by pid. Reports requests per second, errors, and p50/p95 latency of the cached
page callbacks (plain callbacks that render a page from the session store) and of background cycles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from server_utils import (  # noqa: E402
    celery_worker,
    redis_server,
    redis_url,
    start_gunicorn,
    stop,
    wait_ready,
)

STORE = "session-store"
POLL_SECONDS = 1.0  # the renderer polls a background callback every second
BACKGROUND_TIMEOUT = 240.0


class WalkError(Exception):
    """A request of the walk failed (counted as an error)."""


@dataclass
class Stats:
    """Shared by all user threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    page_callbacks: list[float] = field(default_factory=list)  # seconds, cached plain page callbacks
    background: list[float] = field(default_factory=list)  # seconds, start → result of background callbacks
    walks: int = 0

    def add(self, n_requests: int = 0, page: float | None = None, bg: float | None = None) -> None:
        with self.lock:
            self.requests += n_requests
            if page is not None:
                self.page_callbacks.append(page)
            if bg is not None:
                self.background.append(bg)


def _split_output(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append({"id": ident, "property": prop.split("@", 1)[0]})
    return out


class User:
    """One browser session: cookies, the Dash config's end_id, the session store."""

    def __init__(self, port: int, deps: list[dict], stats: Stats, measure: bool) -> None:
        self.port = port
        self.deps = deps
        self.stats = stats
        self.measure = measure
        self.cookies: dict[str, str] = {}
        self.end_id: str | None = None
        self.store: dict | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.progress: list[dict] = []  # every progress update the background callbacks sent

    # -- HTTP --------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None  # keep-alive connection closed by the server: reconnect once
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.stats.add(n_requests=1)
        if resp.status == 204:  # PreventUpdate: nothing to change
            return b""
        if resp.status != 200:
            raise WalkError(f"{method} {path.split('?')[0]} → {resp.status}: {data[:200]!r}")
        return data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    # -- Dash protocol -----------------------------------------------------------------------------------
    def dep(self, output_part: str, trigger: str | None = None) -> dict:
        """The callback whose output contains ``output_part`` (and that ``trigger`` is an input of)."""
        for d in self.deps:
            inputs = {f"{i['id']}.{i['property']}" for i in d["inputs"]}
            if output_part in d["output"] and (trigger is None or trigger in inputs):
                return d
        raise KeyError(output_part)

    def open_page(self, path: str) -> None:
        html = self.request("GET", path).decode()
        config = json.loads(
            html.split('<script id="_dash-config" type="application/json">')[1].split("</script>")[0]
        )
        self.end_id = config.get("end_id")

    def callback(self, output_part: str, values: dict[str, object], triggered: list[str]) -> dict:
        """Call the callback whose output contains ``output_part``; returns {id: {prop: value}}."""
        d = self.dep(output_part, triggered[0] if triggered else None)

        def items(specs: list[dict]) -> list[dict]:
            out = []
            for s in specs:
                key = f"{s['id']}.{s['property']}"
                value = self.store if key == f"{STORE}.data" and key not in values else values.get(key)
                out.append({"id": s["id"], "property": s["property"], "value": value})
            return out

        outputs = _split_output(d["output"])
        payload = {
            "output": d["output"],
            "outputs": outputs if d["output"].startswith("..") else outputs[0],
            "inputs": items(d["inputs"]),
            "state": items(d["state"]),
            "changedPropIds": triggered,
        }
        body = json.dumps(payload).encode()
        query = f"?endId={self.end_id}" if self.end_id else ""
        headers = {"Content-Type": "application/json"}
        t0 = time.perf_counter()
        answer = json.loads(self.request("POST", "/_dash-update-component" + query, body, headers) or b"{}")
        if d.get("background") and "cacheKey" in answer:
            poll = dict(payload)
            poll["inputs"] = [{**i, "value": None} for i in payload["inputs"]]
            poll["state"] = [{**s, "value": None} for s in payload["state"]]
            sep = "&" if query else "?"
            url = f"/_dash-update-component{query}{sep}cacheKey={answer['cacheKey']}&job={answer['job']}"
            deadline = time.monotonic() + BACKGROUND_TIMEOUT
            while "response" not in answer:
                if time.monotonic() > deadline:
                    raise WalkError(f"background {output_part} did not finish")
                time.sleep(POLL_SECONDS)
                answer = json.loads(self.request("POST", url, json.dumps(poll).encode(), headers) or b"{}")
                if answer.get("progress"):
                    self.progress.append(answer["progress"])
            if self.measure:
                self.stats.add(bg=time.perf_counter() - t0)
        elif self.measure:
            self.stats.add(page=time.perf_counter() - t0)
        response = answer.get("response", {})
        if not d["output"].startswith(".."):  # single output: {"props": ...} keyed by its id
            response = (
                {outputs[0]["id"]: response.get("props", response)} if "props" in response else response
            )
        if "background_callback_error" in json.dumps(answer)[:2000]:
            raise WalkError(f"background {output_part} failed")
        new_store = response.get(STORE, {}).get("data")
        if isinstance(new_store, dict):
            self.store = new_store
        return response

    # -- the walk ----------------------------------------------------------------------------------------
    def navigate(self, page: str) -> None:
        values = {"_pages_location.pathname": f"/{page}", "_pages_location.search": ""}
        self.callback("_pages_content.children", values, ["_pages_location.pathname"])
        self.callback("nav-steps.children", {"url.pathname": f"/{page}"}, ["url.pathname"])

    def walk(self) -> None:
        self.open_page("/upload")
        self.navigate("upload")
        result = self.callback(
            "upload-result.data", {"upload-sample.n_clicks": 1}, ["upload-sample.n_clicks"]
        )
        upload = result["upload-result"]["data"]
        self.callback(
            f"{STORE}.data@", {"upload-result.data": upload, f"{STORE}.data": None}, ["upload-result.data"]
        )
        assert self.store and self.store.get("handle"), "the sample did not load"
        self.callback("upload-summary.children", {}, [f"{STORE}.data"])

        for page in ("eda", "preprocess"):
            self.navigate(page)
            self.callback(f"{page}-content.children", {}, [f"{STORE}.data"])

        self.navigate("cluster")
        guide = self.callback("cluster-guide.children", {"cluster-init.data": True}, [f"{STORE}.data"])
        sweep_key = guide.get("cluster-sweep-key", {}).get("data")
        sweep = self.callback(
            "cluster-sweep-graph.figure", {"cluster-sweep-key.data": sweep_key}, ["cluster-sweep-key.data"]
        )
        k = sweep.get("cluster-k", {}).get("value")
        self.callback(
            "cluster-projection.figure",
            {"cluster-run.n_clicks": 1, "cluster-show-k.data": None, "cluster-k.value": k},
            ["cluster-run.n_clicks"],
        )
        assert self.store.get("k") == k, "the run did not store k"

        for page in ("evaluate", "insights"):
            self.navigate(page)
            guide = self.callback(f"{page}-guide.children", {f"{page}-init.data": True}, [f"{STORE}.data"])
            key = guide.get(f"{page}-key", {}).get("data")
            content = self.callback(f"{page}-content.style", {f"{page}-key.data": key}, [f"{page}-key.data"])
        href = content.get("insights-download-csv", {}).get("href")
        if not href:
            raise WalkError("no download link on Insights")
        self.request("GET", href)


def _deps(port: int) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/_dash-dependencies")
    return json.loads(conn.getresponse().read())


def run_users(port: int, users: int, seconds: float) -> Stats:
    """Warm-up walk, then ``users`` threads walking repeatedly for ``seconds``."""
    deps = _deps(port)
    warm = User(port, deps, Stats(), measure=False)
    warm.walk()
    warm.close()
    stats = Stats()
    stop_at = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < stop_at:
            user = User(port, deps, stats, measure=True)
            try:
                user.walk()
                with stats.lock:
                    stats.walks += 1
            except Exception as err:  # every failure is an error of the run
                with stats.lock:
                    stats.errors.append(f"{type(err).__name__}: {err}"[:300])
            finally:
                user.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(users)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + BACKGROUND_TIMEOUT + 60)
    stats.elapsed = time.monotonic() - t0  # type: ignore[attr-defined]
    return stats


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def report(mode: str, stats: Stats) -> dict:
    elapsed = getattr(stats, "elapsed", 0.0) or 1.0
    out = {
        "mode": mode,
        "walks": stats.walks,
        "requests": stats.requests,
        "errors": len(stats.errors),
        "requests_per_second": round(stats.requests / elapsed, 1),
        "page_callback_p50_ms": round(_pct(stats.page_callbacks, 50), 1),
        "page_callback_p95_ms": round(_pct(stats.page_callbacks, 95), 1),
        "background_p50_ms": round(_pct(stats.background, 50), 1),
        "background_p95_ms": round(_pct(stats.background, 95), 1),
        "first_errors": stats.errors[:3],
    }
    return out


def run_mode(mode: str, users: int, seconds: float, workers: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"socialdash-load-{mode}-"))
    env = {"SOCIALDASH_ACCESS_LOG": "off"}
    if mode == "embedded":
        web = start_gunicorn(root, workers=workers, env=env)
        try:
            wait_ready(web, workers, timeout=120)
            return report(mode, run_users(web.port, users, seconds))
        finally:
            stop(web)
    with redis_server(root) as redis:
        env["SOCIALDASH_REDIS_URL"] = redis_url(redis)
        web = start_gunicorn(root, workers=workers, env=env)
        try:
            with celery_worker(root, env, timeout=120, concurrency=2):
                wait_ready(web, workers, timeout=120)
                return report(mode, run_users(web.port, users, seconds))
        finally:
            stop(web)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="embedded,redis", help="embedded, redis or both (comma-separated)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    results = []
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        result = run_mode(mode, args.users, args.seconds, args.workers)
        results.append(result)
        print(
            f"{mode:9} {args.users} users × {args.seconds:.0f} s, {args.workers} workers: "
            f"{result['walks']} walks, {result['requests']} requests ({result['requests_per_second']}/s), "
            f"{result['errors']} errors; cached page callbacks p50 {result['page_callback_p50_ms']} ms, "
            f"p95 {result['page_callback_p95_ms']} ms; background cycles "
            f"p50 {result['background_p50_ms']} ms, p95 {result['background_p95_ms']} ms",
            flush=True,
        )
        for err in result["first_errors"]:
            print(f"  error: {err}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
