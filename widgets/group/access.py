"""The access code: made, checked in constant time, slowed per device, and the login page.

Runs inside the participants' Voila server."""
from __future__ import annotations

import asyncio
import hmac
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.auth.login import LoginFormHandler
from traitlets import Unicode

from .. import curriculum, templating
from .kernels import PoolStatusHandler

CODE_LENGTH = 6


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


#: why a code was refused (words in ui.toml [login])
MESSAGES = ("wrong", "blocked", "link")


class AccessCodeLoginHandler(LoginFormHandler):
    """The page a participant sees without the code: a kind refusal, and a box to type the code."""

    def _render(self, message: str = ""):
        if not message and "code=" in self.get_argument("next", ""):
            message = "link"
        text = curriculum.text(f"login.{message}") if message in MESSAGES else ""
        nxt = self.get_argument("next", default=self.base_url)
        action = f"{self.base_url.rstrip('/')}/login?next={urllib.parse.quote(nxt, safe='')}"
        self.set_header("Cache-Control", "no-store")
        # the xsrf field is tornado's own escaped HTML; everything else is escaped by the template
        self.write(templating.render("login.html.j2", message=text, action=action,
                                     xsrf=templating.Markup(self.xsrf_form_html())))

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
