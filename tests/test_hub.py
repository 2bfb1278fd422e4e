"""The workshop on JupyterHub, on this machine: a real hub, its proxy, two people, Chromium.

The hub is started from deploy/hub/jupyterhub_config.py (as ``python3 workshop.py hub``
starts it) on 127.0.0.1, with the shared test password. configurable-http-proxy comes
from npm: ``python3 workshop.py test`` installs it into .hub/node when it is missing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ARTIFACTS, ROOT, Visit, answering, free_ports, holds_for, wait_until

pytestmark = pytest.mark.browser
CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
PASSWORD = "loopback-test-password"
ALEX_TEXT = "alex-only: tired after the scan"
SAM_TEXT = "sam-only: the new pills help"


def proxy_command() -> str:
    found = (os.environ.get("CLOSER_AGAIN_HUB_PROXY")
             or next((str(p) for p in [ROOT / ".hub" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"]
                      if p.exists()), None)
             or shutil.which("configurable-http-proxy"))
    assert found, ("configurable-http-proxy is missing: `python3 workshop.py test` installs it "
                   "(npm install --prefix .hub/node configurable-http-proxy)")
    return found


def free_port_block(size: int = 3) -> int:
    """A port P with P, P+1 and P+2 free: the proxy, the hub's own API and the proxy's API."""
    return free_ports(size)


def pids_with_home_in(homes: Path) -> list[int]:
    """Every process (people's servers and their kernels) whose HOME is a folder in ``homes``."""
    mark = f"HOME={homes}/".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if any(v.startswith(mark) for v in (entry / "environ").read_bytes().split(b"\0")):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


class Hub:
    """JupyterHub with our configuration, in a folder of its own."""

    def __init__(self, folder: Path, answers: str = "home", idle: int = 3600, cull_every: int = 300):
        self.folder = folder
        self.port = free_port_block()
        self.log_path = folder / "hub.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSER_AGAIN_", "JUPYTERHUB_"))}
        env.update(CLOSER_AGAIN_HUB_DIR=str(folder / "state"), CLOSER_AGAIN_HUB_PORT=str(self.port),
                   CLOSER_AGAIN_HUB_PASSWORD=PASSWORD, CLOSER_AGAIN_HUB_ANSWERS=answers,
                   CLOSER_AGAIN_HUB_IDLE=str(idle), CLOSER_AGAIN_HUB_CULL_EVERY=str(cull_every),
                   CLOSER_AGAIN_HUB_PROXY=proxy_command(),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
        self.env = env
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def home(self, user: str) -> Path:
        return self.folder / "state" / "homes" / user

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        # SIGINT as normal: a shell's background job ignores it, and its children would too, so
        # the idle culler would not stop until the hub's 30 s interrupt timeout ran out
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                                     cwd=self.folder, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 90
        while time.time() < deadline:
            assert self.proc.poll() is None, f"the hub stopped at start:\n{self.log()[-3000:]}"
            try:
                urllib.request.urlopen(self.base + "/hub/api/", timeout=2)  # noqa: S310 - loopback
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the hub did not start within 90 s:\n{self.log()[-3000:]}")

    def server_pids(self) -> list[int]:
        return pids_with_home_in(self.folder / "state" / "homes")

    def stop(self) -> int | None:
        code = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        for pid in self.server_pids():  # only if a stop went wrong: do not leave servers behind
            os.kill(pid, signal.SIGKILL)
        if getattr(self, "_log", None):
            self._log.close()
        return code


def sign_in(visit: Visit, hub: Hub, user: str) -> None:
    visit.page.goto(hub.base + "/hub/login")
    visit.page.get_by_label("Username").fill(user)
    visit.page.get_by_label("Password").fill(PASSWORD)
    visit.page.get_by_role("button", name="Sign in").click()


def wait_for_start_page(visit: Visit, user: str) -> None:
    # the server opens the dashboard's start page by itself
    visit.page.wait_for_url(f"**/user/{user}/voila/render/00_start_here.ipynb*", timeout=120_000)
    visit.page.wait_for_selector(".ca-toolbar", timeout=90_000)


def log_in(visit: Visit, hub: Hub, user: str) -> None:
    sign_in(visit, hub, user)
    wait_for_start_page(visit, user)


def log_in_together(hub: Hub, people: dict[str, Visit]) -> None:
    """Everyone signs in, then each waits for their own start page: the servers start side by side."""
    for user, visit in people.items():
        sign_in(visit, hub, user)
    for user, visit in people.items():
        wait_for_start_page(visit, user)


def click_module_1(visit: Visit) -> None:
    visit.page.locator(".ca-modules a").first.click()


def wait_for_module_1(visit: Visit) -> None:
    visit.page.wait_for_url("**/01_welcome.ipynb", timeout=30_000)
    visit.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    visit.page.wait_for_function(
        "!document.querySelector('#loading') || document.querySelector('#loading').style.display === 'none'",
        timeout=90_000)


def open_module_1(*visits: Visit) -> None:
    """Each page opens module 1 (at the same time when there are several) and waits until it has loaded."""
    for visit in visits:
        click_module_1(visit)
    for visit in visits:
        wait_for_module_1(visit)


def answer_as_partner_1(visit: Visit, text: str, hub: Hub) -> None:
    visit.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(visit, "Partner 1", timeout=20)
    box = visit.page.locator("textarea").nth(0)
    box.fill(text)
    visit.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    # written to the journal, or kept by the browser (polled)
    wait_until(lambda: text in browser_copy(visit) or _somewhere(text, hub.folder), 20, 0.3, what="the answer stored")


def _somewhere(text: str, root: Path) -> bool:
    try:
        return bool(files_containing(text, root))
    except OSError:  # a file (SQLite's own journal) went away while we looked: look again
        return False


def files_containing(text: str, root: Path) -> list[Path]:
    needle = text.encode()
    return sorted(p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes())


def browser_copy(visit: Visit) -> str:
    return visit.page.evaluate(
        "Object.keys(localStorage).concat(Object.keys(sessionStorage))"
        ".filter(k => k.startsWith('closer-again-journal'))"
        ".map(k => (localStorage.getItem(k) || '') + (sessionStorage.getItem(k) || '')).join('')")


@pytest.fixture
def hub_in(tmp_path):
    started: list[Hub] = []

    def make(**kwargs) -> Hub:
        hub = Hub(tmp_path / f"hub{len(started)}", **kwargs)
        started.append(hub)
        hub.start()
        return hub

    yield make
    for hub in started:
        hub.stop()


@pytest.fixture(scope="module")
def browser_mode_hub(tmp_path_factory):
    """One answers="browser" hub for the tests of that mode; each test signs in people of its own.

    It stops when the last of them is done (and when one fails): cleanly, exit code 0, no server left.
    """
    hub = Hub(tmp_path_factory.mktemp("browser-mode-hub"), answers="browser")
    try:
        hub.start()
        yield hub
    finally:
        code = hub.stop()
        left = hub.server_pids()
    assert code == 0, f"the browser-mode hub stopped with {code}:\n{hub.log()[-3000:]}"
    assert left == []


def test_two_people_each_keep_their_answers_in_their_own_journal(hub_in, browser):
    hub = hub_in(answers="home")
    alex, sam = Visit(browser), Visit(browser)
    try:
        log_in_together(hub, {"alex": alex, "sam": sam})
        # the start page is the dashboard: no JupyterLab, no code
        assert alex.page.locator(".jp-InputArea:visible, .jp-Notebook-toolbar, #jp-top-panel").count() == 0
        open_module_1(alex, sam)
        answer_as_partner_1(alex, ALEX_TEXT, hub)
        answer_as_partner_1(sam, SAM_TEXT, hub)
        ARTIFACTS.mkdir(exist_ok=True)
        alex.page.screenshot(path=str(ARTIFACTS / "hub-module-01-alex.png"))

        # each answer is in that person's own journal, and nowhere else on the hub's disk
        alex_journal = hub.home("alex") / ".local" / "share" / "closer-again" / "journal.sqlite3"
        sam_journal = hub.home("sam") / ".local" / "share" / "closer-again" / "journal.sqlite3"
        assert alex_journal.exists() and sam_journal.exists()
        assert oct(alex_journal.stat().st_mode & 0o777) == "0o600"
        assert [p.parent for p in files_containing(ALEX_TEXT, hub.folder)] == [alex_journal.parent]
        assert [p.parent for p in files_containing(SAM_TEXT, hub.folder)] == [sam_journal.parent]

        # Sam asking for Alex's pages is refused, by address and through the API
        refused = sam.page.goto(hub.base + "/user/alex/voila/render/01_welcome.ipynb")
        assert refused.status == 403
        assert ALEX_TEXT not in sam.page.content()
        api = sam.page.request.get(hub.base + "/user/alex/api/contents")
        assert api.status in (302, 403) or "alex" not in api.url
        # JupyterLab, the file tree and terminals do not exist on a participant's server
        for path in ("lab", "tree", "terminals/1", "notebooks/01_welcome.ipynb"):
            assert sam.page.goto(f"{hub.base}/user/sam/{path}").status == 404, path
        # nobody is an admin
        assert sam.page.goto(hub.base + "/hub/admin").status == 403

        # nothing was asked of any address but this computer, and no page names a CDN
        assert alex.outside == [] and sam.outside == []
        page = alex.page.content()
        assert "cdnjs" not in page and "cdn.jsdelivr" not in page and '"fullMathjaxUrl": null' in page
    finally:
        alex.close()
        sam.close()

    # the hub stops cleanly: exit code 0, every person's server and kernel gone with it
    assert hub.server_pids(), "the two servers were running"
    assert hub.stop() == 0
    assert hub.server_pids() == []


def test_the_idle_culler_stops_servers_nobody_uses(hub_in, browser):
    # the hub notices activity every 5 s whatever the idle time (deploy/hub/jupyterhub_config.py), so 10 s
    # without use still only catches a server nobody uses
    hub = hub_in(answers="home", idle=10, cull_every=2)
    alex = Visit(browser)
    try:
        log_in(alex, hub, "alex")
        assert hub.server_pids()
    finally:
        alex.close()  # Alex leaves: the page and its connection are gone
    deadline = time.time() + 120
    while time.time() < deadline and hub.server_pids():
        time.sleep(0.25)
    assert hub.server_pids() == [], "the idle server was not stopped"
    assert "Culling server alex" in hub.log() or "culling server alex" in hub.log().lower()
    assert hub.stop() == 0


def test_the_one_command_starts_a_hub_a_new_person_can_use(tmp_path, browser):
    """`python3 workshop.py hub`: it prints the address and the password, they work, Ctrl+C stops it."""
    port = free_port_block()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSER_AGAIN_", "JUPYTERHUB_"))}
    env.update(CLOSER_AGAIN_HUB_DIR=str(tmp_path / "hub"), CLOSER_AGAIN_HUB_PROXY=proxy_command())
    proc = subprocess.Popen([sys.executable, str(ROOT / "workshop.py"), "hub", f"--port={port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    printed = []
    try:
        for line in proc.stdout:
            printed.append(line)
            if "password:" in line:
                break
        text = "".join(printed)
        assert f"http://127.0.0.1:{port}/" in text, text
        password = text.rsplit("password:", 1)[1].split()[0]
        assert len(password) >= 8
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api/", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                assert time.time() < deadline, "the hub did not answer"
                time.sleep(0.1)
        v = Visit(browser)
        try:
            v.page.goto(f"http://127.0.0.1:{port}/")
            v.page.get_by_label("Username").fill("robin")
            v.page.get_by_label("Password").fill(password)
            v.page.get_by_role("button", name="Sign in").click()
            v.page.wait_for_url("**/user/robin/voila/render/00_start_here.ipynb*", timeout=120_000)
            v.page.locator(".ca-modules a").first.wait_for(timeout=90_000)
            assert v.outside == []
            assert pids_with_home_in(tmp_path / "hub" / "homes"), "Robin's server runs"
        finally:
            v.close()
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        code = proc.wait(timeout=60)
    assert code == 0
    assert (tmp_path / "hub" / "homes" / "robin").is_dir()
    assert pids_with_home_in(tmp_path / "hub" / "homes") == [], "Ctrl+C stopped Robin's server too"


# the answers="browser" tests share one hub (browser_mode_hub); last in the file, so that it stops
# as soon as they are done
def test_in_browser_mode_answers_stay_only_in_each_persons_browser(browser_mode_hub, browser):
    hub = browser_mode_hub  # it stops cleanly (exit code 0, no server left) after the last test using it
    alex, sam = Visit(browser), Visit(browser)
    try:
        log_in_together(hub, {"alex": alex, "sam": sam})
        open_module_1(alex, sam)
        answer_as_partner_1(alex, ALEX_TEXT, hub)
        answer_as_partner_1(sam, SAM_TEXT, hub)
        assert ALEX_TEXT in browser_copy(alex) and SAM_TEXT not in browser_copy(alex)
        assert SAM_TEXT in browser_copy(sam) and ALEX_TEXT not in browser_copy(sam)
        # nothing reaches the hub's disk: no journal, no copy in any file of the hub
        assert files_containing(ALEX_TEXT, hub.folder) == []
        assert files_containing(SAM_TEXT, hub.folder) == []
        assert not list((hub.folder / "state" / "homes").rglob("journal.sqlite3"))
        # a reload brings the answer back from the browser
        alex.page.reload()
        alex.page.wait_for_selector(".ca-toolbar", timeout=90_000)
        alex.page.get_by_role("button", name="Partner 1", exact=True).first.click()
        alex.page.wait_for_function(
            f"[...document.querySelectorAll('textarea')].some(t => t.value === {ALEX_TEXT!r})", timeout=30_000)
        assert alex.outside == [] and sam.outside == []
    finally:
        alex.close()
        sam.close()


def test_in_browser_mode_a_shared_browser_never_shows_one_persons_answers_to_the_next(browser_mode_hub, browser):
    """A clinic tablet: Alex answers and signs out, Sam signs in on the same browser."""
    hub = browser_mode_hub  # shared: Alex and Sam here are people of this test alone
    tablet = Visit(browser)
    try:
        log_in(tablet, hub, "tablet-alex")
        open_module_1(tablet)
        answer_as_partner_1(tablet, ALEX_TEXT, hub)
        assert ALEX_TEXT in browser_copy(tablet)
        tablet.page.goto(hub.base + "/hub/logout")
        log_in(tablet, hub, "tablet-sam")
        open_module_1(tablet)
        tablet.page.get_by_role("button", name="Partner 1", exact=True).first.click()
        answering(tablet, "Partner 1", timeout=20)
        holds_for(lambda: ALEX_TEXT not in tablet.page.locator("textarea").evaluate_all("els => els.map(e => e.value)")
                  and ALEX_TEXT not in tablet.page.content(), 1.5, what="none of Alex's text on Sam's page")
        # as README says: one site, one copy; Sam's page removed the copy Alex left here
        assert ALEX_TEXT not in browser_copy(tablet)
        assert tablet.outside == []
    finally:
        tablet.close()
