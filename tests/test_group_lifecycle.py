"""A group session started and stopped as a facilitator does: in a terminal, with Ctrl+C.

Each test runs ``workshop.py``'s own way of running the command (``run_and_forward``)
with ``widgets.cli serve --module 1 --group N`` inside a pseudo-terminal, and types
Ctrl+C into that terminal at a chosen moment. Then it looks, as a facilitator's
helper would: the last words on screen, any traceback, any process of the session
left running, and the access code and session file.
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_ports

from widgets.group import processes
from widgets.group import session as g

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.server  # slow: real servers and kernels


class Terminal:
    """A command in its own pseudo-terminal (its controlling terminal, as in a real window)."""

    def __init__(self, argv: list[str], env: dict):
        self.master, slave = pty.openpty()

        def controlling_terminal():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, preexec_fn=controlling_terminal)
        os.close(slave)
        self.output = ""
        self.closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self.closed:
            try:
                if not select.select([self.master], [], [], 0.2)[0]:
                    continue
                chunk = os.read(self.master, 4096)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.output += chunk.decode(errors="replace")

    def close_window(self) -> None:
        """Close the terminal window: the terminal hangs up (SIGHUP), and nothing can be printed any more."""
        self.closed = True
        self._reader.join(5)
        os.close(self.master)
        os.killpg(self.proc.pid, signal.SIGHUP)  # as terminal programs (tmux, xterm) do for the window's group

    def ctrl_c(self) -> None:
        os.write(self.master, b"\x03")  # what the Ctrl+C key sends: the terminal signals the foreground group

    def wait_for(self, pattern: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.output):
                return True
            if self.proc.poll() is not None:
                time.sleep(0.3)
                return bool(re.search(pattern, self.output))
            time.sleep(0.1)
        return False

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        if not self.closed:
            self.closed = True
            self._reader.join(2)
            os.close(self.master)


def fresh_port() -> int:
    """A free pair of ports, never used before in this test run (participants, then the facilitator)."""
    return free_ports(2)


@pytest.fixture
def room(tmp_path):
    """A private group folder and log folder, as a facilitator's laptop has."""
    env = dict(os.environ, CLOSER_AGAIN_GROUP_DIR=str(tmp_path / "group"), CLOSER_AGAIN_LOG_DIR=str(tmp_path / "logs"),
               TERM="dumb")
    started: list[Terminal] = []

    def serve(port: int, group: int = 2) -> Terminal:
        code = ("import sys, workshop; sys.exit(workshop.run_and_forward("
                f"[sys.executable, '-m', 'widgets.cli', 'serve', '--module', '1', '--group', '{group}', "
                f"'--port', '{port}']))")
        term = Terminal([sys.executable, "-c", code], env)
        started.append(term)
        return term

    yield serve, tmp_path / "group"
    for term in started:
        term.close()
    # whatever a failed test left behind
    processes.end_processes(processes.session_processes(folder=tmp_path / "group"), grace=2)


def left_running(folder: Path, timeout: float = 10) -> list[int]:
    """Processes of any session of this group folder still running (polled: zombies are being reaped)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = [p for p in processes.session_processes(folder=folder) if _alive(p)]
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_ended_cleanly(term: Terminal, folder: Path, within: float = 30) -> None:
    assert term.wait(within) is not None, "the command did not end after Ctrl+C:\n" + term.output
    assert "Session ended" in term.output, term.output
    assert "Traceback" not in term.output, term.output
    assert "KeyboardInterrupt" not in term.output, term.output
    assert left_running(folder) == [], "servers or kernels of the session are still running"
    assert not (folder / "session" / "access-code").exists()
    assert not (folder / "session.json").exists()


@pytest.mark.parametrize("moment", ["starting", "pool filling", "ready"])
def test_ctrl_c_at_any_moment_ends_every_server_and_kernel(room, moment):
    serve, folder = room
    term = serve(fresh_port(), group=3)
    if moment == "starting":
        assert term.wait_for("starting the group session", 60), term.output
    elif moment == "pool filling":
        assert term.wait_for("pages ready", 120), term.output
        # servers up, warm kernels starting: the moment the issue saw leave everything running
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not processes.session_processes(folder=folder):
            time.sleep(0.2)
        assert processes.session_processes(folder=folder)
        assert " ready." not in term.output
    else:
        assert term.wait_for(r"Press Ctrl\+C here to end the session", 300), term.output
    started = time.monotonic()
    term.ctrl_c()
    assert_ended_cleanly(term, folder)
    assert time.monotonic() - started < 30


def test_a_second_ctrl_c_while_stopping_is_answered_kindly(room):
    serve, folder = room
    term = serve(fresh_port(), group=2)
    assert term.wait_for(r"Press Ctrl\+C here to end the session", 300), term.output
    term.ctrl_c()
    assert term.wait_for("Ending the session", 10), term.output
    term.ctrl_c()
    assert_ended_cleanly(term, folder)
    assert "Still ending the session" in term.output


def test_a_busy_port_is_left_alone_and_the_printed_link_works(room):
    serve, folder = room
    port = free_ports(4)  # the port asked for, and the next free pair the session moves to
    squatter = socket.socket()  # another program already listens on the port asked for
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    try:
        term = serve(port, group=1)
        assert term.wait_for(r"Press Ctrl\+C here to end the session", 300), term.output
        assert f"Port {port} is in use" in term.output
        link = re.search(r"(http://127\.0\.0\.1:(\d+)/\?code=\d{6})", term.output)
        assert link and int(link.group(2)) != port
        # the printed link opens the workshop (not the "code did not work" page)
        with urllib.request.urlopen(link.group(1), timeout=120) as r:  # noqa: S310 - this computer
            body = r.read().decode()
        assert "did not work" not in body and "asks for a code first" not in body
        assert "Module 1" in body or "ca-" in body
        term.ctrl_c()
        assert_ended_cleanly(term, folder)
    finally:
        squatter.close()


def test_a_session_left_by_a_crash_is_found_and_ended(room):
    serve, folder = room
    port = fresh_port()
    first = serve(port, group=1)
    assert first.wait_for("pages ready", 120), first.output
    assert first.wait_for(r"Press Ctrl\+C here", 300), first.output
    # the window is killed outright: no clean-up runs, servers and kernels are left behind
    os.killpg(first.proc.pid, signal.SIGKILL)
    first.wait(10)
    assert processes.session_processes(folder=folder)
    assert (folder / "session.json").exists()

    second = serve(port, group=1)
    assert second.wait_for("An earlier session did not end properly", 60), second.output
    assert second.wait_for(r"Press Ctrl\+C here", 300), second.output
    assert "the earlier session is ended" in second.output
    assert f":{port}/?code=" in second.output  # its port was freed for the new session
    second.ctrl_c()
    assert_ended_cleanly(second, folder)


def test_closing_the_terminal_window_ends_the_session_too(room):
    serve, folder = room
    term = serve(fresh_port(), group=1)
    assert term.wait_for(r"Press Ctrl\+C here to end the session", 300), term.output
    term.close_window()
    assert term.wait(30) is not None
    assert left_running(folder) == []
    assert not (folder / "session" / "access-code").exists()
    assert not (folder / "session.json").exists()
