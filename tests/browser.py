"""Headless Chromium for end-to-end tests: Debian's chromium and chromium-driver driven by Selenium."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDTH, HEIGHT = 1280, 900


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


def start_chromium(user_data_dir: Path, downloads: Path | None = None) -> Any:
    """A Chromium WebDriver with a fresh profile (saving downloads in `downloads`); skips the test when no
    Chromium can be had here."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])")
    from selenium.webdriver.chrome.service import Service

    browser = _find("chromium", "/usr/bin/chromium", "chromium-browser")
    driver = _find("chromedriver", "/usr/bin/chromedriver")
    if not browser or not driver:
        pytest.skip("no Chromium here: `make browser` installs Debian's chromium and chromium-driver (needs apt-get)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*FLAGS, f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={user_data_dir}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
    # An explicit driver path: Selenium Manager (which would download drivers) never runs.
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


class Screenshots:
    """Numbered full-page PNGs of each stage, in test-artifacts/<name>/ (gitignored), for people to look at."""

    def __init__(self, driver: Any, name: str):
        self.driver = driver
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def take(self, stage: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{stage}.png"
        full = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(WIDTH, min(max(int(full), HEIGHT) + 120, 4000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(WIDTH, HEIGHT)
        return path


def wait_until(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition", interval: float = 0.1):
    """The first truthy value of `predicate`, polled; a TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
