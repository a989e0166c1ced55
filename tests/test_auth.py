"""Access control: SOCIALDASH_AUTH=builtin (login page, hashed passwords, throttling, new session on sign-in,
logout that really ends access) and SOCIALDASH_AUTH=proxy (trusted header). Flask test client."""

from __future__ import annotations

import re
import time

import pytest
from isolation_support import posts_csv
from werkzeug.security import generate_password_hash

from benchmarks.dash_http import DashHttp, Transport
from socialdash.app import create_app
from socialdash.settings import Settings, SettingsError
from socialdash.web.handles import HandleError

PASSWORDS = {"alice": "correct horse battery", "bob": "tr0ub4dor&3"}
HASHES = {u: generate_password_hash(p) for u, p in PASSWORDS.items()}
PAGES = ("/", "/upload", "/eda", "/preprocess", "/cluster", "/evaluate", "/insights", "/download/x/y.csv")
API = (
    "/_dash-layout",
    "/_dash-dependencies",
    "/_reload-hash",
    "/_dash-component-suites/dash/dcc/async-graph.js",
)


def make_app(root, **extra):
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="a" * 48, **extra)
    return create_app(settings)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("auth")
    users_file = root / "users.txt"
    users_file.write_text(f"# team\nalice:{HASHES['alice']}\n", encoding="utf-8")
    return make_app(root, auth="builtin", users_file=users_file, users=f"bob:{HASHES['bob']}")


def sid_of(app, client) -> str | None:
    cookie = client.get_cookie("socialdash_session")
    if cookie is None:
        return None
    serializer = app.server.session_interface.get_signing_serializer(app.server)
    return serializer.loads(cookie.value).get("sid")


def login(client, user: str, password: str, next_url: str = "/cluster"):
    form = client.get(f"/login?next={next_url}").get_data(as_text=True)
    csrf = re.search(r"name='csrf' value='([^']+)'", form)[1]
    return client.post(
        "/login", data={"username": user, "password": password, "csrf": csrf, "next": next_url}
    )


# --------------------------------------------------------------------------- settings
def test_builtin_without_users_refuses_to_start(tmp_path):
    with pytest.raises(SettingsError, match="needs at least one user"):
        Settings.from_env({"SOCIALDASH_AUTH": "builtin", "SOCIALDASH_DATA_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match="must be 'user:hash'"):
        Settings.from_env({"SOCIALDASH_AUTH": "builtin", "SOCIALDASH_USERS": "alice:plaintext"})
    with pytest.raises(SettingsError, match="none, builtin or proxy"):
        Settings.from_env({"SOCIALDASH_AUTH": "ldap"})
    with pytest.raises(SettingsError, match="cannot be read"):
        Settings.from_env({"SOCIALDASH_AUTH": "builtin", "SOCIALDASH_USERS_FILE": str(tmp_path / "nope")})
    ok = Settings.from_env(
        {"SOCIALDASH_AUTH": "builtin", "SOCIALDASH_USERS": f"alice:{HASHES['alice']},bob:{HASHES['bob']}"}
    )
    assert set(ok.auth_users()) == {"alice", "bob"}
    assert Settings.from_env({}).auth == "none"


# --------------------------------------------------------------------------- anonymous
def test_anonymous_requests_to_every_route_are_refused(app):
    client = app.server.test_client()
    for path in PAGES:
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), path
    for path in API:
        r = client.get(path)
        assert r.status_code == 401 and r.get_json()["error"] == "Please sign in to use socialdash.", path
    for path, body in (("/_dash-update-component", b"{}"), ("/api/upload", b"a,b\n1,2\n")):
        r = client.post(path, data=body, headers={"Content-Type": "application/json", "X-Filename": "x.csv"})
        assert r.status_code == 401 and "sign in" in r.get_json()["error"]
    assert not list((app.server.extensions["socialdash_settings"].data_dir / "handles").iterdir())


def test_public_routes_reveal_nothing(app):
    client = app.server.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "checks": {"data_dir": True, "cache": True}}
    settings = app.server.extensions["socialdash_settings"]
    body = health.get_data(as_text=True)
    for value in (settings.environment, str(settings.data_dir), str(settings.cache_dir), settings.secret_key,
                  "alice", "bob", "builtin", HASHES["bob"][:20]):
        assert value not in body, value
    assert client.get("/assets/vendor/bootstrap-5.3.8.min.css").status_code == 200
    page = client.get("/login").get_data(as_text=True)
    assert "/assets/vendor/bootstrap-5.3.8.min.css" in page and "alice" not in page and "Sign in" in page


# --------------------------------------------------------------------------- sign-in
def test_login_walks_the_app_with_a_fresh_session(app):
    client = app.server.test_client()
    client.get("/login")
    anonymous_sid = sid_of(app, client)
    assert anonymous_sid
    r = login(client, "alice", PASSWORDS["alice"], "/cluster")
    assert r.status_code == 303 and r.headers["Location"] == "/cluster"
    assert sid_of(app, client) not in (None, anonymous_sid)  # no session fixation
    assert client.get("/cluster").status_code == 200
    for path in API[:3]:
        assert client.get(path).status_code == 200, path
    user = DashHttp(Transport(client))
    status, upload = user.upload("alice.csv", posts_csv(60, "zqalpha", 3))
    assert status == 200
    values = {"upload-result.data": upload}
    user.call("session-store.data", values, input="upload-result.data")
    store = user.call("session-store.data", values, input="upload-result.data").outputs()[
        "session-store.data"
    ]
    summary = user.call("upload-summary.children", {"session-store.data": store}, input="session-store.data")
    assert "60 rows" in summary.text and "likes_zqalpha" in summary.text


def test_wrong_password_and_unknown_user_get_the_same_sentence(app):
    client = app.server.test_client()
    for user, password in (("alice", "nope"), ("mallory", "nope")):
        r = login(client, user, password)
        assert r.status_code == 200  # the form again, with the sentence (no console error in a browser)
        assert "The user name or password is not right." in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_failed_sign_ins_are_throttled_per_user(app):
    client = app.server.test_client()
    for _ in range(5):
        assert "is not right" in login(client, "bob", "guess").get_data(as_text=True)
    r = login(client, "bob", PASSWORDS["bob"])  # even the right password waits now
    assert r.status_code == 200 and "Wait a minute" in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert login(app.server.test_client(), "alice", PASSWORDS["alice"]).status_code == 303  # others may


def test_form_without_its_token_is_refused_and_next_stays_on_site(app):
    client = app.server.test_client()
    client.get("/login")
    r = client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"], "csrf": "x"})
    assert r.status_code == 200 and "expired" in r.get_data(as_text=True)
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = login(app.server.test_client(), "alice", PASSWORDS["alice"], evil)
        assert r.status_code == 303 and r.headers["Location"] == "/upload", evil


def test_logout_ends_access_even_for_a_copied_cookie(app):
    client = app.server.test_client()
    login(client, "alice", PASSWORDS["alice"])
    copied = client.get_cookie("socialdash_session").value
    assert client.get("/_dash-dependencies").status_code == 200
    r = client.get("/logout")
    assert r.status_code == 200 and "signed out" in r.get_data(as_text=True)
    assert client.get("/_dash-dependencies").status_code == 401
    thief = app.server.test_client()
    thief.set_cookie("socialdash_session", copied)
    assert thief.get("/_dash-dependencies").status_code == 401
    assert thief.get("/upload").headers["Location"].startswith("/login")


def test_sign_in_expires(tmp_path):
    app = make_app(tmp_path, auth="builtin", users=f"alice:{HASHES['alice']}", login_max_age_seconds=1)
    client = app.server.test_client()
    assert login(client, "alice", PASSWORDS["alice"]).status_code == 303
    assert client.get("/_dash-layout").status_code == 200
    time.sleep(1.2)
    r = client.get("/_dash-layout")
    assert r.status_code == 401 and r.get_json()["login"] == "/login"


# --------------------------------------------------------------------------- proxy
def test_proxy_mode_trusts_only_its_header_and_binds_the_session_to_the_user(tmp_path):
    app = make_app(tmp_path, auth="proxy", auth_header="X-Forwarded-User")
    client = app.server.test_client()
    assert client.get("/upload").status_code == 401  # no header: nothing, not even a login page
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/healthz").status_code == 200
    alice = {"X-Forwarded-User": "alice"}
    assert client.get("/upload", headers=alice).status_code == 200
    upload = client.post(
        "/api/upload", data=posts_csv(40, "zqalpha", 4), headers={**alice, "X-Filename": "a.csv"}
    ).get_json()
    assert upload["rows"] == 40
    # the same browser (cookie) with another user in the header: a new session, A's handle is useless
    from socialdash.web.handles import resolve

    with app.server.test_request_context("/", headers={"X-Forwarded-User": "bob"}):
        app.server.preprocess_request()
        with pytest.raises(HandleError):
            resolve(upload["handle"])
    bob_client = app.server.test_client()
    bob_client.set_cookie("socialdash_session", client.get_cookie("socialdash_session").value)
    r = bob_client.get("/_dash-layout", headers={"X-Forwarded-User": "bob"})
    assert r.status_code == 200
    assert sid_of(app, bob_client) != sid_of(app, client)
