"""Shared fixtures: a private journal per test, and the real dashboard in Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(autouse=True)
def private_places(tmp_path, monkeypatch):
    """Every test gets its own journal and log folder; nothing touches the real ones."""
    monkeypatch.setenv("CLOSER_AGAIN_JOURNAL", str(tmp_path / "data" / "journal.sqlite3"))
    monkeypatch.setenv("CLOSER_AGAIN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("CLOSER_AGAIN_COUNTRY", raising=False)
    return tmp_path


@pytest.fixture
def journal_file(tmp_path) -> Path:
    return tmp_path / "data" / "journal.sqlite3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    """The real Voila server, started the way `workshop.py serve` starts it."""

    def __init__(self, home: Path, **env: str):
        self.home = home
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.env = dict(
            os.environ,
            CLOSER_AGAIN_JOURNAL=str(home / "data" / "journal.sqlite3"),
            CLOSER_AGAIN_LOG_DIR=str(home / "logs"),
            **env,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base}/voila/render/{notebook}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "widgets.cli", "serve", f"--port={self.port}"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)  # noqa: S310 - localhost
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the dashboard did not start within 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory):
    dash = Dashboard(tmp_path_factory.mktemp("dashboard"))
    dash.start()
    yield dash
    dash.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CLOSER_AGAIN_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """One participant's browser tab, recording any request that leaves the machine."""

    def __init__(self, browser, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.width = width
        self.outside: list[str] = []
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:", "blob:")):
            self.outside.append(url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector(".ca-toolbar", timeout=90_000)
        self.page.wait_for_function("!document.querySelector('#loading') || document.querySelector('#loading').style.display === 'none'", timeout=90_000)

    def screenshot(self, name: str) -> Path:
        """The whole page, as a participant would scroll through it."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        height = self.page.evaluate(
            "(document.querySelector('#rendered_cells') || document.body).scrollHeight"
        )
        self.page.set_viewport_size({"width": self.width, "height": min(height + 120, 30000)})
        time.sleep(0.5)
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size({"width": self.width, "height": 900})
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def make(width: int = 1280, height: int = 900) -> Visit:
        v = Visit(browser, width, height)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()
