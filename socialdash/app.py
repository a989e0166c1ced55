"""create_app(settings) -> Dash: the only place that wires everything together."""

from __future__ import annotations

import copy
import importlib
import logging
import pkgutil
from pathlib import Path

import dash
import dash_bootstrap_components as dbc  # noqa: F401  (registers its component suite)
import flask
from dash import _callback as dash_callback
from dash import _pages

from socialdash import caching
from socialdash.components.shell import app_layout
from socialdash.operations import init_operations
from socialdash.settings import Settings
from socialdash.web import init_web
from socialdash.web.callback_requests import init_callback_requests
from socialdash.web.jobs import bind_manager

log = logging.getLogger("socialdash")

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
ASSETS = HERE / "assets"
TITLE = "socialdash"

_CALLBACKS: tuple[dict, list, list] | None = None


def _global_callbacks() -> tuple[dict, list, list]:
    """Import every socialdash.callbacks module once and keep what ``@dash.callback`` registered.

    Dash moves global callbacks into the first app that serves a request and clears the globals; keeping
    a copy lets create_app build more than one app per process (tests)."""
    global _CALLBACKS
    if _CALLBACKS is None:
        import socialdash.callbacks as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{info.name}")
        _CALLBACKS = (
            dict(dash_callback.GLOBAL_CALLBACK_MAP),
            list(dash_callback.GLOBAL_CALLBACK_LIST),
            list(dash_callback.GLOBAL_INLINE_SCRIPTS),
        )
        dash_callback.GLOBAL_CALLBACK_MAP.clear()
        dash_callback.GLOBAL_CALLBACK_LIST.clear()
        dash_callback.GLOBAL_INLINE_SCRIPTS.clear()
    return _CALLBACKS


def _attach_callbacks(app: dash.Dash) -> None:
    callback_map, callback_list, inline = _global_callbacks()
    for key, entry in callback_map.items():
        entry = dict(entry)
        if isinstance(entry.get("background"), dict):
            entry["background"] = dict(entry["background"])  # Dash pops cancel inputs from it per app
        app.callback_map[key] = entry
    app._callback_list.extend(copy.copy(c) for c in callback_list)
    app._inline_scripts.extend(inline)


def _setup_now(app: dash.Dash) -> None:
    """Run Dash's first-request setup (scripts, assets, pages router) now, before any request is served.

    Dash does it in ``before_request`` hooks that set their "done" flag *before* the work; in a threaded
    gunicorn worker a concurrent first request skipped the half-done setup and answered a component-suite
    script with a 500 ("is registered but the path requested is not valid"). Done here, the hooks are
    no-ops."""
    app._setup_server()
    for hook in app.server.before_request_funcs.get(None, []):
        if getattr(hook, "__name__", "") == "router_sync":  # use_pages: the routing callback + title script
            hook()


def background_manager(settings: Settings):
    """DiskcacheManager in embedded mode; CeleryManager when a Redis URL is set."""
    if settings.redis_url:
        from socialdash.worker import celery_manager  # provided by the production setup

        return celery_manager(settings)
    from socialdash.worker import diskcache_manager  # production setup: jobs log one line each

    return diskcache_manager(settings)


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Dash app (pages, callbacks, Flask routes, cache, background manager) for ``settings``."""
    settings = settings or Settings.from_env()
    settings = settings.validated()
    settings.ensure_dirs()

    server = flask.Flask("socialdash")
    init_web(server, settings)
    caching.init_cache(server, settings)
    init_operations(server, settings)  # production setup: callback logging, retention

    app = dash.Dash(
        "socialdash",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        assets_ignore=r".*\.map$",
        external_stylesheets=[],
        external_scripts=[],
        serve_locally=True,
        suppress_callback_exceptions=True,
        background_callback_manager=bind_manager(background_manager(settings)),  # session-bound jobs
        title=TITLE,
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = app_layout
    _attach_callbacks(app)
    if settings.production:  # off whatever DASH_* / FLASK_DEBUG / SOCIALDASH_DEBUG say
        server.debug = False
        app.enable_dev_tools(
            debug=False,
            dev_tools_ui=False,
            dev_tools_props_check=False,
            dev_tools_serve_dev_bundles=False,
            dev_tools_hot_reload=False,
            dev_tools_prune_errors=True,
            dev_tools_validate_callbacks=False,
        )
    _setup_now(app)  # after enable_dev_tools: no lazy first-request work left to race between threads
    init_callback_requests(server, app.callback_map)  # hand-made callback POSTs: 4xx, not Dash's 500
    log.debug("socialdash app created with %d pages", len(_pages.PAGE_REGISTRY))
    return app
