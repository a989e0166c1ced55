"""Built-in sign-in in a real browser: anonymous → login page; a wrong password → the sentence; the right
one → Upload (the file input) → EDA; sign out → back to the login page, and the pages, the callback
endpoint and downloads refuse the signed-out cookie. No console errors on the way."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import requests
from flow_support import DATA, SLOW, free_port, go, text_of, wait_for_source
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.browser

USER, PASSWORD = "alice", "correct horse battery staple"
BAD_LOGIN = "The user name or password is not right. Please try again."


@pytest.fixture(scope="module")
def auth_app():
    from socialdash.app import create_app
    from socialdash.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="socialdash-login-"))
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="l" * 48, auth="builtin",
                        users=f"{USER}:{generate_password_hash(PASSWORD)}")
    yield create_app(settings)
    shutil.rmtree(root, ignore_errors=True)


def sign_in(dash_duo, user: str, password: str) -> None:
    dash_duo.wait_for_element("#login-user", timeout=20)
    name = dash_duo.find_element("#login-user")
    name.clear()
    name.send_keys(user)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()


def path_of(dash_duo) -> str:
    return dash_duo.driver.current_url.split(dash_duo.server.url.rstrip("/"), 1)[1]


def test_sign_in_upload_eda_and_sign_out_in_a_browser(dash_duo, auth_app):
    dash_duo.start_server(auth_app, navigate=False, port=free_port())  # "/" is the login page here
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{base}/upload")
    dash_duo.wait_for_element("#login-user", timeout=20)
    assert path_of(dash_duo) == "/login?next=/upload"  # anonymous: the sign-in page, then back here

    sign_in(dash_duo, USER, "not my password")
    dash_duo.wait_for_contains_text(".alert-danger", BAD_LOGIN, timeout=20)
    assert path_of(dash_duo).startswith("/login")
    assert dash_duo.find_element("#login-user").get_attribute("value") == USER  # kept for the retry

    sign_in(dash_duo, USER, PASSWORD)
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=30)
    assert path_of(dash_duo) == "/upload"
    dash_duo.find_element("#upload-data input[type=file]").send_keys(str(DATA / "dataset_Facebook.csv"))
    dash_duo.wait_for_contains_text("#upload-summary", "500 rows", timeout=60)
    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content .js-plotly-plot", timeout=SLOW)
    wait_for_source(dash_duo.driver, "Total Interactions")
    stored = dash_duo.driver.execute_script("return window.sessionStorage.getItem('session-store');")
    store = json.loads(stored)
    cookies = {c["name"]: c["value"] for c in dash_duo.driver.get_cookies()}  # the signed-in cookie
    signed_in = requests.get(f"{base}/_dash-dependencies", cookies=cookies, timeout=30)
    assert signed_in.status_code == 200  # positive control for the refusals below

    dash_duo.driver.get(f"{base}/logout")
    dash_duo.wait_for_contains_text("[role=status]", "You are signed out.", timeout=20)
    for page in ("/upload", "/eda", "/cluster"):
        dash_duo.driver.get(f"{base}{page}")
        dash_duo.wait_for_element("#login-user", timeout=20)
        assert path_of(dash_duo) == f"/login?next={page}"
    # the cookie copied while signed in is worthless now: the sign-in record is gone on the server
    body = {"output": "..upload-summary.children...upload-shown.data..", "inputs": [], "state": []}
    for method, path in (("POST", "/_dash-update-component"), ("GET", "/_dash-layout"),
                         ("GET", f"/download/{store['handle']}/posts.csv"), ("POST", "/api/upload")):
        r = requests.request(method, f"{base}{path}", json=body, cookies=cookies, timeout=30,
                             headers={"Accept": "application/json", "X-Filename": "x.csv"})
        assert r.status_code == 401 and r.json()["error"] == "Please sign in to use socialdash.", path
    page = requests.get(f"{base}/eda", cookies=cookies, timeout=30, allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/eda"
    assert "500 rows" not in text_of(dash_duo, "body")
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(e["message"][:300] for e in logs)
