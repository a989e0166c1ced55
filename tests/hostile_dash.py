"""A tiny HTTP client that calls Dash callbacks the way the browser's renderer does (for server tests).

It reads the page's signed ``end_id`` and ``/_dash-dependencies``, POSTs ``/_dash-update-component`` with
the same body the renderer sends, and follows background callbacks (``cacheKey``/``job`` polling). Every
raw response is kept in ``responses`` so a test can check them all for leaks.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class DashClient:
    base: str
    session: requests.Session = field(default_factory=requests.Session)
    responses: list[Reply] = field(default_factory=list)
    end_id: str = ""
    deps: list[dict] = field(default_factory=list)

    def open(self, path: str = "/upload") -> DashClient:
        page = self.get(path)
        assert page.status == 200, page.status
        config = json.loads(_CONFIG.search(page.body.decode())[1])
        self.end_id = config.get("end_id", "")
        self.deps = self.get("/_dash-dependencies").json()
        return self

    # ----------------------------------------------------------------------------- raw HTTP
    def get(self, path: str, **kw: Any) -> Reply:
        r = self.session.get(self.base + path, timeout=60, **kw)
        reply = Reply(r.status_code, r.content)
        self.responses.append(reply)
        return reply

    def post(self, path: str, **kw: Any) -> Reply:
        r = self.session.post(self.base + path, timeout=120, **kw)
        reply = Reply(r.status_code, r.content)
        self.responses.append(reply)
        return reply

    def upload(self, name: str, data: bytes) -> Reply:
        headers = {"Content-Type": "application/octet-stream", "X-Filename": quote(name)}
        return self.post("/api/upload", data=data, headers=headers)

    # ----------------------------------------------------------------------------- callbacks
    def spec(self, output: str) -> dict:
        """The one callback that has ``output`` ("id.prop") among its outputs."""
        found = [dep for dep in self.deps if output in _outputs(dep["output"])]
        assert len(found) == 1, (output, [d["output"] for d in found])
        return found[0]

    def body(self, first_output: str, values: dict[str, Any], changed: list[str] | None = None) -> dict:
        """The renderer's request body for a callback; ``values`` maps "id.prop" to the current value."""
        dep = self.spec(first_output)
        out = dep["output"]
        parts = out[2:-2].split("...") if out.startswith("..") else [out]
        outputs = []
        for part in parts:
            cid, prop = part.rsplit(".", 1)
            outputs.append({"id": cid, "property": prop})

        def items(kind: str) -> list[dict]:
            rows = []
            for d in dep.get(kind, []):
                key = f"{d['id']}.{d['property']}"
                rows.append({"id": d["id"], "property": d["property"], "value": values.get(key)})
            return rows

        inputs = items("inputs")
        return {
            "output": out,
            "outputs": outputs if out.startswith("..") else outputs[0],
            "inputs": inputs,
            "state": items("state"),
            "changedPropIds": changed if changed is not None
            else [f"{i['id']}.{i['property']}" for i in inputs],
        }

    def call(self, first_output: str, values: dict[str, Any], changed: list[str] | None = None,
             timeout: float = 150) -> dict[str, dict[str, Any]]:
        """Run one callback; returns {component id: {property: value}} ({} when nothing was updated)."""
        body = self.body(first_output, values, changed)
        reply = self.raw_call(body)
        data = reply.json() or {}
        if "cacheKey" in data:  # a background callback: poll like the renderer until the job is done
            params = {"cacheKey": data["cacheKey"], "job": data["job"], "endId": self.end_id}
            deadline = time.monotonic() + timeout
            while True:
                reply = self.raw_call(body, params)
                data = reply.json() or {}
                if reply.status == 204 or "response" in data or "sideUpdate" in data:
                    break
                assert time.monotonic() < deadline, f"background callback {first_output} timed out"
                time.sleep(0.3)
        if reply.status == 204:
            return {}
        assert reply.status == 200, (reply.status, reply.body[:300])
        return data.get("response", {})

    def raw_call(self, body: Any, params: dict | None = None, raw: bytes | None = None) -> Reply:
        query = params or {"endId": self.end_id}
        headers = {"Content-Type": "application/json"}
        data = raw if raw is not None else json.dumps(body).encode()
        return self.post("/_dash-update-component", params=query, data=data, headers=headers)


def _outputs(out: str) -> list[str]:
    """ "..a.b...c.d@hash.." → ["a.b", "c.d"]."""
    parts = out[2:-2].split("...") if out.startswith("..") else [out]
    return [p.split("@", 1)[0] for p in parts]


def texts(node: Any) -> list[str]:
    """Every string in a component tree / figure (JSON), in order."""
    out: list[str] = []
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for value in node.values():
            out.extend(texts(value))
    elif isinstance(node, list | tuple):
        for value in node:
            out.extend(texts(value))
    return out


def joined(node: Any) -> str:
    return " ".join(texts(node))
