"""Hand-made POSTs to ``/_dash-update-component`` get a 4xx with one sentence, never Dash's 500.

Two layers:

* ``_check_request`` (before_request): the body must be what the Dash renderer sends for one of this app's
  callbacks — a JSON object (at most ``MAX_CALLBACK_BYTES``), a known ``output``, ``outputs``/``inputs``/
  ``state`` lists of ``{"id", "property", "value"}`` items matching that callback's registered ids and
  properties one for one, ``changedPropIds`` a list of strings, and values of the JSON type the component
  sends (``n_clicks`` a whole number, the session store an object, ...). Anything else: 400 (413 too big).
* ``_callback_error`` (error handler): an exception that still escapes on that route is logged with its
  traceback on the server. It is answered 400 only when it was raised by Dash's own request decoding,
  before any socialdash code ran (the request's fault: a shape this check does not know yet); an exception
  raised in socialdash code, or by Dash after a callback returned, is a server bug: 500 with a generic
  sentence (no traceback, no path) — never hidden as the user's fault.

Ids are compared as registered: the app has no pattern-matching (dict-id) callbacks; adding one means
teaching ``_items`` to match wildcard ids.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger("socialdash.web.callbacks")

ENDPOINT = "/_dash-update-component"
MAX_CALLBACK_BYTES = 8 * 1024 * 1024  # the page's biggest request (a 500-column roles grid) is ~100x smaller
BAD_REQUEST = "This request is not one the socialdash page sends. Reload the page and try again."
TOO_LARGE = "This request is too large for a page update. Reload the page and try again."
SERVER_ERROR = "The server could not finish your last step. Please try again."
_PACKAGE = str(Path(__file__).resolve().parents[1])
_REQUEST_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)

_SCALAR = (str, int, float, bool)
#: component id → what its ``data`` must be (other stores may hold any JSON)
STORE_TYPES: dict[str, tuple[type, ...]] = {"session-store": (dict,), "upload-result": (dict,)}


class BadCallbackRequest(ValueError):
    """The body is not a request the Dash renderer sends for this app."""


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value_ok(cid: Any, prop: str, value: Any) -> bool:
    """Is ``value`` of the JSON type the renderer sends for ``prop`` (None is always allowed)?"""
    if value is None:
        return True
    if prop.startswith("n_"):  # n_clicks, n_submit, n_intervals
        return _is_whole(value) and value >= 0
    if prop == "pathname":  # the page's own path (Dash's router refuses anything else)
        return isinstance(value, str) and value.startswith("/")
    if prop in ("search", "hash", "href"):
        return isinstance(value, str)
    if prop == "value":
        return isinstance(value, _SCALAR) or (
            isinstance(value, list) and all(isinstance(v, _SCALAR) or v is None for v in value)
        )
    if prop in ("rowData", "cellValueChanged", "selectedRows"):
        items = value if isinstance(value, list) else [value]
        return isinstance(value, list | dict) and all(isinstance(v, dict) for v in items)
    if prop == "data" and isinstance(cid, str) and cid in STORE_TYPES:
        return isinstance(value, STORE_TYPES[cid])
    return True


def _items(raw: Any, specs: list[dict], what: str) -> None:
    """``raw`` must be a list of ``{"id", "property", "value"}`` matching ``specs`` one for one."""
    if not isinstance(raw, list) or len(raw) != len(specs):
        raise BadCallbackRequest(f"{what}: expected a list of {len(specs)}")
    for item, spec in zip(raw, specs, strict=True):
        if not isinstance(item, dict) or item.get("id") != spec.get("id"):
            raise BadCallbackRequest(f"{what}: unknown or missing id")
        if item.get("property") != spec.get("property"):
            raise BadCallbackRequest(f"{what}: unknown or missing property")
        if not _value_ok(item["id"], item["property"], item.get("value")):
            raise BadCallbackRequest(f"{what}: {item['property']} has the wrong type")


def _output_specs(output: str) -> list[dict[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = []
    for part in parts:
        cid, _, prop = part.rpartition(".")
        specs.append({"id": cid, "property": prop})
    return specs


def validate(body: Any, callback_map: Mapping[str, dict]) -> None:
    """Raise BadCallbackRequest unless ``body`` is a renderer-shaped request for a registered callback."""
    if not isinstance(body, dict):
        raise BadCallbackRequest("not a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or "callback" not in callback_map.get(output, {}):
        raise BadCallbackRequest("unknown output")  # clientside callbacks have no server side either
    entry = callback_map[output]
    if not entry.get("no_output"):
        outputs = body.get("outputs")
        outputs = outputs if output.startswith("..") else [outputs]  # one output: sent as one object
        _items(outputs, _output_specs(output), "outputs")
    _items(body.get("inputs"), entry.get("inputs") or [], "inputs")
    _items(body.get("state", []), entry.get("state") or [], "state")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(p, str) for p in changed):
        raise BadCallbackRequest("changedPropIds must be a list of strings")


def _answer(message: str, status: int) -> flask.Response:
    response = flask.jsonify({"error": message})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_request(callback_map: Mapping[str, dict]):
    def hook():
        request = flask.request
        if request.path != ENDPOINT or request.method != "POST":
            return None
        limit = min(MAX_CALLBACK_BYTES, flask.current_app.config.get("MAX_CONTENT_LENGTH") or 1 << 62)
        request.max_content_length = limit  # also stops a streamed (chunked) body at the limit
        if request.content_length is not None and request.content_length > limit:
            return _answer(TOO_LARGE, 413)
        try:
            if len(request.get_data(cache=True)) >= limit:  # a streamed body is cut at the limit
                return _answer(TOO_LARGE, 413)
            body = request.get_json()
            validate(body, callback_map)
        except RequestEntityTooLarge:
            return _answer(TOO_LARGE, 413)
        except (BadCallbackRequest, HTTPException, ValueError, RecursionError) as err:
            log.info("refused a malformed callback request: %s", _reason(err))
            return _answer(BAD_REQUEST, 400)
        return None

    return hook


def _reason(err: BaseException) -> str:
    return str(err)[:200] if isinstance(err, BadCallbackRequest) else type(err).__name__


def _raised_in_our_code(err: BaseException) -> bool:
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
            return True
        tb = tb.tb_next
    return False


def _callback_error(err: Exception):
    """Exceptions no other handler took on the callback route: 400 when Dash could not decode the request
    (raised before any socialdash code ran), else a logged 500 with a sentence. Other routes: unchanged."""
    if isinstance(err, HTTPException):
        return err
    if flask.request.path != ENDPOINT:
        raise err  # Flask's own handling (logged 500, or propagated in tests)
    if isinstance(err, _REQUEST_ERRORS) and not _raised_in_our_code(err):
        log.warning("callback request refused by Dash (%s)", type(err).__name__, exc_info=err)
        return _answer(BAD_REQUEST, 400)
    log.error("callback failed on the server", exc_info=err)
    return _answer(SERVER_ERROR, 500)


def init_callback_requests(server: flask.Flask, callback_map: Mapping[str, dict]) -> None:
    """Install the request check and the error handler (``callback_map``: the Dash app's, filled)."""
    server.before_request(_check_request(callback_map))
    server.register_error_handler(Exception, _callback_error)
