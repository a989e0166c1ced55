"""Flask side of the app: the session id, upload handles, /api/upload and /healthz.

May import services and caching; pages and components must not import it (import-linter)."""

from socialdash.web.handles import HandleError, current_sid, resolve
from socialdash.web.routes import init_web

__all__ = ["HandleError", "current_sid", "init_web", "resolve"]
