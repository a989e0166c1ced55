"""State helpers every page callback uses: the session-store format, handle resolution, error handling.

session-store (dcc.Store, storage_type="session") holds only small JSON::

    {"handle": str, "name": str, "rows": int, "columns": int,
     "choices": Choices.to_dict(), "k": int | None, "done": ["upload", "eda", ...]}
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from dash import Output
from dash.exceptions import PreventUpdate

from socialdash.components.common import error_alert, generic_error_alert
from socialdash.components.shell import STEP_KEYS
from socialdash.services.errors import SocialdashError
from socialdash.services.pipeline import Choices
from socialdash.web.handles import resolve

log = logging.getLogger("socialdash.callbacks")

F = TypeVar("F", bound=Callable[..., Any])


class NoDataError(SocialdashError):
    """No dataset in the session store."""

    default_message = "There is no data yet. Upload your posts export (or try the sample dataset) to start."


@dataclass(frozen=True)
class Dataset:
    """What a callback needs from the store: the resolved SHA-256 and the current choices."""

    sha: str
    choices: Choices
    store: dict

    @property
    def name(self) -> str:
        return str(self.store.get("name") or "")


def new_store(result: dict) -> dict:
    """The store right after an upload: fresh choices, only the upload step done."""
    return {
        "handle": result["handle"],
        "name": str(result.get("name") or ""),
        "rows": count_of(result, "rows") or 0,
        "columns": count_of(result, "columns") or 0,
        "choices": Choices().to_dict(),
        "k": None,
        "done": ["upload"],
    }


def has_data(store: Any) -> bool:
    """True when ``store`` is a session store with an upload handle (False for anything else, any type)."""
    return isinstance(store, dict) and isinstance(store.get("handle"), str)


def choices_of(store: Any) -> Choices:
    """The store's choices (defaults when missing or unreadable)."""
    raw = store.get("choices") if isinstance(store, dict) else None
    try:
        return Choices.from_dict(raw if isinstance(raw, dict) else {})
    except (TypeError, ValueError, KeyError, AttributeError):
        return Choices()


def done_steps(store: Any) -> list[str]:
    """The steps the store marks done, in navbar order (unknown names and wrong types are ignored)."""
    done = store.get("done") if isinstance(store, dict) else None
    if not isinstance(done, list):
        return []
    return [s for s in STEP_KEYS if s in done]


def count_of(store: Any, key: str) -> int | None:
    """A whole number the store holds under ``key`` ("rows", "columns", "k"), else None."""
    value = store.get(key) if isinstance(store, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def dataset(store: dict | None) -> Dataset:
    """Resolve the store's handle for this session. Raises NoDataError or HandleError (SocialdashErrors)."""
    if not has_data(store):
        raise NoDataError()
    assert store is not None
    sha = resolve(store["handle"])
    return Dataset(sha=sha, choices=choices_of(store), store=store)


def later_steps(step: str) -> tuple[str, ...]:
    """Steps after ``step`` in the navbar order."""
    return STEP_KEYS[STEP_KEYS.index(step) + 1 :]


def mark_done(store: dict, step: str) -> dict:
    """A copy of the store with ``step`` done."""
    done = {*done_steps(store), step}
    return {**store, "done": [s for s in STEP_KEYS if s in done]}


def with_choices(store: dict, choices: Choices, changed_step: str) -> dict:
    """A copy with new choices. When they differ from the stored ones, the steps after ``changed_step``
    are no longer done and ``k`` (the last run) is cleared, so later pages never show stale results."""
    old = choices_of(store)
    out = {**store, "choices": choices.to_dict()}
    if old.canonical() != choices.canonical():
        later = set(later_steps(changed_step))
        out["done"] = [s for s in done_steps(store) if s not in later]
        if "cluster" in later:
            out["k"] = None
    return out


def is_done(store: Any, steps: Iterable[str]) -> bool:
    done = set(done_steps(store))
    return all(s in done for s in steps)


GENERIC_MESSAGE = "Something went wrong on our side while preparing this. Please try again."


def guarded(n_outputs: int, alert_index: int, render: Callable[[str], Any] | None = None) -> Callable[[F], F]:
    """Decorator: a SocialdashError becomes an alert (its sentence) in output ``alert_index``; any other
    exception is logged and becomes a generic alert. Other outputs get ``no_update``. PreventUpdate passes.
    ``render(sentence)`` replaces the alert when that output is not a children prop (e.g. a figure)."""
    from dash import no_update

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except SocialdashError as err:
                message = render(str(err)) if render else error_alert(str(err))
            except Exception:
                log.exception("callback %s failed", fn.__name__)
                message = render(GENERIC_MESSAGE) if render else generic_error_alert()
            out: list[Any] = [no_update] * n_outputs
            out[alert_index] = message
            return out[0] if n_outputs == 1 else tuple(out)

        return wrapper  # type: ignore[return-value]

    return deco


def outputs(targets: list[tuple[str, str]], duplicate: bool) -> list[Output]:
    """``Output(id, prop, allow_duplicate=duplicate)`` for each (id, prop): the outputs a page's view callback
    and its background job's done callback share (the second one with ``duplicate=True``)."""
    return [Output(cid, prop, allow_duplicate=duplicate) for cid, prop in targets]
