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
time; a device that types ten wrong codes waits ten minutes, and the server
accepts at most a hundred wrong codes per ten minutes in all.
"""
from __future__ import annotations

import hmac
import html
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
    """Slows down guessing: per device, and for the whole server."""

    def __init__(self, per_device: int = 10, overall: int = 100, window: float = 600.0, clock=time.monotonic):
        self.per_device = per_device
        self.overall = overall
        self.window = window
        self.clock = clock
        self._device: dict[str, deque] = {}
        self._all: deque = deque()

    def _trim(self, q: deque, now: float) -> deque:
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, device: str) -> bool:
        now = self.clock()
        mine = self._trim(self._device.get(device, deque()), now)
        return len(mine) >= self.per_device or len(self._trim(self._all, now)) >= self.overall

    def failed(self, device: str) -> None:
        now = self.clock()
        self._device.setdefault(device, deque()).append(now)
        self._all.append(now)
        if len(self._device) > 10_000:  # bounded memory, whatever happens
            self._device.clear()


class AccessCodeIdentityProvider(PasswordIdentityProvider):
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

    def check(self, typed: str, device: str) -> bool | None:
        """True or False, or None when this device (or the server) is refusing tries for a while."""
        if self.limiter.blocked(device):
            return None
        if code_matches(typed, self.token):
            return True
        self.limiter.failed(device)
        return False

    def get_handlers(self):
        return [*super().get_handlers(), (r"/closer-again/pool", PoolStatusHandler)]

    def get_token(self, handler) -> str:
        return handler.get_argument("code", "") or handler.get_argument("token", "")

    async def get_user_token(self, handler):
        typed = self.get_token(handler)
        if not typed or not self.check(typed, handler.request.remote_ip or "?"):
            return None
        user = self.get_user_cookie(handler)
        if hasattr(user, "__await__"):
            user = await user
        return user or self.generate_anonymous_user(handler)

    def process_login_form(self, handler):
        result = self.check(handler.get_argument("code", ""), handler.request.remote_ip or "?")
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
    "blocked": "There have been too many tries. Please wait ten minutes, then ask your facilitator for the code.",
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
    def post(self):
        user = self.identity_provider.process_login_form(self)
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
        self.finish(pool_status(self.kernel_manager))


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
        return json.loads(session_path().read_text(encoding="utf-8"))
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


def facilitator_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(DASHBOARD),
        "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", "--theme=light", "--template=closer-again",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        "--VoilaConfiguration.file_blocklist=['.*']",
    ]


def kernel_pids(server_pid: int) -> list[int]:
    """Kernel processes started by a server (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server_pid and b"ipykernel" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc); 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - this computer
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


class GroupSession:
    """Both servers of one group session (used by serve_group, the tests and the benchmark)."""

    def __init__(self, module: int, group: int, network: bool = False, port: int = 8866,
                 cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL,
                 code: str | None = None, facilitator: bool = True, log=None):
        self.module = curriculum.module(module)
        self.group = max(1, min(int(group), 60))
        self.network = network
        self.port = port
        self.facilitator_port = port + 1
        self.cull_idle_timeout = cull_idle_timeout
        self.cull_interval = cull_interval
        self.code = code or new_access_code()
        self.with_facilitator = facilitator
        self.log = log
        self.folder = group_dir() / "session"
        self.participants: subprocess.Popen | None = None
        self.facilitator: subprocess.Popen | None = None

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

    def start(self) -> None:
        paths.ensure_private_dir(group_dir())
        code_file = self.folder / "access-code"
        write_private(code_file, self.code)
        notebook = write_group_notebook(self.module.number, self.folder)
        write_private(session_path(), json.dumps({
            "module": self.module.number, "url": self.url, "code": self.code, "group": self.group,
        }))
        from .browser_journal import SESSION_ENV, STORAGE_ENV

        env = server_env(**{GROUP_MODE_ENV: "1", GROUP_DIR_ENV: str(group_dir()),
                            SESSION_ENV: secrets.token_hex(8),
                            STORAGE_ENV: "local" if self.network else "session"})
        out = self.log if self.log is not None else subprocess.DEVNULL
        self.participants = subprocess.Popen(
            participant_command(notebook, self.port, "0.0.0.0" if self.network else "127.0.0.1", self.group,
                                code_file, self.cull_idle_timeout, self.cull_interval),
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if self.with_facilitator:
            if not DASHBOARD.exists():
                from .facilitator_dashboard import write_notebook

                write_notebook()
            self.facilitator = subprocess.Popen(
                facilitator_command(self.facilitator_port), cwd=ROOT, env=server_env(**{GROUP_DIR_ENV: str(group_dir())}),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_until_up(self.local_url + "login", self.participants):
            self.stop()
            raise RuntimeError("the participant page did not start; see the log")
        if self.facilitator is not None:
            wait_until_up(self.facilitator_url, self.facilitator, timeout=60)

    def kernels(self) -> list[int]:
        return kernel_pids(self.participants.pid) if self.participants else []

    def pool(self) -> dict:
        """The participant server's own account of its kernels (see PoolStatusHandler)."""
        try:
            with urllib.request.urlopen(self.local_url + "closer-again/pool", timeout=5) as r:  # noqa: S310
                return json.loads(r.read())
        except (OSError, ValueError):
            return {}

    def pool_ready(self) -> bool:
        """Every warm kernel of the pool has run its page and waits for a participant."""
        return self.pool().get("warm", 0) >= self.group

    def wait_for_pool(self, timeout: float = 240) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.pool_ready():
                return True
            time.sleep(0.5)
        return False

    def stop(self) -> None:
        for proc in (self.participants, self.facilitator):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.participants, self.facilitator):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        (self.folder / "access-code").unlink(missing_ok=True)
        session_path().unlink(missing_ok=True)
        self.participants = self.facilitator = None


def _interrupt(*_):
    raise KeyboardInterrupt


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
        print(f"Closer Again: starting the group session for Module {module} ({session.module.title}).", flush=True)
        session.start()
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            print(f"Getting {session.group} pages ready", end="", flush=True)
            deadline = time.time() + 240
            while not session.pool_ready() and time.time() < deadline:
                print(".", end="", flush=True)
                time.sleep(2)
            print(" ready.\n")
            print("Participants: scan the QR code, or open this address and type the code.\n")
            print(qr_terminal(session.url) + "\n")
            print(f"    {session.url}")
            print(f"    Access code: {pretty_code(session.code)}\n")
            if network:
                print("The page is open to this local network (same Wi-Fi). Only people with the code get in.")
            else:
                print("The page works on this computer only. Add --network to let phones on this Wi-Fi join.")
            print(f"\nFacilitator dashboard (timer, ground rules, pulse): {session.facilitator_url}")
            print(f"(Technical messages go to {log_file})\nPress Ctrl+C here to end the session.", flush=True)
            while session.participants.poll() is None:
                time.sleep(1)
            return session.participants.returncode or 0
        except KeyboardInterrupt:
            return 0
        finally:
            session.stop()
            print("\nSession ended. No participant's answers were kept on this computer; "
                  "the group pulse keeps only anonymous totals.")
