"""Shared fixtures: a private journal per test, and the real dashboard in Chromium.

Test lanes (markers, declared in pyproject.toml). Every test is in exactly one:

* ``browser``: drives Chromium (it uses the ``browser`` or ``visit`` fixture);
* ``server``: starts a Voila, Jupyter or JupyterHub server (a fixture named in
  SERVER_FIXTURES, or ``@pytest.mark.server`` in its file);
* ``kernel``: starts Jupyter kernels (papermill, nbval: ``@pytest.mark.kernel``);
* ``unit``: everything else: plain Python, under a minute for the whole lane.

A test left in ``unit`` that starts a kernel or a server fails and says which
marker it needs (an audit hook sees every process the test run starts).

    pytest -m unit                     the fast lane
    pytest -m "unit or kernel"         no servers, no browser
"""
from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

from widgets.group import session as g

ROOT = Path(__file__).resolve().parent.parent
LANES = ("unit", "kernel", "server", "browser")  # lightest to heaviest
#: fixtures that start a real server for the tests that use them
SERVER_FIXTURES = {"dashboard", "group_dashboard", "old_journal_dashboard", "session", "room", "hub_in"}
#: what a started process is, from its command line
SPAWNS = (
    ("browser", re.compile(r"playwright|chrom", re.I)),
    ("server", re.compile(r"\bvoila\b|jupyterhub|jupyter\S*\s+(lab|server|notebook)\b|jupyter-(lab|server)"
                          r"|widgets\.cli\s+(serve|lab)|workshop\.py\s+hub")),
    ("kernel", re.compile(r"ipykernel|--nbval|papermill")),
)


def lane_of(item: pytest.Item) -> str:
    marked = [lane for lane in LANES[1:] if item.get_closest_marker(lane)]
    if "browser" in item.fixturenames:
        marked.append("browser")
    if SERVER_FIXTURES & set(item.fixturenames):
        marked.append("server")
    return max(marked, key=LANES.index) if marked else "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        lane = lane_of(item)
        marked = [name for name in LANES if item.get_closest_marker(name)]
        if len(marked) > 1 or marked and marked != [lane]:
            raise pytest.UsageError(f"{item.nodeid} is marked {marked} but belongs in the {lane} lane alone "
                                    "(see tests/conftest.py)")
        item.stash[LANE] = lane
        if not item.get_closest_marker(lane):
            item.add_marker(getattr(pytest.mark, lane))


LANE = pytest.StashKey[str]()
_spawned: list[str] | None = None  # command lines started while a unit test runs


def _audit(event: str, args) -> None:
    if _spawned is not None and event == "subprocess.Popen":
        _spawned.append(" ".join(map(str, args[1] or [args[0]])))


sys.addaudithook(_audit)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Watch what a unit test starts, from its fixtures' setup to its teardown."""
    global _spawned
    _spawned = [] if item.stash.get(LANE, "unit") == "unit" else None
    try:
        yield
    finally:
        _spawned = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    outcome = yield
    if _spawned and outcome.excinfo is None:
        for lane, pattern in SPAWNS:
            started = [cmd for cmd in _spawned if pattern.search(cmd)]
            if started:
                raise pytest.fail(f"this test starts {started[0][:120]!r}: it belongs in the {lane} lane "
                                  f"(mark it @pytest.mark.{lane}; see tests/conftest.py)", pytrace=False)


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.2, what: str = "it"):
    """Poll until ``condition()`` is truthy and return its value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}, in vain")
        time.sleep(interval)


def holds_for(condition: Callable[[], object], seconds: float, interval: float = 0.25, what: str = "it") -> None:
    """Check ``condition()`` again and again for ``seconds``: for things that must NOT happen."""
    deadline = time.monotonic() + seconds
    while True:
        assert condition(), f"{what} stopped holding"
        if time.monotonic() > deadline:
            return
        time.sleep(interval)
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


#: ports the tests' servers use: below Linux's ephemeral ports (32768 and up), which kernels, browsers
#: and clients take at random at any moment; a port picked there could be taken before its server binds it
TEST_PORTS = (20000, 32000)
_handed_out: set[int] = set()


def free_ports(count: int = 1) -> int:
    """The first of ``count`` consecutive free ports, never handed out before in this test run.

    Each xdist worker has its own share of TEST_PORTS, so two workers never pick the same port.
    """
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    share = (TEST_PORTS[1] - TEST_PORTS[0]) // workers
    first, last = TEST_PORTS[0] + worker * share, TEST_PORTS[0] + (worker + 1) * share - count
    start = random.randrange(first, last)  # another run's servers may still hold the ports where it began
    for port in list(range(start, last)) + list(range(first, start)):
        block = range(port, port + count)
        if _handed_out.intersection(block) or not all(_bindable(p) for p in block):
            continue
        _handed_out.update(block)
        return port
    raise RuntimeError(f"no {count} free ports in a row for this test worker")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    return free_ports(1)


def choose(visit, name: str, timeout: float = 30) -> None:
    """Press a name in "Who is using this page right now?" and wait until the page is theirs."""
    visit.page.get_by_role("button", name=name, exact=True).first.click()
    answering(visit, name, timeout)


def answering(visit, name: str, timeout: float = 30) -> None:
    """Wait until the page says ``name`` is answering, and every card has opened for them (the name
    shows first; no card still says "Opening…")."""
    visit.page.get_by_text(f"{name} is answering now").first.wait_for(timeout=timeout * 1000)
    visit.page.wait_for_function(
        "() => ![...document.querySelectorAll('.ca-kind')].some(el => el.textContent.includes('Opening…'))",
        timeout=timeout * 1000)


def no_sideways_scroll(visit) -> bool:
    """The page fits its width: nothing to scroll sideways (on a phone, nothing cut off)."""
    return visit.page.evaluate(
        "() => { const el = document.querySelector('#rendered_cells') || document.documentElement;"
        " return el.scrollWidth <= el.clientWidth + 1; }"
    )


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
        def answers() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the dashboard ended at once:\n{self.proc.stdout.read()}")
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)  # noqa: S310 - localhost
                return True
            except OSError:
                return False

        wait_until(answers, 60, 0.3, "the dashboard to start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> "Dashboard":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory):
    with Dashboard(tmp_path_factory.mktemp("dashboard")) as dash:
        yield dash


@contextlib.contextmanager
def group_session(home: Path, pool: int, code: str, **options):
    """A real group session with folders of its own; it ends, and the environment is restored, however the test ends."""
    with pytest.MonkeyPatch.context() as env, (home / "server.log").open("w") as log:
        env.setenv("CLOSER_AGAIN_GROUP_DIR", str(home / "group"))
        env.setenv("CLOSER_AGAIN_LOG_DIR", str(home / "logs"))
        s = g.GroupSession(1, pool, port=free_ports(2), code=code, log=log, **options)
        try:
            s.start()
            yield s
        finally:
            s.stop()


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

    def __init__(self, browser, width: int = 1280, height: int = 900, storage_state: dict | None = None):
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                           storage_state=storage_state)
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
        # the page has laid itself out again at the new size: two animation frames later
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size({"width": self.width, "height": 900})
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def make(width: int = 1280, height: int = 900, storage_state: dict | None = None) -> Visit:
        v = Visit(browser, width, height, storage_state)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()
