"""Drive the app over HTTP the way its browser page does: POST /api/upload, then the Dash callbacks.

A callback is found in ``/_dash-dependencies`` by an output (and optionally an input) ``"id.prop"``; its
request body is built from a dict of component values (``{"session-store.data": {...}, ...}``), exactly the
JSON the Dash renderer sends. Background callbacks are polled with the signed ``cacheKey``/``job`` the
server returns, like the renderer does. Used by benchmarks/soak.py and the isolation/fault tests, with a
``requests.Session`` (real server) or a Flask test client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

ENDPOINT = "/_dash-update-component"


@dataclass
class Reply:
    """One callback's answer: HTTP status, the JSON body (None if not JSON) and the raw text."""

    status: int
    body: Any
    text: str
    polls: int = 0

    def outputs(self) -> dict[str, Any]:
        """{"id.prop": value} of the props the server updated (prop without Dash's "@hash" suffix)."""
        out: dict[str, Any] = {}
        response = (self.body or {}).get("response") if isinstance(self.body, dict) else None
        for cid, props in (response or {}).items():
            for prop, value in props.items():
                out[f"{cid}.{prop.split('@')[0]}"] = value
        return out


class Transport:
    """requests.Session against ``base_url``, or a Flask test client (base_url "")."""

    def __init__(self, client: Any, base_url: str = "", timeout: float = 60.0) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.flask = not base_url
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}):
        if self.flask:
            resp = self.client.open(path, method=method, data=body, headers=dict(headers))
            return resp.status_code, resp.get_data(as_text=True)
        import requests

        for attempt in (1, 2):
            try:
                resp = self.client.request(
                    method,
                    self.base_url + path,
                    data=body,
                    headers=dict(headers),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                return resp.status_code, resp.text
            except requests.ConnectionError:
                # a kept-alive connection the server closed just as we reused it: browsers resend such a
                # request once on a new connection; so do we (counted in ``reconnects``)
                if attempt == 2:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def split_outputs(output: str) -> list[dict[str, str]]:
    """Dash's output string ("..a.b...c.d.." or "a.b") → [{"id", "property"}]."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


@dataclass
class DashHttp:
    """One browser session's view of the app: its cookie jar (in ``transport``) and the callback graph."""

    transport: Transport
    deps: list[dict] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, str]:
        return self.transport.request("GET", path)

    def load_deps(self) -> list[dict]:
        status, text = self.get("/_dash-dependencies")
        assert status == 200, (status, text[:300])
        self.deps = json.loads(text)
        return self.deps

    def find(self, output: str, input: str | None = None) -> dict:
        """The callback whose output string contains ``output`` (and whose inputs contain ``input``)."""
        deps = self.deps or self.load_deps()
        for dep in deps:
            ins = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
            if output in dep["output"] and (input is None or input in ins):
                return dep
        raise LookupError(f"no callback with output {output!r} and input {input!r}")

    def upload(self, name: str, data: bytes) -> tuple[int, dict]:
        """POST /api/upload like upload.js (raw body, X-Filename) → (status, JSON)."""
        headers = {"Content-Type": "application/octet-stream", "X-Filename": quote(name)}
        status, text = self.transport.request("POST", "/api/upload", data, headers)
        return status, _parse(text) or {}

    def payload(self, dep: dict, values: Mapping[str, Any], changed: list[str] | None = None) -> dict:
        """The JSON body the renderer sends for ``dep`` with component ``values`` ("id.prop" → value)."""

        def item(spec: dict) -> dict:
            key = f"{spec['id']}.{spec['property']}"
            return {"id": spec["id"], "property": spec["property"], "value": values.get(key)}

        outputs = split_outputs(dep["output"])
        inputs = [item(i) for i in dep["inputs"]]
        first = [f"{i['id']}.{i['property']}" for i in inputs[:1]]
        return {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": inputs,
            "state": [item(s) for s in dep["state"]],
            "changedPropIds": changed if changed is not None else first,
        }

    def post(self, body: dict, query: Mapping[str, str] | None = None) -> Reply:
        path = ENDPOINT + (f"?{urlencode(query)}" if query else "")
        status, text = self.transport.request(
            "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        return Reply(status, _parse(text), text)

    def call(
        self,
        output: str,
        values: Mapping[str, Any],
        input: str | None = None,
        changed: list[str] | None = None,
        timeout: float = 120.0,
    ) -> Reply:
        """Run one callback (polling a background one until it answers) and return its reply."""
        return self.call_dep(self.find(output, input), values, changed, timeout)

    def call_dep(
        self, dep: dict, values: Mapping[str, Any], changed: list[str] | None = None, timeout: float = 120.0
    ) -> Reply:
        body = self.payload(dep, values, changed)
        reply = self.post(body)
        if not (isinstance(reply.body, dict) and "cacheKey" in reply.body):
            return reply
        return self.poll(body, reply.body, timeout)

    def poll(self, body: dict, handles: dict, timeout: float = 120.0) -> Reply:
        """Poll a started background callback until it answers (result, error status or cancelled)."""
        query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            reply = self.post(body, query)
            polls += 1
            reply.polls = polls
            done = reply.status != 200 or not isinstance(reply.body, dict) or "response" in reply.body
            if done:
                return reply
            if time.monotonic() > deadline:
                raise TimeoutError(f"background callback {body['output']} did not finish in {timeout:.0f}s")
            time.sleep(0.25)


def job_pid(handles: dict) -> int:
    """The process id in a signed embedded-mode job handle ("1234~<signature>")."""
    return int(str(handles["job"]).split("~", 1)[0])


def absorb(values: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """Apply a reply's outputs to the page's component values (like the renderer does); return values."""
    values.update(reply.outputs())
    return values


@dataclass
class Flow:
    """What one session saw walking upload → cluster → evaluate → insights over HTTP."""

    values: dict[str, Any]
    replies: dict[str, Reply]
    upload: dict

    def reply(self, prop: str) -> Reply:
        """The last reply that updated ``prop`` ("id.prop")."""
        for reply in reversed(list(self.replies.values())):
            if prop in reply.outputs():
                return reply
        raise KeyError(f"no reply updated {prop}")


#: the components of each page (and the shell) whose callbacks the page's renderer runs
PAGE_IDS = {
    "upload": ("upload-", "session-store", "nav-", "url"),
    "cluster": ("cluster-", "session-store", "nav-", "url"),
    "evaluate": ("evaluate-", "session-store", "nav-", "url"),
    "insights": ("insights-", "session-store", "nav-", "url"),
}


def _ids(dep: dict) -> list[str]:
    return [x["id"] for x in dep["inputs"] + dep["state"]] + [o["id"] for o in split_outputs(dep["output"])]


def cascade(
    client: DashHttp,
    values: dict[str, Any],
    changed: list[str],
    page: str,
    replies: dict[str, Reply],
    timeout: float = 120.0,
    max_calls: int = 60,
) -> None:
    """Like the renderer: run every callback of ``page`` whose input changed, apply its outputs, repeat."""
    deps = client.deps or client.load_deps()
    prefixes = PAGE_IDS[page]
    queue = list(changed)
    calls = 0
    while queue:
        prop = queue.pop(0)
        for dep in deps:
            inputs = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
            if prop not in inputs or not all(i.startswith(prefixes) for i in _ids(dep)):
                continue
            calls += 1
            if calls > max_calls:
                raise AssertionError(f"more than {max_calls} callbacks after {changed}: a loop?")
            reply = client.call_dep(dep, values, changed=[prop], timeout=timeout)
            replies[f"{len(replies):03d} {dep['output']}"] = reply
            if reply.status not in (200, 204):
                raise AssertionError(f"{dep['output']}: HTTP {reply.status}: {reply.text[:300]}")
            for key, value in reply.outputs().items():
                if values.get(key) != value:
                    values[key] = value
                    queue.append(key)


def walk(client: DashHttp, name: str, data: bytes, k: int = 3, timeout: float = 120.0) -> Flow:
    """Upload ``data`` and click through the pages like the browser: every reply is kept in order."""
    replies: dict[str, Reply] = {}
    status, result = client.upload(name, data)
    if status != 200 or "handle" not in result:
        raise AssertionError(f"upload failed: {status} {result}")
    values: dict[str, Any] = {"upload-result.data": result, "url.pathname": "/upload"}
    cascade(client, values, ["upload-result.data"], "upload", replies, timeout)
    for page in ("cluster",):
        values[f"{page}-init.data"] = 1
        values["url.pathname"] = f"/{page}"
        cascade(client, values, [f"{page}-init.data"], page, replies, timeout)
    values["cluster-k.value"] = k
    values["cluster-run.n_clicks"] = 1
    cascade(client, values, ["cluster-run.n_clicks"], "cluster", replies, timeout)
    for page in ("evaluate", "insights"):
        values[f"{page}-init.data"] = 1
        values["url.pathname"] = f"/{page}"
        cascade(client, values, [f"{page}-init.data"], page, replies, timeout)
    return Flow(values, replies, result)
