"""Flask side: POST /api/upload (streamed, size-capped, typed errors), /healthz, / → /upload, handles."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from socialdash.app import create_app
from socialdash.settings import Settings, SettingsError

DATA = Path(__file__).parent / "data"
OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    settings = Settings(
        data_dir=root / "data", cache_dir=root / "cache", secret_key="w" * 48, max_upload_bytes=200_000
    )
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.server.test_client()


def post(client, name: str, body: bytes, **headers):
    return client.post("/api/upload", data=body, headers={"X-Filename": name, **OCTET, **headers})


def test_upload_ok_returns_handle_and_counts(client, facebook_csv):
    r = post(client, "dataset_Facebook.csv", facebook_csv)
    assert r.status_code == 200
    body = r.get_json()
    assert body["rows"] == 500 and body["columns"] == 19 and body["name"] == "dataset_Facebook.csv"
    assert len(body["handle"]) == 32 and "sha" not in body
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_same_file_twice_gives_two_handles_to_one_dataset(app, client, facebook_csv):
    a = post(client, "dataset_Facebook.csv", facebook_csv).get_json()
    b = post(client, "dataset_Facebook.csv", facebook_csv).get_json()
    assert a["handle"] != b["handle"] and a["rows"] == b["rows"] == 500
    datasets = Path(app.server.extensions["socialdash_settings"].data_dir) / "datasets"
    assert len([p for p in datasets.iterdir() if not p.name.startswith(".")]) == 1
    assert not list((datasets.parent / "uploads").iterdir())  # temp files removed


def test_multipart_upload_works(client, facebook_csv):
    from io import BytesIO

    r = client.post(
        "/api/upload", data={"file": (BytesIO(facebook_csv), "fb.csv")}, content_type="multipart/form-data"
    )
    assert r.status_code == 200 and r.get_json()["rows"] == 500


def test_too_large_is_413_with_a_sentence(client):
    r = post(client, "big.csv", b"a,b\n" + b"1,2\n" * 60_000)
    assert r.status_code == 413
    assert "larger than the 195.3 KB this server accepts" in r.get_json()["error"]


def test_too_large_streamed_without_length_is_413(client):
    from io import BytesIO

    r = client.post(
        "/api/upload",
        input_stream=BytesIO(b"1,2\n" * 100_000),
        headers={"X-Filename": "big.csv", "Transfer-Encoding": "chunked", **OCTET},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert r.status_code == 413 and "this server accepts" in r.get_json()["error"]


def test_bad_file_is_4xx_json_with_a_sentence(client):
    r = post(client, "posts.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert r.status_code == 422
    assert "binary file" in r.get_json()["error"]
    r = post(client, "empty.csv", b"")
    assert r.status_code == 422 and r.get_json()["error"].endswith(".")
    r = client.post("/api/upload", data=b"a,b\n1,2\n", headers=OCTET)
    assert r.status_code == 400 and "no file name" in r.get_json()["error"]


def test_ui_header_gets_errors_as_200_for_a_clean_console(client):
    r = post(client, "posts.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), **{"X-Socialdash-UI": "1"})
    assert r.status_code == 200 and r.get_json()["status"] == 422 and "binary" in r.get_json()["error"]


def test_healthz_ok_then_503_when_data_dir_is_not_writable(app, client, tmp_path):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"
    settings = app.server.extensions["socialdash_settings"]
    data_dir = Path(settings.data_dir)
    mode = data_dir.stat().st_mode
    if os.geteuid() == 0:  # root writes everywhere: make the data dir a file instead
        moved = data_dir.with_name("data-moved")
        data_dir.rename(moved)
        data_dir.write_text("not a directory")
        try:
            r = client.get("/healthz")
        finally:
            data_dir.unlink()
            moved.rename(data_dir)
    else:
        data_dir.chmod(stat.S_IREAD | stat.S_IEXEC)
        try:
            r = client.get("/healthz")
        finally:
            data_dir.chmod(mode)
    assert r.status_code == 503
    assert r.get_json()["checks"]["data_dir"] is False


def test_root_redirects_to_upload_and_pages_render(client):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/upload")
    for path in ("/upload", "/eda", "/preprocess", "/cluster", "/evaluate", "/insights"):
        r = client.get(path)
        assert r.status_code == 200 and b"bootstrap-5.3.8.min.css" in r.data
        assert b"cdn" not in r.data.lower()


def test_handles_are_bound_to_the_session(app, facebook_csv):
    from socialdash.web.handles import HandleError, resolve

    owner, stranger = app.server.test_client(), app.server.test_client()
    handle = post(owner, "fb.csv", facebook_csv).get_json()["handle"]
    with owner:
        owner.get("/upload")
        assert len(resolve(handle)) == 64
    with stranger:
        stranger.get("/upload")
        with pytest.raises(HandleError):
            resolve(handle)
        with pytest.raises(HandleError):
            resolve("../../etc/passwd")


def test_settings_from_env_and_production_guard(tmp_path):
    s = Settings.from_env({"SOCIALDASH_DATA_DIR": str(tmp_path / "d"), "SOCIALDASH_MAX_UPLOAD_BYTES": "1000"})
    assert s.max_upload_bytes == 1000 and len(s.secret_key) > 30
    again = Settings.from_env({"SOCIALDASH_DATA_DIR": str(tmp_path / "d")})
    assert again.secret_key == s.secret_key  # shared by every worker
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"SOCIALDASH_ENV": "production"})
    with pytest.raises(SettingsError, match="whole number"):
        Settings.from_env({"SOCIALDASH_PORT": "eighty"})
