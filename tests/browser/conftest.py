"""Browser-test helpers: one pages app per test process, a free port per live server, screenshots."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import ElementClickInterceptedException

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pages_app():
    """The Dash app, built once per process (page registry and callbacks are process-global)."""
    from socialdash.app import create_app
    from socialdash.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="socialdash-browser-"))
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="b" * 48)
    yield create_app(settings)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def live(dash_duo, pages_app):
    """dash_duo with the app served on its own free port."""
    dash_duo.start_server(pages_app, port=free_port())
    return dash_duo


def shot(dash_duo, name: str) -> Path:
    """Save a full-window screenshot to screenshots/<name>.png (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver = dash_duo.driver
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 6000)")
    driver.set_window_size(1280, max(900, int(height) + 40))
    time.sleep(0.3)
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window, then click it like a user."""
    element = dash_duo.wait_for_element(selector, timeout=20)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.2)
    try:
        element.click()
    except ElementClickInterceptedException:  # an overlay (e.g. a grid's scroll shadow) is in the way
        dash_duo.driver.execute_script("arguments[0].click();", element)


def text(dash_duo, selector: str) -> str:
    return dash_duo.find_element(selector).text


def nav(dash_duo, step: str) -> None:
    """Click the navbar step like a user and wait for the URL."""
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    dash_duo.find_element(f"#nav-step-{step}").click()
    deadline = time.monotonic() + 10
    while not dash_duo.driver.current_url.rstrip("/").endswith(f"/{step}"):
        assert time.monotonic() < deadline, dash_duo.driver.current_url
        time.sleep(0.05)
