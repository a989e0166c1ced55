"""Access control: ``SOCIALDASH_AUTH`` = none (default), builtin (login page) or proxy (trusted header).

One ``before_request`` hook covers every route — pages, ``/_dash-*`` (layout, dependencies, callbacks,
component suites), ``/_reload-hash``, ``/api/upload``, ``/download/...`` — except ``/login``, ``/logout``,
``/healthz`` and the static ``/assets/`` (CSS and the app's own scripts: nothing user-specific).
Anonymous page requests (GET, HTML) are redirected to ``/login?next=...``; anything else gets 401 JSON.

builtin: users and werkzeug password hashes from the settings (file and/or environment). A sign-in is a
server-side record ``data_dir/auth/logins/<sha256(token)>.json`` named by a random token in the signed
session cookie; signing in starts a fresh session (new ``sid``: no session fixation), signing out deletes
the record (a copied cookie stops working too). Failed sign-ins are throttled per user name and per client
address (files under ``data_dir/auth/throttle``, shared by every worker).

proxy: the reverse proxy authenticates and sets ``SOCIALDASH_AUTH_HEADER`` (default X-Forwarded-User). Only
safe when the app is reachable solely through that proxy, which strips the header from client requests.
A session whose user differs from the header's is replaced by a new one (new ``sid``).

``python -m socialdash.web.auth hash`` prints a password hash for the users file.
"""

from __future__ import annotations

import getpass
import hashlib
import html
import json
import logging
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask
from werkzeug.security import check_password_hash, generate_password_hash

log = logging.getLogger("socialdash.auth")

bp = flask.Blueprint("socialdash_auth", __name__)

PUBLIC_PREFIXES = ("/assets/",)
PUBLIC_PATHS = {"/login", "/logout", "/healthz", "/_favicon.ico"}
API_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")
SID_KEY = "sid"
USER_KEY = "user"
LOGIN_KEY = "login"
CSRF_KEY = "csrf"
#: failed sign-ins allowed per minute, per user name and per client address
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 60.0

SIGN_IN = "Please sign in to use socialdash."
BAD_LOGIN = "The user name or password is not right. Please try again."
THROTTLED = "Too many failed sign-ins for this account or computer. Wait a minute and try again."
EXPIRED_FORM = "The sign-in form had expired. Please try again."
PROXY_MISSING = "socialdash is reached through your company sign-in; open it through that address."
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class AuthConfig:
    mode: str
    users: dict[str, str]
    header: str
    root: Path
    max_age_seconds: float

    @property
    def enabled(self) -> bool:
        return self.mode != "none"


def _config() -> AuthConfig:
    return flask.current_app.extensions["socialdash_auth"]


def current_user() -> str | None:
    """The signed-in user of this request (None when access control is off or nobody is signed in)."""
    return flask.g.get("socialdash_user")


# --------------------------------------------------------------------------- sign-in records
def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _login_path(cfg: AuthConfig, token: str) -> Path:
    return cfg.root / "logins" / f"{_digest(token)}.json"


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _valid_login(cfg: AuthConfig) -> str | None:
    """The user of this session's sign-in record, or None (no record, expired, signed out, user removed)."""
    token, user = flask.session.get(LOGIN_KEY), flask.session.get(USER_KEY)
    if not isinstance(token, str) or not isinstance(user, str) or user not in cfg.users:
        return None
    try:
        record = json.loads(_login_path(cfg, token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("user") != user or time.time() - float(record.get("created", 0)) > cfg.max_age_seconds:
        return None
    return user


def _start_session(user: str) -> None:
    """A brand-new session for ``user``: nothing of the anonymous session survives (new sid)."""
    flask.session.clear()
    flask.session[SID_KEY] = secrets.token_urlsafe(18)
    flask.session[USER_KEY] = user


# --------------------------------------------------------------------------- throttling
def _throttle_file(cfg: AuthConfig, key: str) -> Path:
    return cfg.root / "throttle" / _digest(key)


def _recent_failures(cfg: AuthConfig, key: str, now: float) -> int:
    try:
        lines = _throttle_file(cfg, key).read_text(encoding="ascii").split()
    except OSError:
        return 0
    return sum(1 for t in lines if _is_recent(t, now))


def _is_recent(stamp: str, now: float) -> bool:
    try:
        return now - float(stamp) < WINDOW_SECONDS
    except ValueError:
        return False


def _record_failure(cfg: AuthConfig, key: str, now: float) -> None:
    path = _throttle_file(cfg, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="ascii") as fh:  # O_APPEND: concurrent workers do not clobber lines
        fh.write(f"{now:.3f}\n")
    if path.stat().st_size > 4096:  # keep only the recent lines
        recent = [t for t in path.read_text(encoding="ascii").split() if _is_recent(t, now)]
        _write_lines(path, recent)


def _write_lines(path: Path, lines: list[str]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    tmp.write_text("".join(f"{t}\n" for t in lines), encoding="ascii")
    os.replace(tmp, path)


def _throttle_keys(user: str) -> tuple[tuple[str, int], ...]:
    address = flask.request.remote_addr or "unknown"
    return ((f"user:{user.lower()}", MAX_FAILURES_PER_USER), (f"addr:{address}", MAX_FAILURES_PER_ADDRESS))


# --------------------------------------------------------------------------- the hook
def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _wants_page(request: flask.Request) -> bool:
    if request.method != "GET" or request.path.startswith(API_PREFIXES):
        return False
    accept = request.accept_mimetypes
    return accept.accept_html or not accept.provided or "*/*" in request.headers.get("Accept", "")


def _refuse(cfg: AuthConfig, message: str = SIGN_IN):
    request = flask.request
    target = request.full_path if request.query_string else request.path
    if cfg.mode == "builtin" and _wants_page(request):
        return flask.redirect(f"/login?next={quote(target, safe='/')}", code=302)
    body: dict = {"error": message}
    if cfg.mode == "builtin":
        body["login"] = "/login"
    response = flask.jsonify(body)
    response.status_code = 401
    response.headers["Cache-Control"] = "no-store"
    return response


def _proxy_user(cfg: AuthConfig) -> str | None:
    raw = flask.request.headers.get(cfg.header, "").strip()
    if not raw or len(raw) > 256 or not raw.isprintable():
        return None
    return raw


def _auth_hook():
    cfg = _config()
    if not cfg.enabled or _is_public(flask.request.path):
        return None
    if cfg.mode == "proxy":
        user = _proxy_user(cfg)
        if user is None:
            return _refuse(cfg, PROXY_MISSING)
        if flask.session.get(USER_KEY) != user:
            _start_session(user)  # another person in this browser: nothing of the old session carries over
    else:
        user = _valid_login(cfg)
        if user is None:
            return _refuse(cfg)
    flask.g.socialdash_user = user
    return None


# --------------------------------------------------------------------------- pages
def _safe_next(raw: str | None) -> str:
    """Only a path on this site ("/cluster?x=1"); anything else (other hosts, //, \\) → "/upload"."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/upload"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/upload"
    return raw


def _page(title: str, body: str, status: int = 200) -> flask.Response:
    doc = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · socialdash</title>"
        "<link rel='stylesheet' href='/assets/vendor/bootstrap-5.3.8.min.css'></head>"
        "<body class='bg-light'><main class='container py-5'><div class='row justify-content-center pt-5'>"
        "<div class='col-sm-10 col-md-7 col-lg-5 col-xl-4'>"  # no inline style: the CSP below forbids it
        "<h1 class='h3 mb-4'><span>social</span><span class='text-primary'>dash</span></h1>"
        f"{body}</div></div></main></body></html>"
    )
    response = flask.Response(doc, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    return response


def _login_form(next_url: str, message: str | None = None, user: str = ""):
    """The form, with ``message`` above it. Always 200: a refused sign-in is a normal page with a sentence
    (a 4xx document would log a console error in the browser); the server log records each failure."""
    token = flask.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = flask.session[CSRF_KEY] = secrets.token_urlsafe(24)
    alert = f"<div class='alert alert-danger' role='alert'>{html.escape(message)}</div>" if message else ""
    body = (
        f"{alert}<form method='post' action='/login' class='card card-body shadow-sm'>"
        f"<input type='hidden' name='csrf' value='{html.escape(token)}'>"
        f"<input type='hidden' name='next' value='{html.escape(next_url)}'>"
        "<label class='form-label' for='login-user'>User name</label>"
        f"<input class='form-control mb-3' id='login-user' name='username' autocomplete='username' "
        f"value='{html.escape(user)}' required autofocus>"
        "<label class='form-label' for='login-password'>Password</label>"
        "<input class='form-control mb-4' id='login-password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button class='btn btn-primary' id='login-submit' type='submit'>Sign in</button></form>"
    )
    return _page("Sign in", body)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form (builtin mode); a successful sign-in goes to ``next`` with a fresh session."""
    cfg = _config()
    if cfg.mode != "builtin":
        return flask.redirect("/upload", code=302)
    next_url = _safe_next(flask.request.values.get("next"))
    if flask.request.method == "GET":
        if _valid_login(cfg):
            return flask.redirect(next_url, code=302)
        return _login_form(next_url)
    form = flask.request.form
    user = form.get("username", "").strip()[:64]
    password = form.get("password", "")
    csrf = flask.session.get(CSRF_KEY)
    if not isinstance(csrf, str) or not secrets.compare_digest(csrf, form.get("csrf", "")):
        return _login_form(next_url, EXPIRED_FORM, user)
    now = time.time()
    keys = _throttle_keys(user)
    if any(_recent_failures(cfg, key, now) >= limit for key, limit in keys):
        log.warning("sign-in throttled", extra={"user": user[:64]})
        return _login_form(next_url, THROTTLED, user)
    known = cfg.users.get(user)
    ok = check_password_hash(known or _DUMMY_HASH, password) and known is not None
    if not ok:
        for key, _limit in keys:
            _record_failure(cfg, key, now)
        log.info("sign-in failed", extra={"user": user[:64]})
        return _login_form(next_url, BAD_LOGIN, user)
    _throttle_file(cfg, keys[0][0]).unlink(missing_ok=True)
    _start_session(user)
    token = secrets.token_urlsafe(32)
    _write_json(_login_path(cfg, token), {"user": user, "created": now})
    flask.session[LOGIN_KEY] = token
    log.info("signed in", extra={"user": user})
    return flask.redirect(next_url, code=303)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Ends the sign-in on the server (the record is deleted) and clears the session."""
    cfg = _config()
    token = flask.session.get(LOGIN_KEY)
    if isinstance(token, str):
        _login_path(cfg, token).unlink(missing_ok=True)
    flask.session.clear()
    if cfg.mode == "builtin":
        body = (
            "<div class='alert alert-success' role='status'>You are signed out.</div>"
            "<a class='btn btn-primary' href='/login'>Sign in again</a>"
        )
    else:
        body = (
            "<div class='alert alert-success' role='status'>Your socialdash session has ended. To sign out "
            "completely, sign out of your company sign-in too.</div>"
        )
    return _page("Signed out", body)


def init_auth(server: flask.Flask, settings) -> AuthConfig:
    """Register the access-control hook (before every other hook) and /login, /logout."""
    cfg = AuthConfig(
        mode=settings.auth,
        users=settings.auth_users() if settings.auth == "builtin" else {},
        header=settings.auth_header,
        root=Path(settings.data_dir) / "auth",
        max_age_seconds=float(settings.login_max_age_seconds),
    )
    server.extensions["socialdash_auth"] = cfg
    server.before_request(_auth_hook)
    server.register_blueprint(bp)
    return cfg


def main(argv: list[str] | None = None) -> int:
    """``python -m socialdash.web.auth hash [USER]``: read a password (twice) and print ``user:hash``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "hash":
        print("usage: python -m socialdash.web.auth hash [USER]", file=sys.stderr)
        return 2
    user = args[1] if len(args) > 1 else input("User name: ").strip()
    first = getpass.getpass("Password: ")
    if not first or first != getpass.getpass("Password again: "):
        print("The passwords were empty or did not match.", file=sys.stderr)
        return 2
    print(f"{user}:{generate_password_hash(first)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
