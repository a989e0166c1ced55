"""Rendered page views kept in the shared cache: a revisit (a new page load, on any worker) sends the stored
components instead of building the figures again.

A view is keyed by the page, the dataset's SHA-256 and the choices it shows (never by session: it holds only
what the dataset itself gives, so two sessions with the same file may share it), plus a digest of the code
that draws it, so a new version never serves an old picture. Figures are stored as plain dicts: unpickling
a plotly ``Figure`` re-validates it (~30 ms each), a dict costs nothing.

A page may instead keep its view as the JSON Dash sends for each output (``remembered(..., sent=True)``, a
:class:`SentView`). A revisit then neither unpickles a component tree nor has Dash's encoder walk it (that
walk was 3–5 ms of a 4–9 ms Evaluate/Insights revisit): each output goes back as an ``orjson.Fragment``,
which Dash's orjson encoder copies into the response as it is, so the browser receives the same bytes. When
Dash does not encode with orjson (plotly's JSON engine set to "json"), the outputs are decoded to plain data.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dash
import orjson
import plotly
import plotly.graph_objects as go
from dash.development.base_component import Component
from plotly.io.json import config as json_config
from plotly.io.json import to_json_plotly

from socialdash import caching

log = logging.getLogger(__name__)
T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parents[1]


def _code_digest() -> str:
    """Digest of the code that draws the views (components and page callbacks) and the library versions."""
    digest = hashlib.sha256(f"{dash.__version__}|{plotly.__version__}".encode())
    for folder in ("components", "callbacks"):
        for path in sorted((_PACKAGE / folder).glob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_DIGEST = _code_digest()


def plain_figures(node: T) -> T:
    """``node`` with every plotly Figure inside it (a component prop, a list item) replaced by its dict, in
    place; a Figure given directly comes back as a dict."""
    if isinstance(node, go.Figure):
        return node.to_plotly_json()  # type: ignore[return-value]
    if isinstance(node, Component):
        for name, value in list(vars(node).items()):
            if isinstance(value, go.Figure):
                setattr(node, name, value.to_plotly_json())
            elif isinstance(value, Component | list | tuple):
                plain_figures(value)
    elif isinstance(node, list):
        node[:] = [plain_figures(item) for item in node]
    elif isinstance(node, tuple):
        return tuple(plain_figures(item) for item in node)  # type: ignore[return-value]
    return node


@dataclass(frozen=True)
class SentView:
    """A view stored as the JSON Dash sends for each of its outputs (UTF-8, one entry per output)."""

    parts: tuple[bytes, ...]

    @classmethod
    def of(cls, outputs: Any) -> SentView:
        """Each output serialised once, with Dash's own encoder (components, figures, numpy arrays)."""
        return cls(tuple(to_json_plotly(output).encode() for output in outputs))

    def outputs(self) -> list[Any]:
        """The outputs to return from the callback: Dash sends each exactly as stored."""
        if json_config.default_engine in ("auto", "orjson"):  # auto: orjson, a dependency, is installed
            return [orjson.Fragment(part) for part in self.parts]
        return [json.loads(part) for part in self.parts]  # the "json" engine cannot embed stored JSON


def view_key(page: str, sha: str, key: str) -> str:
    digest = hashlib.sha256(f"{CODE_DIGEST}|{sha}|{key}".encode()).hexdigest()[:40]
    return f"view:{page}:{digest}"


def remembered(page: str, sha: str, key: str, build: Callable[[], Any], *, sent: bool = False) -> Any:
    """What ``build()`` returns for this page, dataset and choices: from the shared cache when it is there,
    else built, stored (figures as dicts; with ``sent``, a sequence of outputs kept as a :class:`SentView`)
    and returned as a revisit gets it (with ``sent``: ``SentView.outputs()``, a list)."""
    hit = recalled(page, sha, key)
    if hit is not None:
        return hit
    view = SentView.of(build()) if sent else plain_figures(build())
    try:
        caching.cache.set(view_key(page, sha, key), view)
    except Exception:
        log.warning("view cache write failed", exc_info=True)
    return view.outputs() if isinstance(view, SentView) else view


def recalled(page: str, sha: str, key: str) -> Any:
    """The remembered view (a :class:`SentView` as its outputs), or None when the cache does not have it
    (never builds)."""
    try:
        hit = caching.cache.get(view_key(page, sha, key))
    except Exception:  # a cache backend failure only costs the rebuild
        log.warning("view cache read failed", exc_info=True)
        return None
    return hit.outputs() if isinstance(hit, SentView) else hit
