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
        "name": result["name"],
        "rows": int(result["rows"]),
        "columns": int(result["columns"]),
        "choices": Choices().to_dict(),
        "k": None,
        "done": ["upload"],
    }


def has_data(store: dict | None) -> bool:
    return bool(store) and isinstance(store.get("handle"), str)


def choices_of(store: dict | None) -> Choices:
    """The store's choices (defaults when missing or unreadable)."""
    try:
        return Choices.from_dict((store or {}).get("choices") or {})
    except (TypeError, ValueError, KeyError):
        return Choices()


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
    done = list(store.get("done") or [])
    if step not in done:
        done.append(step)
    return {**store, "done": [s for s in STEP_KEYS if s in done]}


def with_choices(store: dict, choices: Choices, changed_step: str) -> dict:
    """A copy with new choices. When they differ from the stored ones, the steps after ``changed_step``
    are no longer done and ``k`` (the last run) is cleared, so later pages never show stale results."""
    old = choices_of(store)
    out = {**store, "choices": choices.to_dict()}
    if old.canonical() != choices.canonical():
        later = set(later_steps(changed_step))
        out["done"] = [s for s in (store.get("done") or []) if s not in later]
        if "cluster" in later:
            out["k"] = None
    return out


def is_done(store: dict | None, steps: Iterable[str]) -> bool:
    done = set((store or {}).get("done") or [])
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
