"""Serve one module to a room: access code, warm kernels, culling, QR code.

    closer-again serve --module 1 --group 20 [--network] [--port 8866]

starts two Voila servers:

* the **participant page** (the module, in group mode, with the group pulse) on
  ``--port``: on this computer only, or on the local network with
  ``--network``. Every request needs the session's access code, typed on a
  small page or carried in the link (the QR code carries it). Voila keeps
  ``group`` kernels warm, each with the page already run, so a page opens at
  once; kernels of pages that were closed (or phones that went to sleep) are
  ended after ``cull_idle_timeout`` seconds, and the pool refills itself;
* the **facilitator dashboard** on ``--port + 1``, on this computer only.

Access code: six digits, new for every session. Codes are compared in constant
time. After five wrong codes a device's tries are answered more and more slowly,
and a device that types twenty wrong codes waits ten minutes; there is no limit
for the whole room, so other devices (and the right code) are never held up.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .. import curriculum, locations
from ..authoring.group_notebooks import write_group_notebook, write_notebook
from ..settings import GROUP_DIR_ENV, GROUP_MODE_ENV
from ..settings import GROUP_SESSION_ENV as SESSION_ENV
from ..settings import GROUP_STORAGE_ENV as STORAGE_ENV
from ..storage import paths
from ..storage.paths import group_dir
from .access import new_access_code
from .kernels import CULL_IDLE_TIMEOUT, CULL_INTERVAL
from .processes import end_processes, kernel_pids, session_processes

ROOT = locations.ROOT
SHARE = locations.SHARE
DASHBOARD = locations.DASHBOARD
SESSION_FILE = "session.json"


# -- the access code ---------------------------------------------------------------


# -- kernels -------------------------------------------------------------------------


# -- the notebooks served ------------------------------------------------------------


# -- addresses, QR ----------------------------------------------------------------------

def lan_address() -> str:
    """This computer's address on the local network (no packet is sent: a UDP socket is only pointed)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.254.254.254", 9))
            ip = s.getsockname()[0]
            if ip and not ip.startswith("127."):
                return ip
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            ip = info[4][0]
            if not ip.startswith("127."):
                return ip
    except OSError:
        pass
    return "127.0.0.1"


def free_port_pair() -> int:
    """A free port on 127.0.0.1 whose next port is free too (participants, then the facilitator)."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                with socket.socket() as b:
                    b.bind(("127.0.0.1", port + 1))
                    return port
            except OSError:
                continue
    raise RuntimeError("no two free ports in a row")


def participant_url(host: str, port: int, code: str) -> str:
    return f"http://{host}:{port}/?code={code}"


# -- sessions --------------------------------------------------------------------------

def session_path() -> Path:
    return group_dir() / SESSION_FILE


def read_session() -> dict:
    try:
        data = json.loads(session_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_private(path: Path, text: str) -> None:
    paths.ensure_private_dir(path.parent)
    paths.ensure_private_file(path)
    path.write_text(text, encoding="utf-8")


def server_env(**extra: str) -> dict[str, str]:
    """A child server's environment: this one's, with the share folder first and ``extra`` (settings' names)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               JUPYTER_PATH=os.pathsep.join(filter(None, [str(SHARE), os.environ.get("JUPYTER_PATH")])))
    env.update(extra)
    return env


#: The server talks to its kernels through socket files in its own private folder, not TCP ports.
#: A TCP port is picked at random when a kernel starts, and with twenty kernels starting at once
#: another connection took one before its kernel could: the kernel was restarted on new ports,
#: and Voila, still sending to the old one, froze the whole server (seen in benchmarks/group_load.py).
KERNELS_OVER_FILES = ("--KernelManager.transport=ipc",)


def participant_command(notebook: Path, port: int, ip: str, pool_size: int, code_file: Path,
                        cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}", "--theme=light", "--template=closer-again",
        # this port or none: the printed link must be the one that works
        "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        "--VoilaConfiguration.file_denylist=['.*']",
        *KERNELS_OVER_FILES,
        # warm kernels: the page is run before anyone asks for it
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaConfiguration.default_pool_size={pool_size}",
        "--VoilaConfiguration.multi_kernel_manager_class=widgets.group.kernels.GroupKernelManager",
        "--VoilaKernelManager.fill_delay=0.5",
        # end the kernels of pages that are gone
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        # notice a phone that vanished (no close message) within a minute
        "--Voila.tornado_settings={'ws_ping_interval': 15000, 'ws_ping_timeout': 45000}",
        # the access code
        "--Voila.identity_provider_class=widgets.group.access.AccessCodeIdentityProvider",
        f"--AccessCodeIdentityProvider.code_file={code_file}",
    ]


def facilitator_command(port: int, cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
                        cull_interval: int = CULL_INTERVAL) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(DASHBOARD),
        "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", "--theme=light", "--template=closer-again",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        "--VoilaConfiguration.file_denylist=['.*']",
        *KERNELS_OVER_FILES,
        # a closed dashboard tab ends its kernel (at once, or through the culler)
        "--Voila.identity_provider_class=widgets.group.access.DashboardIdentityProvider",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]


def port_is_free(port: int, ip: str = "127.0.0.1") -> bool:
    """Can a server listen on ``ip:port`` now? (Bound the way tornado binds, then let go.)"""
    if not 0 < port < 65535:
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def free_pair_from(port: int, ip: str = "127.0.0.1", tries: int = 50) -> int | None:
    """``port`` if it and the next port are free, else the nearest free pair above it; None if none."""
    for candidate in range(port, min(port + 2 * tries, 65534), 2):
        if port_is_free(candidate, ip) and port_is_free(candidate + 1, "127.0.0.1"):
            return candidate
    return None


class Stopping(Exception):
    """Ctrl+C (or the end of the session) arrived while the session was starting."""


class SignalSafeFlag:
    """What ``threading.Event`` does for this session, except that a signal handler may set it.

    ``Event.set()`` takes a lock. Called from a signal handler while the main thread holds
    that same lock inside ``Event.wait()``, it waits for itself forever (CI saw a closed
    terminal window leave the session hanging). Setting this flag takes no lock; waiting
    looks at it every few hundredths of a second.
    """

    STEP = 0.05

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._set:
            left = self.STEP if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.STEP, left))
        return True


class GroupSession:
    """Both servers of one group session (used by serve_group, the tests and the benchmark).

    ``stop_requested`` is set from outside (Ctrl+C); every wait here looks at it, so a
    session can be stopped at any moment, also while it is starting.
    """

    def __init__(self, module: int, group: int, network: bool = False, port: int = 8866,
                 cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL,
                 code: str | None = None, facilitator: bool = True, log=None):
        self.module = curriculum.module(module)
        self.group = max(1, min(int(group), 60))
        self.network = network
        self.port = port
        self.cull_idle_timeout = cull_idle_timeout
        self.cull_interval = cull_interval
        self.code = code or new_access_code()
        self.session_id = secrets.token_hex(8)
        self.with_facilitator = facilitator
        self.log = log
        self.folder = group_dir() / "session"
        self.participants: subprocess.Popen | None = None
        self.facilitator: subprocess.Popen | None = None
        self.stop_requested = SignalSafeFlag()  # set by the Ctrl+C handler
        self.hurry = SignalSafeFlag()  # a second Ctrl+C: do not wait for kernels to say goodbye

    @property
    def facilitator_port(self) -> int:
        return self.port + 1

    @property
    def bind_ip(self) -> str:
        return "0.0.0.0" if self.network else "127.0.0.1"  # noqa: S104 - only with --network

    @property
    def host(self) -> str:
        return lan_address() if self.network else "127.0.0.1"

    @property
    def url(self) -> str:
        return participant_url(self.host, self.port, self.code)

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def facilitator_url(self) -> str:
        return f"http://127.0.0.1:{self.facilitator_port}/"

    def _pause(self, seconds: float) -> None:
        if self.stop_requested.wait(seconds):
            raise Stopping

    def start(self) -> None:
        """Start both servers and wait until both answer. Raises Stopping (after stopping) on Ctrl+C,
        RuntimeError (after stopping) when a server could not start."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        paths.ensure_private_dir(group_dir())
        if not (port_is_free(self.port, self.bind_ip) and port_is_free(self.facilitator_port)):
            raise RuntimeError(f"port {self.port} or {self.facilitator_port} is in use")
        code_file = self.folder / "access-code"
        write_private(code_file, self.code)
        notebook = write_group_notebook(self.module.number, self.folder)
        self._write_session_file()

        marks = {GROUP_DIR_ENV: str(group_dir()), SESSION_ENV: self.session_id}
        env = server_env(**marks, **{GROUP_MODE_ENV: "1", STORAGE_ENV: "local" if self.network else "session"})
        out = self.log if self.log is not None else subprocess.DEVNULL
        self._pause(0)
        self.participants = subprocess.Popen(
            participant_command(notebook, self.port, self.bind_ip, self.group,
                                code_file, self.cull_idle_timeout, self.cull_interval),
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._write_session_file()
        if self.with_facilitator:
            if not DASHBOARD.exists():

                write_notebook()
            self._pause(0)
            self.facilitator = subprocess.Popen(
                facilitator_command(self.facilitator_port, self.cull_idle_timeout, self.cull_interval),
                cwd=ROOT, env=server_env(**marks), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            self._write_session_file()
        # our own server answers, with our session's mark (not some other program on the port)
        if not self._wait_until(lambda: self.pool().get("session") == self.session_id, self.participants, 120):
            raise RuntimeError("the participant page did not start")
        if self.facilitator is not None:
            # a page that does not exist: any answer shows the server is up, and no kernel is started
            if not self._wait_until(lambda: _answers(self.facilitator_url + "closer-again-up"), self.facilitator, 90):
                raise RuntimeError("the facilitator dashboard did not start")

    def _wait_until(self, ok, proc: subprocess.Popen, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if ok():
                return proc.poll() is None
            self._pause(0.3)
        return False

    def _write_session_file(self) -> None:
        pids = [p.pid for p in (self.participants, self.facilitator) if p is not None]
        write_private(session_path(), json.dumps({
            "module": self.module.number, "url": self.url, "code": self.code, "group": self.group,
            "session": self.session_id, "owner": os.getpid(), "servers": pids, "port": self.port,
        }))

    def kernels(self) -> list[int]:
        return kernel_pids(self.participants.pid) if self.participants else []

    def pool(self) -> dict:
        """The participant server's own account of its kernels (see PoolStatusHandler)."""
        try:
            with urllib.request.urlopen(self.local_url + "closer-again/pool", timeout=5) as r:  # noqa: S310
                data = json.loads(r.read())
                return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def pool_ready(self) -> bool:
        """Every warm kernel of the pool has run its page and waits for a participant."""
        return self.pool().get("warm", 0) >= self.group

    def wait_for_pool(self, timeout: float = 240, tick=None) -> bool:
        """True once the pool is full; False after ``timeout`` seconds or if the server stopped.

        Raises Stopping on Ctrl+C. ``tick`` is called about every two seconds while waiting."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline and self.participants is not None and self.participants.poll() is None:
            if self.pool_ready():
                return True
            self._pause(0.5)
            if tick is not None and time.monotonic() - last >= 2:
                last = time.monotonic()
                tick()
        return False

    def stop(self) -> None:
        """End both servers and every kernel of the session, then remove the code and the session file.

        Each server is asked to stop (it then ends its kernels itself); whatever is
        still running after a few seconds, or at once after a second Ctrl+C, is ended.
        """
        servers = [p for p in (self.participants, self.facilitator) if p is not None]
        for proc in servers:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + 12
        while any(p.poll() is None for p in servers) and time.monotonic() < deadline and not self.hurry.is_set():
            time.sleep(0.1)
        for proc in servers:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # kernels whose server did not end them (killed, or stopped while starting)
        end_processes(session_processes(self.session_id), grace=3, hurry=self.hurry)
        (self.folder / "access-code").unlink(missing_ok=True)
        if read_session().get("session") in (self.session_id, None):
            session_path().unlink(missing_ok=True)
        self.participants = self.facilitator = None


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 - this computer
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if _answers(url):
            return True
        time.sleep(0.3)
    return False


def _is_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, ValueError, TypeError):
        return False


def _is_closer_again(pid) -> bool:
    try:
        return b"widgets" in Path(f"/proc/{int(pid)}/cmdline").read_bytes()
    except (OSError, ValueError, TypeError):
        return False


def leftover_session() -> tuple[str, dict]:
    """An earlier session of this computer's group folder: ("", {}) if none.

    ("running", info): its command is still running (another window);
    ("crashed", info): its command is gone but its servers or kernels are not;
    ("stale", info): only its files are left.
    """
    info = read_session()
    owner = info.get("owner")
    if owner and owner != os.getpid() and _is_alive(owner) and _is_closer_again(owner):
        return "running", info
    if session_processes(folder=group_dir()):
        return "crashed", info
    if info or (group_dir() / "session" / "access-code").exists():
        return "stale", info
    return "", {}


def end_leftover_session() -> None:
    """End what an earlier, crashed session left running, and remove its code and session file."""
    end_processes(session_processes(folder=group_dir()), grace=8)
    (group_dir() / "session" / "access-code").unlink(missing_ok=True)
    session_path().unlink(missing_ok=True)
