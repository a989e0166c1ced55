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
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.dash_http import split_outputs

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
POLL_MS = 500  # the renderer polls a background callback every ``interval`` ms (Dash's default: 500)
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


def _key(spec: dict) -> str:
    return f"{spec['id']}.{spec['property']}"


def _components(node: object, out: dict[str, dict]) -> None:
    """Every component with a string id in a layout tree → its props."""
    if isinstance(node, list):
        for item in node:
            _components(item, out)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                out[props["id"]] = props
            for value in props.values():
                _components(value, out)


class User:
    """One browser session speaking Dash's protocol like the renderer: a layout of known components, their
    prop values, and callbacks fired when an input they depend on changes (background ones polled)."""

    def __init__(self, port: int, deps: list[dict], stats: Stats, measure: bool) -> None:
        self.port = port
        self.deps = [d for d in deps if not d.get("clientside_function")]
        self.stats = stats
        self.measure = measure
        self.cookies: dict[str, str] = {}
        self.end_id: str | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.progress: list[dict] = []  # every progress update the background callbacks sent
        self.values: dict[str, object] = {}  # "id.prop" → value
        self.present: set[str] = set()  # component ids in the current layout
        self.shell: set[str] = set()  # ids of the app shell (navbar, stores), present on every page
        self.status = 0  # HTTP status of the last request
        self.trace: list[str] = []  # one line per callback answer (for error reports)

    @property
    def store(self) -> dict | None:
        value = self.values.get(f"{STORE}.data")
        return value if isinstance(value, dict) else None

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
        self.status = resp.status
        if resp.status == 204:  # PreventUpdate: nothing to change
            return b""
        if resp.status != 200:
            raise WalkError(f"{method} {path.split('?')[0]} → {resp.status}: {data[:200]!r}")
        return data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    # -- layout ------------------------------------------------------------------------------------------
    def add_layout(self, tree: object) -> list[str]:
        """Register the components of a newly rendered (partial) layout and their props; return the ids."""
        found: dict[str, dict] = {}
        _components(tree, found)
        for ident, props in found.items():
            self.present.add(ident)
            for prop, value in props.items():
                if prop not in ("id", "children") or not isinstance(value, dict | list):
                    self.values[f"{ident}.{prop}"] = value
        return list(found)

    def open_page(self, path: str) -> None:
        html = self.request("GET", path).decode()
        marker = '<script id="_dash-config" type="application/json">'
        config = json.loads(html.split(marker)[1].split("</script>")[0])
        self.end_id = config.get("end_id")
        self.shell = set(self.add_layout(json.loads(self.request("GET", "/_dash-layout"))))
        for key in ("_pages_location.pathname", "url.pathname"):  # dcc.Location reads the address bar
            self.values[key] = path
        self.values.setdefault("_pages_location.search", "")

    # -- callbacks ---------------------------------------------------------------------------------------
    def eligible(self, d: dict) -> bool:
        ids = [s["id"] for s in d["inputs"]] + [o["id"] for o in split_outputs(d["output"])]
        return all(i in self.present for i in ids)

    def call(self, d: dict, triggered: list[str]) -> dict:
        """POST one callback (polling a background one); returns {"id.prop": value} it set."""

        def items(specs: list[dict]) -> list[dict]:
            return [{**s, "value": self.values.get(_key(s))} for s in specs]

        outputs = split_outputs(d["output"])
        payload = {
            "output": d["output"],
            "outputs": outputs if d["output"].startswith("..") else outputs[0],
            "inputs": items(d["inputs"]),
            "state": items(d["state"]),
            "changedPropIds": triggered,
        }
        query = f"?endId={self.end_id}" if self.end_id else ""
        headers = {"Content-Type": "application/json"}
        t0 = time.perf_counter()
        raw = self.request("POST", "/_dash-update-component" + query, json.dumps(payload).encode(), headers)
        answer = json.loads(raw or b"{}")
        background = "cacheKey" in answer
        if background:
            poll = payload  # the renderer sends the same body again with the job's handles
            sep = "&" if query else "?"
            url = f"/_dash-update-component{query}{sep}cacheKey={answer['cacheKey']}&job={answer['job']}"
            deadline = time.monotonic() + BACKGROUND_TIMEOUT
            while "response" not in answer:
                if time.monotonic() > deadline:
                    raise WalkError(f"background {d['output'][:60]} did not finish")
                time.sleep(((d.get("background") or {}).get("interval") or POLL_MS) / 1000)
                raw = self.request("POST", url, json.dumps(poll).encode(), headers)
                if not raw:
                    self.note(d, "poll → 204 (no update)")
                    return {}  # no update (e.g. cancelled)
                answer = json.loads(raw)
                if answer.get("progress"):
                    self.progress.append(answer["progress"])
            if "background_callback_error" in json.dumps(answer)[:4000]:
                raise WalkError(f"background {d['output'][:60]} failed")
        if self.measure:
            self.stats.add(
                **({"bg": time.perf_counter() - t0} if background else {"page": time.perf_counter() - t0})
            )
        self.note(d, f"{self.status} {sorted(answer.get('response') or {})}")
        changed = {}
        for ident, props in (answer.get("response") or {}).items():
            for prop, value in props.items():
                changed[f"{ident}.{prop}"] = value
        return changed

    def note(self, d: dict, what: str) -> None:
        """Remember one callback answer (the last ones go into an error's message)."""
        self.trace.append(f"{d['output'][:48]}: {what}"[:200])

    def settle(self, changed: list[str], initial: set[str] | None = None, limit: int = 80) -> None:
        """Fire callbacks like the renderer until nothing changes: those with a changed input, and (for new
        components ``initial``) those not marked prevent_initial_call."""
        queue = [
            (d, [c]) for c in changed for d in self.deps if self.eligible(d) and c in map(_key, d["inputs"])
        ]
        if initial:
            for d in self.deps:
                if (
                    not d.get("prevent_initial_call")
                    and self.eligible(d)
                    and any(s["id"] in initial for s in d["inputs"])
                ):
                    queue.append((d, []))
        seen_outputs: set[str] = set()
        while queue:
            limit -= 1
            if limit < 0:
                raise WalkError("too many chained callbacks")
            d, triggered = queue.pop(0)
            if not self.eligible(d):
                continue
            updates = self.call(d, triggered)
            new_ids: set[str] = set()
            for key, value in updates.items():
                ident, prop = key.rsplit(".", 1)
                if ident == "_pages_content":  # another page: its components replace the old page's
                    self.present = set(self.shell)
                if prop == "children":
                    new_ids |= set(self.add_layout(value))
                if self.values.get(key) == value and key in seen_outputs:
                    continue
                self.values[key] = value
                seen_outputs.add(key)
                queue += [(n, [key]) for n in self.deps if key in map(_key, n["inputs"]) and n is not d]
            if new_ids:
                queue += [
                    (n, [])
                    for n in self.deps
                    if not n.get("prevent_initial_call") and any(s["id"] in new_ids for s in n["inputs"])
                ]

    def click(self, ident: str) -> None:
        key = f"{ident}.n_clicks"
        self.values[key] = int(self.values.get(key) or 0) + 1
        self.settle([key])

    def navigate(self, page: str) -> None:
        for key in ("_pages_location.pathname", "url.pathname"):
            self.values[key] = f"/{page}"
        self.settle(["_pages_location.pathname", "url.pathname"])

    # -- the walk ----------------------------------------------------------------------------------------
    def walk(self) -> None:
        self.open_page("/upload")
        # dcc.Location sets its pathname when it mounts: that change renders the page
        self.settle(["_pages_location.pathname", "url.pathname"], initial=set(self.present))
        self.click("upload-sample")
        if not (self.store and self.store.get("handle")):
            raise WalkError("the sample did not load")
        for page in ("eda", "preprocess", "cluster"):
            self.navigate(page)
        self.click("cluster-run")
        if not self.store.get("k"):
            raise WalkError("the clustering run did not finish")
        for page in ("evaluate", "insights"):
            self.navigate(page)
        href = self.values.get("insights-download-csv.href")
        if not isinstance(href, str) or not href.startswith("/download/"):
            raise WalkError(f"no download link on Insights; last answers: {self.trace[-4:]}")
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
                    stats.errors.append(f"{type(err).__name__}: {err}"[:900])
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
        "load_average_1min": round(os.getloadavg()[0], 2),  # the host's load at the end (shared machine?)
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
            f"p50 {result['background_p50_ms']} ms, p95 {result['background_p95_ms']} ms; "
            f"load average {result['load_average_1min']}",
            flush=True,
        )
        for err in result["first_errors"]:
            print(f"  error: {err}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
