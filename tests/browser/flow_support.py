"""Helpers for the pages-B browser flow tests: one app per process, page walking, screenshots, downloads."""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
DATA = ROOT / "tests" / "data"
SLOW = 240  # seconds: a cold sweep + run on 2 busy cores


@lru_cache(maxsize=1)
def flow_app():
    """The pages app, built once per test process (page registry and callbacks are process-global)."""
    from socialdash.app import create_app
    from socialdash.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="socialdash-flow-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="x" * 48)
    return create_app(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(dash_duo) -> None:
    dash_duo.start_server(flow_app(), port=free_port())


def go(dash_duo, step: str) -> None:
    """Click the navbar link of ``step`` (in-app navigation, like a user)."""
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    click(dash_duo, f"#nav-step-{step}")
    path = f"/{step}"
    deadline = time.monotonic() + 10
    while not dash_duo.driver.current_url.rstrip("/").endswith(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dash_duo.driver.current_url.rstrip("/").endswith(path), dash_duo.driver.current_url


def screenshot(dash_duo, name: str) -> Path:
    """Full-page PNG in screenshots/ (the window is stretched to the page height first)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    driver = dash_duo.driver
    time.sleep(0.8)  # let Plotly finish its transitions
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(900, int(height) + 120), 6000))
    time.sleep(0.4)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def text_of(dash_duo, selector: str) -> str:
    return dash_duo.find_element(selector).text


def wait_for_source(driver, text: str, timeout: float = 30) -> None:
    """Wait until ``text`` is somewhere in the page (e.g. a grid header that renders after the summary)."""
    deadline = time.monotonic() + timeout
    while text not in driver.page_source:
        assert time.monotonic() < deadline, f"{text!r} never appeared in the page"
        time.sleep(0.2)


def allow_downloads(dash_duo, folder: Path) -> None:
    dash_duo.driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )


def wait_for_file(folder: Path, suffix: str, timeout: float = 120) -> Path:
    """The first finished download ending in ``suffix`` (Chromium writes *.crdownload until done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.3)
    raise AssertionError(f"no {suffix} download in {folder}: {sorted(p.name for p in folder.iterdir())}")


def click(dash_duo, selector: str) -> None:
    """Scroll ``selector`` into the middle of the window and click it once it is enabled (re-finding it
    when Dash re-rendered it in between, e.g. the navbar after a store update)."""
    for attempt in range(5):
        try:
            el = dash_duo.find_element(selector)
            deadline = time.monotonic() + 30
            while not el.is_enabled() and time.monotonic() < deadline:
                time.sleep(0.2)
            dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            time.sleep(0.3)
            el.click()
            return
        except StaleElementReferenceException:
            if attempt == 4:
                raise
            time.sleep(0.5)
        except ElementClickInterceptedException:
            if attempt == 4:  # the layout kept moving under the pointer: click as the DOM would
                dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))
                return
            time.sleep(0.5)


def metric_cells(dash_duo) -> list[str]:
    """The numbers of the #evaluate-metrics table, row by row."""
    return [td.text for td in dash_duo.find_elements("#evaluate-metrics td") if td.text]


__all__ = ["By"]
