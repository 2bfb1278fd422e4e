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

import asyncio
import hmac
import html
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

import nbformat
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Unicode

from . import build, curriculum, paths
from .pulse import GROUP_DIR_ENV, group_dir

ROOT = Path(__file__).resolve().parent.parent
SHARE = Path(__file__).resolve().parent / "share"
DASHBOARD = ROOT / "facilitator" / "dashboard.ipynb"
GROUP_MODE_ENV = "CLOSER_AGAIN_GROUP_MODE"  # the same name as widgets.page.GROUP_MODE_ENV
SESSION_ENV = "CLOSER_AGAIN_GROUP_SESSION"  # the same name as widgets.browser_journal.SESSION_ENV
SESSION_FILE = "session.json"
CODE_LENGTH = 6
CULL_IDLE_TIMEOUT = 90   # seconds a page may be gone before its kernel ends
CULL_INTERVAL = 15       # how often to look


# -- the access code ---------------------------------------------------------------

def new_access_code() -> str:
    """Six random digits (easy to read aloud and to type on a phone keypad)."""
    return f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"


def normalize_code(typed: str) -> str:
    """What a person typed, without spaces, dashes or dots ('482 913' -> '482913')."""
    return "".join(ch for ch in (typed or "") if ch.isalnum())[:32]


def pretty_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}" if len(code) == CODE_LENGTH else code


def code_matches(typed: str, code: str) -> bool:
    if not code:
        return False
    return hmac.compare_digest(normalize_code(typed).encode(), code.encode())


class AttemptLimiter:
    """Slows down guessing, one device at a time; never the whole room.

    A device's first few wrong codes cost nothing (fingers slip). After that,
    each further try from that device is answered only after a wait that
    doubles (2, 4, 8 ... up to ``longest`` seconds), and a device with
    ``per_device`` wrong codes in ``window`` seconds waits the rest of the
    window. Other devices are never held up by someone else's wrong codes, so a
    participant with the right code always gets in.
    """

    def __init__(self, per_device: int = 20, free: int = 5, longest: float = 30.0, window: float = 600.0,
                 clock=time.monotonic):
        self.per_device = per_device
        self.free = free
        self.longest = longest
        self.window = window
        self.clock = clock
        self._wrong: dict[str, deque] = {}
        self._next_try: dict[str, float] = {}

    def _recent(self, device: str, now: float) -> deque:
        q = self._wrong.get(device, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def gap(self, wrong: int) -> float:
        """Seconds between tries for a device with ``wrong`` recent wrong codes."""
        if wrong < self.free:
            return 0.0
        return min(self.longest, 2.0 ** (wrong - self.free + 1))

    def wait_before_try(self, device: str) -> float | None:
        """Seconds this try must wait before it is checked; None if the device has to wait out the window.

        Tries that arrive together from one device queue one behind the other.
        """
        now = self.clock()
        wrong = len(self._recent(device, now))
        if wrong >= self.per_device:
            return None
        start = max(now, self._next_try.get(device, now))
        if start - now > 4 * self.longest:  # a flood of tries from one device
            return None
        self._next_try[device] = start + self.gap(wrong)
        return start - now

    def blocked(self, device: str) -> bool:
        return len(self._recent(device, self.clock())) >= self.per_device

    def failed(self, device: str) -> None:
        if len(self._wrong) > 10_000:  # bounded memory, whatever happens
            self._wrong.clear()
            self._next_try.clear()
        now = self.clock()
        q = self._recent(device, now)
        q.append(now)
        self._wrong[device] = q
        # the next try from this device waits according to the new count
        self._next_try[device] = max(self._next_try.get(device, now), now + self.gap(len(q)))

    def succeeded(self, device: str) -> None:
        self._wrong.pop(device, None)
        self._next_try.pop(device, None)


class XsrfCookieMixin:
    """Give every page the ``_xsrf`` cookie, so that the page can end its own kernel when it closes.

    Voila's page sends its end-this-kernel request (``POST voila/api/shutdown/<id>``,
    on ``beforeunload``) with the ``_xsrf`` cookie's value as a form field. Without
    that cookie (a page opened from the link, never through a form) the server
    refuses the request, and the kernel waits for the culler. The check itself
    stays on: the cookie only lets the page's own request pass it.
    """

    async def get_user(self, handler):
        user = await super().get_user(handler)
        if user is not None and handler.request.method == "GET":
            handler.current_user = user  # what prepare() sets next; tornado's xsrf_token reads it
            handler.xsrf_token  # noqa: B018 - sets the cookie when it is missing
        return user


class DashboardIdentityProvider(XsrfCookieMixin, PasswordIdentityProvider):
    """The facilitator dashboard's login (none: it listens on this computer only), with the xsrf cookie."""


class AccessCodeIdentityProvider(XsrfCookieMixin, PasswordIdentityProvider):
    """jupyter_server's token login, with our access code as the token and our own page."""

    code_file = Unicode("", config=True, help="File holding this session's access code")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        code = Path(self.code_file).read_text(encoding="utf-8").strip() if self.code_file else ""
        if not code:
            raise ValueError("no access code: AccessCodeIdentityProvider.code_file must name a file holding one")
        self.token = code
        self.login_handler_class = AccessCodeLoginHandler  # Voila passes its own; ours wins
        self.allow_password_change = False
        self.limiter = AttemptLimiter()
        self.sleep = asyncio.sleep

    async def check(self, typed: str, device: str) -> bool | None:
        """True or False, or None when this device has had too many tries for now.

        A device that typed several wrong codes waits a little before its try is checked.
        """
        wait = self.limiter.wait_before_try(device)
        if wait is None:
            return None
        if wait > 0:
            await self.sleep(wait)
        if code_matches(typed, self.token):
            self.limiter.succeeded(device)
            return True
        self.limiter.failed(device)
        return False

    def get_handlers(self):
        return [*super().get_handlers(), (r"/closer-again/pool", PoolStatusHandler)]

    def get_token(self, handler) -> str:
        return handler.get_argument("code", "") or handler.get_argument("token", "")

    async def get_user_token(self, handler):
        typed = self.get_token(handler)
        if not typed or not await self.check(typed, handler.request.remote_ip or "?"):
            return None
        user = self.get_user_cookie(handler)
        if hasattr(user, "__await__"):
            user = await user
        return user or self.generate_anonymous_user(handler)

    async def log_in(self, handler):
        """The code typed on our page: a user, or None (``handler._code_result`` says why)."""
        result = await self.check(handler.get_argument("code", ""), handler.request.remote_ip or "?")
        handler._code_result = result
        return self.generate_anonymous_user(handler) if result else None


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Closer Again: group session</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 19px; line-height: 1.5;
        color: #1d2a2b; background: #fbfbf8; margin: 0; padding: 24px 16px; }}
 main {{ max-width: 32em; margin: 0 auto; }}
 h1 {{ font-size: 1.5em; margin: 0 0 0.4em; }}
 label {{ display: block; font-weight: 600; margin: 1em 0 0.3em; }}
 input {{ font-size: 1.6em; letter-spacing: 0.2em; width: 8em; max-width: 100%; padding: 0.3em 0.4em;
         border: 2px solid #2e6f73; border-radius: 8px; }}
 button {{ font-size: 1em; min-height: 48px; padding: 0.4em 1.2em; margin-top: 1em; border: 0; border-radius: 8px;
          background: #2e6f73; color: #fff; cursor: pointer; }}
 :focus-visible {{ outline: 3px solid #b4530b; outline-offset: 2px; }}
 .message {{ background: #fff4e5; color: #5c3200; border-radius: 8px; padding: 0.6em 0.9em; }}
 .quiet {{ color: #4a5a5b; font-size: 17px; }}
</style></head>
<body><main>
<h1>Closer Again: today's group session</h1>
<p>This page is for the people taking part in today's session, so it asks for a code first.</p>
{message}
<form method="post" action="{action}">
 {xsrf}
 <label for="code">The access code your facilitator is showing (6 numbers)</label>
 <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="off"
        spellcheck="false" maxlength="12" required autofocus>
 <br><button type="submit">Join the session</button>
</form>
<p class="quiet">No code? Please ask your facilitator. You can also use Closer Again at home, at your own pace.
If you need help now, contact your local emergency number or your care team.</p>
</main></body></html>
"""

MESSAGES = {
    "wrong": "That code did not work. Please check the numbers with your facilitator and try again.",
    "blocked": "There have been too many tries from this device. Please wait ten minutes, "
               "then ask your facilitator for the code.",
    "link": "The code in this link did not work. Please type the code your facilitator is showing.",
}


class AccessCodeLoginHandler(LoginFormHandler):
    """The page a participant sees without the code: a kind refusal, and a box to type the code."""

    def _render(self, message: str = ""):
        if not message and "code=" in self.get_argument("next", ""):
            message = "link"
        text = MESSAGES.get(message, "")
        box = f'<p class="message" role="alert">{html.escape(text)}</p>' if text else ""
        nxt = self.get_argument("next", default=self.base_url)
        action = f"{self.base_url.rstrip('/')}/login?next={urllib.parse.quote(nxt, safe='')}"
        self.set_header("Cache-Control", "no-store")
        self.write(PAGE.format(message=box, action=html.escape(action), xsrf=self.xsrf_form_html()))

    @allow_unauthenticated
    def get(self):
        if self.current_user:
            return self._redirect_safe(self.get_argument("next", default=self.base_url))
        return self._render()

    @allow_unauthenticated
    async def post(self):
        user = await self.identity_provider.log_in(self)
        if user is None:
            result = getattr(self, "_code_result", False)
            self.set_status(429 if result is None else 401)
            return self._render("blocked" if result is None else "wrong")
        self.current_user = user
        self.identity_provider.set_login_cookie(self, user)
        nxt = self.get_argument("next", default=self.base_url)
        # never carry a (wrong) code from the old link into the page
        return self._redirect_safe(nxt.split("?", 1)[0] if "code=" in nxt else nxt)


# -- kernels -------------------------------------------------------------------------

def pool_status(kernel_manager) -> dict:
    """How many warm kernels have their page ready, out of the pool; and all kernels."""
    warm = pooled = 0
    for pool in getattr(kernel_manager, "_pools", {}).values():
        for item in pool:
            pooled += 1
            if item.done() and not item.cancelled() and item.exception() is None and item.result()["task"].done():
                warm += 1
    kernels = len(kernel_manager.list_kernel_ids())
    return {"warm": warm, "pooled": pooled, "kernels": kernels, "participants": max(0, kernels - pooled)}


class PoolStatusHandler(JupyterHandler):
    """``/closer-again/pool``: the warm pool, as JSON, for this computer only (no code needed)."""

    @allow_unauthenticated
    def get(self):
        if self.request.remote_ip not in ("127.0.0.1", "::1"):
            raise web.HTTPError(404)
        self.set_header("Cache-Control", "no-store")
        self.finish({**pool_status(self.kernel_manager), "session": os.environ.get(SESSION_ENV, "")})


class GroupKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager base for group sessions.

    A warm kernel may sit in the pool for a long time; when a page takes it, its
    ``last_activity`` is old. Without care the culler could end it in the second
    between the page arriving and the browser connecting. So a kernel that leaves
    the pool gets one full idle period, counted from the first time the culler
    sees it outside the pool, before it can be culled.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_seen: dict[str, float] = {}

    async def cull_kernel_if_idle(self, kernel_id):
        now = time.monotonic()
        first = self._first_seen.setdefault(kernel_id, now)
        if now - first < self.cull_idle_timeout:
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._first_seen.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)


# -- the notebooks served ------------------------------------------------------------

def group_notebook(module_number: int) -> nbformat.NotebookNode:
    """The module's own notebook (from widgets.build), plus the group pulse, without links elsewhere."""
    module = curriculum.module(module_number)
    nb = build.module_notebook(module)
    cells = []
    for cell in nb.cells:
        if cell.get("id") == "footer":
            cells.append(build._code("journal-tools", "page.journal_tools()"))
            cell = build._code("footer", "from IPython.display import HTML, display\n\n"
                                         "display(HTML(page.footer_html()))")
        cells.append(cell)
        if cell.get("id") == "page":
            # without --network the pages run in the facilitator's own browser: say exactly what it keeps
            cells.append(build._code("storage-note", "from widgets.browser_journal import show_storage_note\n\n"
                                                     "show_storage_note()"))
        if cell.get("id") == "who":
            cells.append(build._code("pulse", f"from widgets.pulse import Pulse\n\ndisplay(Pulse({module_number}))"))
    nb.cells = cells
    nb.metadata["closer_again"] = {"module": module_number, "group": True}
    return nb


def write_group_notebook(module_number: int, folder: Path) -> Path:
    paths.ensure_private_dir(folder)
    path = folder / curriculum.module(module_number).notebook_name
    nbformat.write(group_notebook(module_number), path)
    return path


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


def qr_terminal(text: str, color: bool | None = None) -> str:
    """The QR code as text, two modules per character.

    In a colour terminal it is drawn black on white whatever the terminal's own
    colours; otherwise light parts are drawn as blocks (for the usual dark terminal).
    """
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    m = [[bool(x) for x in row] for row in qr.get_matrix()]
    if len(m) % 2:
        m.append([False] * len(m[0]))
    if color is None:
        color = sys.stdout.isatty() and os.environ.get("TERM", "") not in ("", "dumb")
    if color:
        glyph = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
        start, end = "\x1b[30;107m", "\x1b[0m"
    else:
        glyph = {(True, True): " ", (True, False): "▄", (False, True): "▀", (False, False): "█"}
        start = end = ""
    return "\n".join(start + "".join(glyph[(a, b)] for a, b in zip(top, bottom)) + end
                     for top, bottom in zip(m[0::2], m[1::2]))


def qr_svg_data_uri(text: str) -> str:
    """The QR code as an inline SVG (a data: URI): nothing loaded from anywhere."""
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


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
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               JUPYTER_PATH=os.pathsep.join(filter(None, [str(SHARE), os.environ.get("JUPYTER_PATH")])))
    env.update(extra)
    return env


def participant_command(notebook: Path, port: int, ip: str, pool_size: int, code_file: Path,
                        cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}", "--theme=light", "--template=closer-again",
        # this port or none: the printed link must be the one that works
        "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        "--VoilaConfiguration.file_blocklist=['.*']",
        # warm kernels: the page is run before anyone asks for it
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaConfiguration.default_pool_size={pool_size}",
        "--VoilaConfiguration.multi_kernel_manager_class=widgets.group.GroupKernelManager",
        "--VoilaKernelManager.fill_delay=0.5",
        # end the kernels of pages that are gone
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        # notice a phone that vanished (no close message) within a minute
        "--Voila.tornado_settings={'ws_ping_interval': 15000, 'ws_ping_timeout': 45000}",
        # the access code
        "--Voila.identity_provider_class=widgets.group.AccessCodeIdentityProvider",
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
        "--VoilaConfiguration.file_blocklist=['.*']",
        # a closed dashboard tab ends its kernel (at once, or through the culler)
        "--Voila.identity_provider_class=widgets.group.DashboardIdentityProvider",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]


def _proc_ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def kernel_pids(server_pid: int) -> list[int]:
    """Kernel processes started by a server (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if _proc_ppid(int(entry.name)) == server_pid and b"ipykernel" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def session_processes(session_id: str = "", folder: Path | None = None) -> list[int]:
    """Every process of a group session (servers and kernels), found by the marks in its environment.

    ``session_id``: that session only; ``folder``: any session of that group folder.
    Only this user's processes can be read, and this process is never listed.
    """
    marks = []
    if session_id:
        marks.append(f"{SESSION_ENV}={session_id}".encode())
    if folder is not None:
        marks.append(f"{GROUP_DIR_ENV}={folder}".encode())
    if not marks:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if all(mark in env for mark in marks) and any(v.startswith(f"{SESSION_ENV}=".encode()) for v in env):
            found.append(pid)
    return found


def end_processes(pids: list[int], grace: float = 5.0, hurry: threading.Event | None = None) -> None:
    """SIGTERM, then after ``grace`` seconds (or at once if ``hurry`` is set) SIGKILL; waits until they are gone."""
    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        try:  # a zombie is gone for our purposes (its parent will collect it)
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline and not (hurry and hurry.is_set()):
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc); 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


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
        self.stop_requested = threading.Event()
        self.hurry = threading.Event()  # a second Ctrl+C: do not wait for kernels to say goodbye

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
        from .browser_journal import STORAGE_ENV

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
                from .facilitator_dashboard import write_notebook

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


class StopOnSignal:
    """Ctrl+C, SIGTERM or a closed terminal: the first asks the session to stop, a second hurries it.

    Installed before anything starts, so there is no moment at which Ctrl+C leaves servers running.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, session: GroupSession):
        self.session = session
        self.count = 0
        self.previous = {}

    def __enter__(self):
        for sig in self.SIGNALS:
            self.previous[sig] = signal.signal(sig, self)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False

    def __call__(self, signum, frame) -> None:
        self.count += 1
        self.session.stop_requested.set()
        if self.count == 2:
            self.session.hurry.set()
            # os.write: safe even if the signal arrived in the middle of a print
            _say("\nStill ending the session: closing everything now. One moment, please.\n")
        elif self.count > 2:
            _say("\nAlmost done. Please wait a moment.\n")


def _say(text: str) -> None:
    try:
        os.write(sys.stdout.fileno(), text.encode())
    except (OSError, ValueError):
        pass


POOL_TIMEOUT = 240


def serve_group(module: int, group: int, network: bool, port: int) -> int:
    """``closer-again serve --module N --group G [--network]``: run one group session until Ctrl+C."""
    try:
        curriculum.module(module)
    except KeyError:
        numbers = ", ".join(str(m.number) for m in curriculum.modules())
        print(f"There is no module {module} yet. Modules ready: {numbers}.")
        return 2
    log_dir = paths.log_dir()
    paths.ensure_private_dir(log_dir)
    log_file = log_dir / "group.log"
    paths.ensure_private_file(log_file)
    with log_file.open("a", encoding="utf-8") as log:
        session = GroupSession(module, group, network=network, port=port, log=log)
        with StopOnSignal(session):
            return _run(session, network, log_file)


def tell(*args, **kwargs) -> None:
    """print(), except that a terminal that is gone (its window closed) never stops the clean-up."""
    try:
        print(*args, **kwargs)
    except (OSError, ValueError):
        pass


def _run(session: GroupSession, network: bool, log_file: Path) -> int:
    started = False
    try:
        kind, info = leftover_session()
        if kind == "running":
            tell("A group session is already running on this computer"
                  + (f" (Module {info.get('module')}, {str(info.get('url', '')).split('?', 1)[0]})." if info else ".")
                  + "\nEnd it first: press Ctrl+C in its window. Then start this one again.")
            return 3
        if kind == "crashed":
            tell("An earlier session did not end properly (its window was closed, or the computer stopped).\n"
                  "Ending what it left running…", flush=True)
            end_leftover_session()
            tell("Done: the earlier session is ended, and its access code no longer works.\n")
        elif kind == "stale":
            end_leftover_session()
        free = free_pair_from(session.port, session.bind_ip)
        if free is None:
            tell(f"Port {session.port} and the ports after it are in use, so the session cannot start.\n"
                  "Close other programs that serve web pages, or choose another port: add --port 9000.")
            return 4
        if free != session.port:
            tell(f"Port {session.port} is in use by another program, so this session uses port {free} instead.")
            session.port = free
        tell(f"Closer Again: starting the group session for Module {session.module.number} "
              f"({session.module.title}).", flush=True)
        started = True
        session.start()
        tell(f"Getting {session.group} pages ready (this takes a minute or two)", end="", flush=True)
        full = session.wait_for_pool(POOL_TIMEOUT, tick=lambda: tell(".", end="", flush=True))
        if session.participants is None or session.participants.poll() is not None:
            tell("\n\nThe participant page stopped unexpectedly, so the session cannot go on.\n"
                  f"Technical details are in {log_file}. Please start the session again.")
            return 1
        if full:
            tell(" ready.\n")
        else:
            warm = session.pool().get("warm", 0)
            tell(f"\n\nOnly {warm} of {session.group} pages are ready after {POOL_TIMEOUT // 60} minutes "
                  "(this computer is busy). The session works: the first people can join now, and pages for "
                  "the others keep getting ready, so they may wait a little longer.\n")
        tell("Participants: scan the QR code, or open this address and type the code.\n")
        tell(qr_terminal(session.url) + "\n")
        tell(f"    {session.url}")
        tell(f"    Access code: {pretty_code(session.code)}\n")
        if network:
            tell("The page is open to this local network (same Wi-Fi). Only people with the code get in.")
        else:
            tell("The page works on this computer only. Add --network to let phones on this Wi-Fi join.\n"
                  "Pages opened in this computer's browser keep their answers in that browser, on this "
                  "computer:\nbest open the link in a private (incognito) window, and close it at the end.")
        tell(f"\nFacilitator dashboard (timer, ground rules, pulse): {session.facilitator_url}")
        tell(f"(Technical messages go to {log_file})\nPress Ctrl+C here to end the session.", flush=True)
        while session.participants.poll() is None:
            session._pause(1)
        tell("\nThe participant page stopped unexpectedly. "
              f"Technical details are in {log_file}. Please start the session again.")
        return 1
    except Stopping:
        return 0
    except RuntimeError as err:
        if session.stop_requested.is_set():
            return 0
        tell(f"\n\nThe session could not start: {err}.\nTechnical details are in {log_file}. "
              "Please try again; if it happens again, restart the computer.")
        return 1
    finally:
        if started:
            try:
                tell("\nEnding the session…", flush=True)
            finally:
                session.stop()
            if network:
                tell("Session ended. The access code no longer works. No participant's answers were kept on "
                      "this computer; the group pulse keeps only anonymous totals.", flush=True)
            else:
                tell("Session ended. The access code no longer works. The workshop kept no participant's "
                      "answers on this computer.\nIf pages were open in this computer's own browser (not a "
                      "private window), that browser may still hold their answers: close it, then clear its "
                      "data for 127.0.0.1 (see the README, 'A group session with a facilitator').", flush=True)
