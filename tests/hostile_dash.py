"""The hostile tests' HTTP client: benchmarks/dash_http.py's browser-like Dash client, plus a log of every
raw response (so a test can check them all for leaks) and the page's signed ``endId`` on every callback
request (as the renderer sends it; Dash binds background job handles to it).

``call`` runs one callback (polling a background one) and returns its ``{component id: {prop: value}}``;
``follow`` runs a page's callbacks like the renderer does (each changed output feeds the callbacks that take
it as an input, background jobs included) and returns everything they updated, merged in order.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: import it from the repository
    sys.path.insert(0, str(ROOT))

from benchmarks.dash_http import ENDPOINT, DashHttp, Transport, cascade, split_outputs  # noqa: E402

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class RecordingSession(requests.Session):
    """A requests session that keeps every raw response (status and bytes) in ``responses``."""

    def __init__(self, responses: list[Reply]) -> None:
        super().__init__()
        self.responses = responses

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().request(method, url, *args, **kwargs)
        self.responses.append(Reply(response.status_code, response.content))
        return response


class PageTransport(Transport):
    """dash_http's transport over a :class:`RecordingSession`, adding the page's ``endId`` to callbacks."""

    def __init__(self, base: str, responses: list[Reply]) -> None:
        super().__init__(RecordingSession(responses), base, timeout=120.0)
        self.end_id = ""

    def request(self, method: str, path: str, body: Any = None, headers: Mapping[str, str] = {}):
        if path.startswith(ENDPOINT) and self.end_id and "endId=" not in path:
            path += ("&" if "?" in path else "?") + urlencode({"endId": self.end_id})
        return super().request(method, path, body, headers)


@dataclass
class DashClient:
    base: str
    responses: list[Reply] = field(default_factory=list)
    http: DashHttp = field(init=False)

    def __post_init__(self) -> None:
        self.http = DashHttp(PageTransport(self.base, self.responses))

    @property
    def end_id(self) -> str:
        return self.http.transport.end_id

    @property
    def deps(self) -> list[dict]:
        return self.http.deps

    def open(self, path: str = "/upload") -> DashClient:
        page = self.get(path)
        assert page.status == 200, page.status
        config = json.loads(_CONFIG.search(page.body.decode())[1])
        self.http.transport.end_id = config.get("end_id", "")
        self.http.load_deps()
        return self

    # ----------------------------------------------------------------------------- raw HTTP
    def get(self, path: str) -> Reply:
        self.http.transport.request("GET", path)
        return self.responses[-1]

    def post(
        self,
        path: str,
        data: Any = None,
        headers: Mapping[str, str] = {},
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        query = f"?{urlencode(params)}" if params else ""
        self.http.transport.request("POST", path + query, data, headers)
        return self.responses[-1]

    def upload(self, name: str, data: bytes) -> Reply:
        self.http.upload(name, data)
        return self.responses[-1]

    # ----------------------------------------------------------------------------- callbacks
    def spec(self, output: str, input: str | None = None) -> dict:
        """The one callback that has ``output`` ("id.prop") among its outputs (and ``input`` as an input)."""
        found = [
            dep
            for dep in self.deps
            if output in _outputs(dep["output"]) and (input is None or input in _inputs(dep))
        ]
        assert len(found) == 1, (output, input, [d["output"] for d in found])
        return found[0]

    def body(self, first_output: str, values: dict[str, Any], changed: list[str] | None = None) -> dict:
        """The renderer's request body for a callback; ``values`` maps "id.prop" to the current value
        (every input counts as changed unless ``changed`` says otherwise)."""
        dep = self.spec(first_output)
        return self.http.payload(dep, values, changed if changed is not None else _inputs(dep))

    def call(
        self,
        first_output: str,
        values: dict[str, Any],
        changed: list[str] | None = None,
        timeout: float = 150,
        input: str | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Run one callback; returns {component id: {property: value}} ({} when nothing was updated)."""
        dep = self.spec(first_output, input)
        reply = self.http.call_dep(dep, values, changed if changed is not None else _inputs(dep), timeout)
        assert reply.status in (200, 204), (reply.status, reply.text[:300])
        return _response(reply.body) if reply.status == 200 else {}

    def follow(
        self, values: dict[str, Any], changed: list[str], page: str, timeout: float = 150
    ) -> dict[str, dict[str, Any]]:
        """Like the renderer on ``page``: run every callback whose input changed (``values`` is updated with
        their outputs, background jobs are polled); returns {component id: {property: value}} of all the
        updates, later ones over earlier ones."""
        replies: dict = {}
        cascade(self.http, values, changed, page, replies, timeout)
        merged: dict[str, dict[str, Any]] = {}
        for reply in replies.values():
            for cid, props in _response(reply.body).items():
                merged.setdefault(cid, {}).update(props)
        return merged

    def raw_call(self, body: Any, params: dict | None = None, raw: bytes | None = None) -> Reply:
        query = params or {"endId": self.end_id}
        data = raw if raw is not None else json.dumps(body).encode()
        return self.post(ENDPOINT, data=data, headers={"Content-Type": "application/json"}, params=query)


def _response(body: Any) -> dict[str, dict[str, Any]]:
    """A callback reply's {component id: {property: value}}, properties without Dash's "@hash" suffix."""
    response = body.get("response") if isinstance(body, dict) else None
    return {
        cid: {prop.split("@", 1)[0]: value for prop, value in props.items()}
        for cid, props in (response or {}).items()
    }


def _inputs(dep: dict) -> list[str]:
    return [f"{i['id']}.{i['property']}" for i in dep["inputs"]]


def _outputs(out: str) -> list[str]:
    """ "..a.b...c.d@hash.." → ["a.b", "c.d"]."""
    return [f"{o['id']}.{o['property'].split('@', 1)[0]}" for o in split_outputs(out)]


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
