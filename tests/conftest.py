"""Shared fixtures. Browser options for dash.testing's headless Chromium live here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# OpenMP threads sleep instead of spinning when idle: on 2 shared cores, spinning KMeans threads starve
# every other process (servers, browsers) the tests start.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_setup_options():
    """Selenium options for dash_duo: Debian's Chromium, no background calls on this closed network."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def live_csv() -> bytes:
    return (DATA / "Live.csv").read_bytes()


@pytest.fixture
def facebook_csv() -> bytes:
    return (DATA / "dataset_Facebook.csv").read_bytes()
