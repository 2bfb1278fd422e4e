"""The serve command in a terminal: start, say what is ready, and stop cleanly on Ctrl+C."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from .. import curriculum
from ..storage import paths
from .access import pretty_code
from .qr import qr_terminal
from .session import GroupSession, Stopping, end_leftover_session, free_pair_from, leftover_session


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
